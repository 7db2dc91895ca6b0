"""Converters of the numeric preprocessing layers (Rescaling, Normalization, Discretization,
CategoryEncoding) and the refusals of those working on strings or vocabularies."""

import numpy as np

from minikeras import backend, layers
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
    (layers.StringLookup, "its inputs are strings"),
    (layers.TextVectorization, "its inputs are strings"),
    (layers.Hashing, "TensorFlow's hashes have no ONNX operator"),
    (layers.IntegerLookup, "vocabulary lookups have no operator in ONNX's default domain"),
):
    register_converter(_class)(refuse(_why))


# ----------------------------------------------------------------------------------------------
# Image preprocessing: the random augmentations are the identity at inference (what an exported
# graph computes); CenterCrop of an image at least as large as its target is a slice.

for _class in (layers.RandomFlip, layers.RandomRotation, layers.RandomZoom,
               layers.RandomTranslation, layers.RandomContrast, layers.RandomBrightness):
    register_converter(_class)(lambda layer, graph, x: x)


@register_converter(layers.CenterCrop)
def _center_crop(layer, graph, x):
    shape = graph.shape(x)
    axes = (layer._height_axis % len(shape), layer._width_axis % len(shape))
    sizes = (layer.height, layer.width)
    if any(shape[a] is None or shape[a] < size for a, size in zip(axes, sizes)):
        raise cannot_export(layer, "it resizes images smaller than its target, or of unknown "
                                   "size, with TensorFlow's resize, which ONNX's Resize is not")
    starts = [(shape[a] - size) // 2 for a, size in zip(axes, sizes)]
    return graph.op("Slice", x, graph.ints(starts, "starts"),
                    graph.ints([s + n for s, n in zip(starts, sizes)], "ends"),
                    graph.ints(list(axes), "axes"), hint=layer.name)


for _class, _why in (
    (layers.Resizing, "TensorFlow's resize kernels (half-pixel centres, its bicubic table, "
                      "antialiasing) are not ONNX Resize's, to 1e-5"),
    (layers.RandomCrop, "at inference it resizes the centre with TensorFlow's resize, which "
                        "ONNX's Resize is not"),
):
    register_converter(_class)(refuse(_why))
