"""Converters of the numeric preprocessing layers (Rescaling, Normalization, Discretization,
CategoryEncoding), of the image layers (Resizing and the crops as products with minikeras' own
resize matrices, the augmentations as the identity of inference), and the refusals of those
working on strings or vocabularies."""

import numpy as np

from minikeras import backend, layers
from minikeras.layers import resampling
from minikeras.layers.preprocessing.image_preprocessing.resizing import (
    aspect_crop, aspect_padding,
)
from minikeras.export.graph import cannot_export, register_converter
from minikeras.export.layers.core import refuse


def as_type(graph, x, dtype=None):
    """`x` as `dtype` (by default the graph's float type)."""
    dtype = graph.dtype if dtype is None else np.dtype(dtype)
    return graph.op("Cast", x, to=graph.onnx.helper.np_dtype_to_tensor_dtype(dtype))


@register_converter(layers.Rescaling)
def _rescaling(layer, graph, x):
    x = as_type(graph, x)
    y = graph.op("Mul", x, graph.constant(layer.scale))
    return graph.op("Add", y, graph.constant(layer.offset), hint=layer.name)


@register_converter(layers.Normalization)
def _normalization(layer, graph, x):
    mean, variance = (np.asarray(v, graph.dtype) for v in layer._statistics())
    scale = np.maximum(np.sqrt(variance), graph.dtype.type(backend.epsilon()))
    x = as_type(graph, x)
    if layer.invert:
        return graph.op("Add", graph.op("Mul", x, graph.constant(scale)), graph.constant(mean),
                        hint=layer.name)
    return graph.op("Div", graph.op("Sub", x, graph.constant(mean)), graph.constant(scale),
                    hint=layer.name)


def _matches(graph, indices, depth):
    """`indices[..., None] == range(depth)` as 0/1 of the graph's float type."""
    expanded = graph.op("Unsqueeze", as_type(graph, indices, np.int64), graph.axes(-1))
    return as_type(graph, graph.op("Equal", expanded, graph.ints(range(depth), "categories")))


def encode(layer, graph, indices, depth, dtype):
    """Keras' output modes of integer `indices` over `depth` categories."""
    mode = layer.output_mode
    if mode == "int":
        return as_type(graph, indices, dtype)
    rank = len(graph.shape(indices))
    if mode == "one_hot":
        if rank > 1 and graph.shape(indices)[-1] == 1:
            indices = graph.op("Squeeze", indices, graph.axes(-1))
        return as_type(graph, _matches(graph, indices, depth), dtype)
    if rank != 2:
        raise cannot_export(layer, f"output_mode={mode!r} is exported for (batch, values) "
                                   "inputs only")
    reduce = "ReduceMax" if mode == "multi_hot" else "ReduceSum"
    counts = graph.op(reduce, _matches(graph, indices, depth), graph.axes(-2), keepdims=0)
    return as_type(graph, counts, dtype)


@register_converter(layers.Discretization)
def _discretization(layer, graph, x):
    # The bin of x: how many boundaries are <= x (searchsorted, side="right").
    boundaries = graph.constant(np.asarray(layer.bin_boundaries, np.float32), "boundaries",
                                dtype=np.float32)
    above = graph.op("GreaterOrEqual", graph.op("Unsqueeze", as_type(graph, x, np.float32),
                                                graph.axes(-1)), boundaries)
    bins = graph.op("ReduceSum", as_type(graph, above, np.int64), graph.axes(-1), keepdims=0)
    graph.shapes[bins] = graph.shape(x)
    return encode(layer, graph, bins, len(layer.bin_boundaries) + 1, layer._output_dtype)


@register_converter(layers.CategoryEncoding)
def _category_encoding(layer, graph, x, count_weights=None):
    if count_weights is not None:
        raise cannot_export(layer, "`count_weights` is not exported")
    return encode(layer, graph, x, layer.num_tokens, layer.dtype)


for _class, _why in (
    (layers.TextVectorization, "its standardization and splitting of text have no ONNX "
                               "operators"),
    (layers.Hashing, "TensorFlow's hashes have no ONNX operator"),
):
    register_converter(_class)(refuse(_why))


# The lookups: ONNX-ML's LabelEncoder (of the `ai.onnx.ml` domain, which onnxruntime runs), a
# table of the vocabulary's tokens and their indices, in the version of ML opset 3.
ML_DOMAIN, ML_OPSET = "ai.onnx.ml", 3


def _label_encoder(graph, x, table, default, strings_in, strings_out):
    """`table[x]` (a dict of tokens), `default` for what it lacks."""
    keys, values = list(table), list(table.values())
    if not keys:  # an empty table: every value is the default
        keys, values = (["\0"] if strings_in else [np.iinfo(np.int64).min]), [default]
    kind_in, kind_out = ("strings" if strings_in else "int64s"), (
        "strings" if strings_out else "int64s")
    attributes = {f"keys_{kind_in}": [str(k) if strings_in else int(k) for k in keys],
                  f"values_{kind_out}": [str(v) if strings_out else int(v) for v in values],
                  "default_string" if strings_out else "default_int64": default}
    return graph.op("LabelEncoder", x, domain=ML_DOMAIN, **attributes)


@register_converter(layers.StringLookup)
@register_converter(layers.IntegerLookup)
def _lookup(layer, graph, x):
    """The index of each token (`IndexLookup._lookup`): its vocabulary index, the mask
    token's, an OOV index, then Keras' output modes of the indices."""
    strings = layer._token_kind == "string"
    if layer.invert:
        return _inverted_lookup(layer, graph, x, strings)
    if layer.num_oov_indices > 1 and (strings or layer.oov_method == "farmhash"):
        raise cannot_export(layer, "its out-of-vocabulary tokens share several indices by "
                                   "TensorFlow's hashes, which have no ONNX operator")
    values = x if strings else as_type(graph, x, np.int64)
    start = layer._token_start_index()
    table = {token: start + i for i, token in
             enumerate(layer.get_vocabulary(include_special_tokens=False))}
    if layer.mask_token is not None:
        table[layer.mask_token] = 0 if layer.output_mode == "int" else np.iinfo(np.int64).max
    unknown = -1 if layer.num_oov_indices != 1 else layer._oov_start_index()
    indices = _label_encoder(graph, values, table, unknown, strings, False)
    if layer.num_oov_indices > 1:  # floormod of the integers among the OOV indices
        oov = graph.op("Mod", values, graph.ints([layer.num_oov_indices], "oov_indices"))
        oov = graph.op("Add", oov, graph.ints([layer._oov_start_index()], "oov_start"))
        indices = graph.op("Where", graph.op("Equal", indices, graph.ints([-1], "unknown")),
                           oov, indices)
    graph.shapes[indices] = graph.shape(x)
    if layer.output_mode == "int":
        return graph.op("Identity", indices, hint=layer.name)
    encoded = encode(layer, graph, indices, layer._depth(), np.int64)
    if layer.output_mode == "tf_idf":
        weights = np.asarray(layer.idf_weights[:layer._depth()], np.float32)
        return graph.op("Mul", as_type(graph, encoded, np.float32),
                        graph.constant(weights, f"{layer.name}/idf_weights", dtype=np.float32),
                        hint=layer.name)
    return graph.op("Identity", encoded, hint=layer.name)


def _inverted_lookup(layer, graph, x, strings):
    """Indices back to tokens (`IndexLookup._invert`): the special indices and any index
    outside the table give the OOV token, the mask token's index (0) the mask token."""
    table = dict(enumerate(layer.get_vocabulary()))
    for index in range(layer._token_start_index()):
        table[index] = layer.oov_token
    if layer.mask_token is not None:
        table[0] = layer.mask_token
    return _label_encoder(graph, as_type(graph, x, np.int64), table, layer.oov_token, False,
                          strings)


# ----------------------------------------------------------------------------------------------
# Image preprocessing: the random augmentations are the identity at inference (what an exported
# graph computes); CenterCrop of an image at least as large as its target is a slice; the
# resizes are minikeras' own per-axis matrices as constants (exact, for a fixed image size).

for _class in (layers.RandomFlip, layers.RandomRotation, layers.RandomZoom,
               layers.RandomTranslation, layers.RandomContrast, layers.RandomBrightness):
    register_converter(_class)(lambda layer, graph, x: x)


@register_converter(layers.CenterCrop)
def _center_crop(layer, graph, x):
    (height, width), axes = _image_size(layer, graph, x)
    if height < layer.height or width < layer.width:
        return _smart_resize(layer, graph, x)
    starts = [(height - layer.height) // 2, (width - layer.width) // 2]
    return graph.op("Slice", x, graph.ints(starts, "starts"),
                    graph.ints([s + n for s, n in zip(starts, (layer.height, layer.width))],
                               "ends"),
                    graph.ints(list(axes), "axes"), hint=layer.name)


# RandomCrop at inference: the largest centred window of its target's aspect ratio, resized
# (what minikeras' layer computes outside training, as tf_keras and Keras' documentation do).
register_converter(layers.RandomCrop)(lambda layer, graph, x: _smart_resize(layer, graph, x))


@register_converter(layers.Resizing)
def _resizing(layer, graph, x):
    if any(d is None for d in _image_size(layer, graph, x, known=False)[0]):
        return _resizing_any_size(layer, graph, x)
    size, _ = _image_size(layer, graph, x)
    target = (layer.height, layer.width)
    crop = aspect_crop(*size, *target) if layer.crop_to_aspect_ratio else None
    pad = aspect_padding(*size, *target) if layer.pad_to_aspect_ratio else None
    return _resize(layer, graph, x, layer.interpolation, layer.antialias, crop, pad,
                   layer.fill_value)


def _smart_resize(layer, graph, x):
    """Keras' `smart_resize` of CenterCrop and RandomCrop: the aspect window, bilinearly."""
    size, _ = _image_size(layer, graph, x)
    return _resize(layer, graph, x, "bilinear", False,
                   aspect_crop(*size, layer.height, layer.width))


def _resizing_any_size(layer, graph, x):
    """Resizing of images of a size known only at run time, bilinear or nearest (without
    antialiasing, crop or padding to the aspect ratio): the resize matrices computed in the
    graph from the image's size, with minikeras' own arithmetic (so the same numbers)."""
    if layer.interpolation not in ("bilinear", "nearest") or layer.antialias or \
            layer.crop_to_aspect_ratio or layer.pad_to_aspect_ratio:
        raise cannot_export(layer, "images of unknown height or width are resized only "
                                   "bilinearly or by nearest neighbours, without antialias, "
                                   "crop or padding to the aspect ratio: give the input its "
                                   "height and width")
    _, axes = _image_size(layer, graph, x, known=False)
    matrices = [_runtime_matrix(graph, x, axis, new, layer.interpolation)
                for axis, new in zip(axes, (layer.height, layer.width))]
    return _products(layer, graph, as_type(graph, x), axes, matrices)


def _runtime_matrix(graph, x, axis, new, interpolation):
    """The `(new, size)` resize matrix of axis `axis` of `x` (`resampling.linear_matrix` in
    float64, `resampling.nearest_indices` in float32, as minikeras makes them)."""
    dtype = np.float64 if interpolation == "bilinear" else np.float32
    kind = graph.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

    def number(value):
        return graph.constant(value, "number", dtype=dtype)

    size_int = graph.op("Squeeze", graph.dims(x, axis, axis + 1), graph.axes(0))
    size = graph.op("Cast", size_int, to=kind)
    last = graph.op("Sub", size, number(1))
    rows = graph.op("Range", number(0), number(new), number(1))
    columns = graph.op("Unsqueeze", graph.op("Cast", graph.op(
        "Range", graph.constant(0, "zero", dtype=np.int64), size_int,
        graph.constant(1, "one", dtype=np.int64)), to=kind), graph.axes(0))

    def picks(source, weight=None):
        """`(new, size)`: `weight` (1 by default) where a row's column is `source`."""
        hits = graph.op("Cast", graph.op("Equal", graph.op("Unsqueeze", source, graph.axes(1)),
                                         columns), to=kind)
        return hits if weight is None else graph.op(
            "Mul", hits, graph.op("Unsqueeze", weight, graph.axes(1)))

    if interpolation == "nearest":
        scale = graph.op("Div", size, number(new))
        source = graph.op("Floor", graph.op("Mul", graph.op("Add", rows, number(0.5)), scale))
        matrix = picks(graph.op("Min", source, last))
    else:
        position = graph.op("Sub", graph.op("Mul", graph.op("Add", rows, number(0.5)),
                                            graph.op("Div", size, number(new))), number(0.5))
        floor = graph.op("Floor", position)
        weight = graph.op("Sub", position, floor)

        def clipped(value):
            return graph.op("Min", graph.op("Max", value, number(0)), last)

        matrix = graph.op("Add", picks(clipped(floor), graph.op("Sub", number(1), weight)),
                          picks(clipped(graph.op("Add", floor, number(1))), weight))
    return graph.op("Cast", matrix, to=graph.onnx.helper.np_dtype_to_tensor_dtype(graph.dtype))


def _image_size(layer, graph, x, known=True):
    """`((height, width), (height axis, width axis))` of a batch of images, of known size
    unless `known` is False (a size is then None where unknown): a resize is written as
    products with matrices made for that size."""
    shape = graph.shape(x)
    if len(shape) != 4:
        raise cannot_export(layer, "only batches of images (inputs of rank 4) are exported")
    axes = (layer._height_axis % 4, layer._width_axis % 4)
    if known and any(shape[a] is None for a in axes):
        raise cannot_export(layer, "its resize is written for a fixed image size: give the "
                                   "input its height and width")
    return (shape[axes[0]], shape[axes[1]]), axes


def _resize(layer, graph, x, interpolation, antialias, crop=None, pad=None, fill_value=0.0):
    """The resize minikeras computes (`ImageResize`): the crop `(top, left, rows, cols)` or the
    padding `(rows, cols)` on each side, then one product per spatial axis with the same
    `(new size, size)` matrices, in the same order (height, then width)."""
    (height, width), axes = _image_size(layer, graph, x)
    x = as_type(graph, x)
    if crop is not None:
        top, left, height, width = crop
        x = graph.slice(x, axes, (top, left), (top + height, left + width))
    elif pad is not None:
        pads = [0] * 8
        for axis, count in zip(axes, pad):
            pads[axis] = pads[axis + 4] = count
        height, width = height + 2 * pad[0], width + 2 * pad[1]
        x = graph.op("Pad", x, graph.ints(pads, "pads"), graph.constant(fill_value, "fill"))
    matrices = [graph.constant(resampling.resize_matrix(size, new, interpolation, antialias,
                                                        graph.dtype), f"{layer.name}/resize")
                for size, new in zip((height, width), (layer.height, layer.width))]
    return _products(layer, graph, x, axes, matrices)


def _products(layer, graph, x, axes, matrices):
    """`x` times each `(new size, size)` matrix on its spatial axis, height then width."""
    image = "nchw" if axes == (2, 3) else "nhwc"
    for axis, matrix, letter in zip(axes, matrices, "yz"):
        output = image.replace(image[axis], letter)
        x = graph.op("Einsum", matrix, x, equation=f"{letter}{image[axis]},{image}->{output}",
                     hint=layer.name)
        image = output
    return x
