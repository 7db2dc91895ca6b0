"""Converters of the image preprocessing layers: the random augmentations (the identity at
inference, what an exported graph computes), CenterCrop, RandomCrop and Resizing.

A resize is minikeras' own: a crop or padding, then one product per spatial axis with a
`(new size, size)` matrix (`layers/resampling.py`). For an image size known at export the
matrices are constants; for a size known only at run time the graph computes them from the
image's size with the same arithmetic, in the same float types, so the numbers are
minikeras' (ONNX's `Resize` samples otherwise: its bilinear positions are float32 in
onnxruntime, 2e-5 away, and it has neither TensorFlow's bicubic table nor its antialiasing).
"""

import math

import numpy as np

from minikeras import layers
from minikeras.export.graph import register_converter
from minikeras.export.layers.preprocessing import as_type
from minikeras.layers import resampling
from minikeras.layers.preprocessing.image_preprocessing.resizing import (
    aspect_crop, aspect_padding,
)

for _class in (layers.RandomFlip, layers.RandomRotation, layers.RandomZoom,
               layers.RandomTranslation, layers.RandomContrast, layers.RandomBrightness):
    register_converter(_class)(lambda layer, graph, x: x)
for _class in (layers.RandomErasing, layers.RandomGaussianBlur, layers.RandomShear,
               layers.RandomPerspective, layers.MixUp, layers.CutMix,
               layers.RandomElasticTransform):
    register_converter(_class)(lambda layer, graph, x: x)


def _on_batches(convert):
    """A converter of batches of images that also writes single images (rank 3, which Keras
    takes as one image: its first axis, the graph's dynamic one, is the height or the
    channels): the image made a batch of one, converted, and taken out again."""
    def write(layer, graph, x):
        shape = graph.shape(x)
        if len(shape) != 3:
            return convert(layer, graph, x)
        batch = graph.op("Unsqueeze", x, graph.axes(0))
        graph.shapes[batch] = (1, *shape)
        return graph.op("Squeeze", convert(layer, graph, batch), graph.axes(0), hint=layer.name)

    return write


@register_converter(layers.CenterCrop)
@_on_batches
def _center_crop(layer, graph, x):
    (height, width), axes = _image_size(layer, graph, x)
    if height is None or width is None or height < layer.height or width < layer.width:
        return _smart_resize(layer, graph, x)
    starts = [(height - layer.height) // 2, (width - layer.width) // 2]
    return graph.op("Slice", x, graph.ints(starts, "starts"),
                    graph.ints([s + n for s, n in zip(starts, (layer.height, layer.width))],
                               "ends"),
                    graph.ints(list(axes), "axes"), hint=layer.name)


# RandomCrop at inference: the largest centred window of its target's aspect ratio, resized
# (what minikeras' layer computes outside training, as tf_keras and Keras' documentation do).
register_converter(layers.RandomCrop)(_on_batches(
    lambda layer, graph, x: _smart_resize(layer, graph, x)))


@register_converter(layers.Resizing)
@_on_batches
def _resizing(layer, graph, x):
    if any(d is None for d in _image_size(layer, graph, x)[0]):
        return _resizing_any_size(layer, graph, x)
    size, _ = _image_size(layer, graph, x)
    target = (layer.height, layer.width)
    crop = aspect_crop(*size, *target) if layer.crop_to_aspect_ratio else None
    pad = aspect_padding(*size, *target) if layer.pad_to_aspect_ratio else None
    return _resize(layer, graph, x, layer.interpolation, layer.antialias, crop, pad,
                   layer.fill_value)


def _smart_resize(layer, graph, x):
    """Keras' `smart_resize` of CenterCrop and RandomCrop: the aspect window, bilinearly (of
    images of any size; of a run-time size, CenterCrop's window is chosen in the graph)."""
    size, axes = _image_size(layer, graph, x)
    target = (layer.height, layer.width)
    if None not in size:
        return _resize(layer, graph, x, "bilinear", False, aspect_crop(*size, *target))
    window = _Window(graph, as_type(graph, x), axes, target)
    x = window.centre_or_aspect() if isinstance(layer, layers.CenterCrop) else window.crop()
    return _products(layer, graph, x, axes, [_Matrix(graph, x, axis, new).of("bilinear", False)
                                             for axis, new in zip(axes, target)])


def _image_size(layer, graph, x):
    """`((height, width), (height axis, width axis))` of a batch of images, a size None where
    it is known only at run time."""
    shape = graph.shape(x)  # of rank 4: the layers take no other (`_on_batches`)
    axes = (layer._height_axis % 4, layer._width_axis % 4)
    return (shape[axes[0]], shape[axes[1]]), axes


def _resize(layer, graph, x, interpolation, antialias, crop=None, pad=None, fill_value=0.0):
    """The resize minikeras computes (`ImageResize`): the crop `(top, left, rows, cols)` or the
    padding `(rows, cols)` on each side, then the products with the same matrices, as
    constants."""
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


# ----------------------------------------------------------------------------------------------
# Images of a size known only at run time

def _resizing_any_size(layer, graph, x):
    """Resizing of images whose size the graph reads at run time: every interpolation,
    antialiasing, the crop or padding to the aspect ratio computed from the size."""
    _, axes = _image_size(layer, graph, x)
    x = as_type(graph, x)
    target = (layer.height, layer.width)
    if layer.crop_to_aspect_ratio:
        x = _Window(graph, x, axes, target).crop()
    elif layer.pad_to_aspect_ratio:
        x = _Window(graph, x, axes, target).pad(layer.fill_value)
    matrices = [_Matrix(graph, x, axis, new).of(layer.interpolation, layer.antialias)
                for axis, new in zip(axes, target)]
    return _products(layer, graph, x, axes, matrices)


class _Window:
    """The aspect-ratio crop and padding of images of a run-time size (`aspect_crop`,
    `aspect_padding`: the same integer and float32 arithmetic)."""

    def __init__(self, graph, x, axes, target):
        self.graph, self.x, self.axes, self.target = graph, x, axes, target
        self.height, self.width = (graph.dims(x, a, a + 1) for a in axes)  # int64, (1,)

    def _f32(self, x):
        return self.graph.op("Cast", x, to=self.graph.onnx.TensorProto.FLOAT)

    def _int(self, x):
        """`int()` of a float32 that is not negative."""
        return self.graph.op("Cast", self.graph.op("Floor", x),
                             to=self.graph.onnx.TensorProto.INT64)

    def _ratio(self, size, times, over):
        """`int(float32(size * times) / float32(over))`."""
        graph = self.graph
        product = graph.op("Mul", size, graph.ints([times], "times"))
        return self._int(graph.op("Div", self._f32(product),
                                  graph.constant([over], "over", dtype=np.float32)))

    def _half(self, difference):
        """`int(float32(difference) / 2)`."""
        return self._int(self.graph.op("Div", self._f32(difference), self.graph.constant(
            [2.0], "two", dtype=np.float32)))

    def _aspect(self):
        """`aspect_crop`: `(top, left, rows, cols)`, each an int64 of shape (1,)."""
        graph, (target_height, target_width) = self.graph, self.target
        one = graph.ints([1], "one")
        rows = graph.op("Max", graph.op("Min", self.height, self._ratio(
            self.width, target_height, target_width)), one)
        cols = graph.op("Max", graph.op("Min", self.width, self._ratio(
            self.height, target_width, target_height)), one)
        return (self._half(graph.op("Sub", self.height, rows)),
                self._half(graph.op("Sub", self.width, cols)), rows, cols)

    def crop(self):
        """The aspect-ratio window (`smart_resize`'s, `crop_to_aspect_ratio`'s)."""
        return self._slice(*self._aspect())

    def centre_or_aspect(self):
        """CenterCrop's window: the centred target where the image is at least as large on
        both axes (its resize then the identity), else the aspect-ratio window."""
        graph, (target_height, target_width) = self.graph, self.target
        sizes = (graph.ints([target_height], "rows"), graph.ints([target_width], "cols"))
        large = graph.op("And", graph.op("GreaterOrEqual", self.height, sizes[0]),
                         graph.op("GreaterOrEqual", self.width, sizes[1]))
        two = graph.ints([2], "two")
        centred = (graph.op("Div", graph.op("Sub", self.height, sizes[0]), two),
                   graph.op("Div", graph.op("Sub", self.width, sizes[1]), two), *sizes)
        return self._slice(*(graph.op("Where", large, c, a)
                             for c, a in zip(centred, self._aspect())))

    def _slice(self, top, left, rows, cols):
        graph = self.graph
        starts = graph.op("Concat", top, left, axis=0)
        ends = graph.op("Concat", graph.op("Add", top, rows), graph.op("Add", left, cols),
                        axis=0)
        return graph.op("Slice", self.x, starts, ends, graph.ints(self.axes, "axes"))

    def pad(self, fill_value):
        graph, (target_height, target_width) = self.graph, self.target
        rows = graph.op("Max", self.height, self._ratio(self.width, target_height,
                                                        target_width))
        cols = graph.op("Max", self.width, self._ratio(self.height, target_width,
                                                       target_height))
        counts = dict(zip(self.axes, (self._half(graph.op("Sub", rows, self.height)),
                                      self._half(graph.op("Sub", cols, self.width)))))
        zero = graph.ints([0], "zero")
        pads = graph.op("Concat", *(counts.get(i % 4, zero) for i in range(8)), axis=0)
        return graph.op("Pad", self.x, pads, graph.constant(fill_value, "fill"))


class _Matrix:
    """The `(new, size)` resize matrix of one axis of `x` computed in the graph, each
    interpolation written as `resampling` computes it (same expressions, same float types):
    `of(interpolation, antialias)` is `resampling.resize_matrix`'s."""

    def __init__(self, graph, x, axis, new):
        self.graph, self.new = graph, new
        self.size_int = graph.op("Squeeze", graph.dims(x, axis, axis + 1), graph.axes(0))
        self.dtype = np.float64

    def of(self, interpolation, antialias):
        if interpolation == "nearest":
            matrix = self._nearest()
        elif interpolation == "area":
            matrix = self._area()
        elif antialias or interpolation in ("lanczos3", "lanczos5"):
            matrix = self._kernel(interpolation, antialias)
        elif interpolation == "bilinear":
            matrix = self._linear()
        else:
            matrix = self._bicubic()
        return self._cast(matrix, self.graph.dtype)

    # -- arithmetic in the graph, in `self.dtype` -------------------------------------------

    def _op(self, op_type, *inputs, **attributes):
        return self.graph.op(op_type, *(self._c(v) for v in inputs), **attributes)

    def _c(self, value):
        """A graph value: a name as it is, a number as a constant of `self.dtype`."""
        return value if isinstance(value, str) else self.graph.constant(value, "number",
                                                                        dtype=self.dtype)

    def _cast(self, x, dtype):
        return self.graph.op("Cast", x, to=self.graph.onnx.helper.np_dtype_to_tensor_dtype(
            np.dtype(dtype)))

    def _size(self):
        return self._cast(self.size_int, self.dtype)

    def _rows(self):
        """`np.arange(new)`, a column."""
        return self._op("Range", 0, self.new, 1)

    def _columns(self):
        """`np.arange(size)`, as a `(1, size)` row."""
        graph = self.graph
        columns = graph.op("Range", graph.constant(0, "zero", dtype=np.int64), self.size_int,
                           graph.constant(1, "one", dtype=np.int64))
        return graph.op("Unsqueeze", self._cast(columns, self.dtype), graph.axes(0))

    def _column(self, x):
        return self.graph.op("Unsqueeze", x, self.graph.axes(1))

    def _picks(self, source, weight=None):
        """`(new, size)`: `weight` (1 by default) where a row's column is `source`."""
        hits = self._cast(self._op("Equal", self._column(source), self._columns()), self.dtype)
        return hits if weight is None else self._op("Mul", hits, self._column(weight))

    def _clipped(self, value):
        return self._op("Min", self._op("Max", value, 0), self._op("Sub", self._size(), 1))

    def _normalized(self, weights, axis):
        """Weights divided by their sum over `axis`, zeros where it is about 0."""
        total = self._op("ReduceSum", weights, self.graph.axes(axis), keepdims=1)
        usable = self._op("Greater", self._op("Abs", total), 1e-30)
        return self._op("Where", usable, self._op("Div", weights, total), 0)

    # -- the interpolations ------------------------------------------------------------------

    def _nearest(self):
        self.dtype = np.float32  # `nearest_indices`: float32, as TensorFlow rounds
        scale = self._op("Div", self._size(), self.new)
        source = self._op("Floor", self._op("Mul", self._op("Add", self._rows(), 0.5), scale))
        return self._picks(self._op("Min", source, self._op("Sub", self._size(), 1)))

    def _linear(self):
        position = self._op("Sub", self._op("Mul", self._op("Add", self._rows(), 0.5),
                                            self._op("Div", self._size(), self.new)), 0.5)
        floor = self._op("Floor", position)
        weight = self._op("Sub", position, floor)
        return self._op("Add", self._picks(self._clipped(floor), self._op("Sub", 1, weight)),
                        self._picks(self._clipped(self._op("Add", floor, 1)), weight))

    def _area(self):
        scale = self._op("Div", self._size(), self.new)
        start = self._op("Mul", self._column(self._rows()), scale)
        end = self._op("Add", start, scale)
        cells = self._columns()
        overlap = self._op("Sub", self._op("Min", self._op("Add", cells, 1), end),
                           self._op("Max", cells, start))
        return self._op("Div", self._op("Max", overlap, 0), scale)

    def _bicubic(self):
        """`resampling._bicubic_matrix`: positions in float32, the fraction rounded to
        TensorFlow's table, then four taps weighed in float64."""
        self.dtype = np.float32
        scale = self._op("Div", self._size(), self.new)
        position = self._op("Sub", self._op("Mul", self._op("Add", self._rows(), 0.5), scale),
                            0.5)
        base = self._op("Floor", position)
        table = resampling._KEYS_CUBIC_TABLE_SIZE
        delta = self._op("Div", self._op("Round", self._op("Mul", self._op(
            "Sub", position, base), table)), table)
        self.dtype = np.float64
        base, delta = self._cast(base, np.float64), self._cast(delta, np.float64)
        size = self._size()
        taps = [self._op("Add", base, offset) for offset in range(-1, 3)]
        weights = [self._op("Where", self._op("And", self._op("GreaterOrEqual", tap, 0),
                                              self._op("Less", tap, size)),
                            self._keys_cubic(self._op("Abs", self._op("Sub", offset, delta))),
                            0)
                   for offset, tap in zip(range(-1, 3), taps)]
        stacked = self._normalized(self.graph.op("Concat", *(self._column(w) for w in weights),
                                                 axis=1), 1)
        matrix = None
        for index, tap in enumerate(taps):
            weight = self.graph.slice(stacked, [1], [index], [index + 1])
            picked = self._picks(self._clipped(tap), self.graph.op(
                "Squeeze", weight, self.graph.axes(1)))
            matrix = picked if matrix is None else self._op("Add", matrix, picked)
        return matrix

    def _kernel(self, interpolation, antialias):
        """`resampling._kernel_matrix`: TensorFlow's `scale_and_translate`."""
        radius = {"bilinear": 1.0, "bicubic": 2.0, "lanczos3": 3.0, "lanczos5": 5.0}[
            interpolation]
        inverse_scale = self._op("Div", self._size(), self.new)
        kernel_scale = self._op("Max", inverse_scale, 1.0) if antialias else self._c(1.0)
        sample = self._column(self._op("Mul", self._op("Add", self._rows(), 0.5),
                                       inverse_scale))
        sources = self._columns()
        distance = self._op("Abs", self._op("Div", self._op("Sub", self._op(
            "Add", sources, 0.5), sample), kernel_scale))
        reach = self._op("Mul", radius, kernel_scale)
        in_span = self._op("And", self._op("GreaterOrEqual", sources, self._op("Ceil", self._op(
            "Sub", self._op("Sub", sample, reach), 0.5))), self._op(
            "LessOrEqual", sources, self._op("Floor", self._op("Sub", self._op(
                "Add", sample, reach), 0.5))))
        kernel = {"bilinear": self._triangle, "bicubic": self._keys_cubic}.get(interpolation)
        values = kernel(distance) if kernel else self._lanczos(distance, radius)
        return self._normalized(self._op("Where", in_span, values, 0), 1)

    def _triangle(self, x):
        return self._op("Max", 0.0, self._op("Sub", 1.0, x))

    def _keys_cubic(self, x):
        """`resampling._keys_cubic`, the same expressions."""
        def times(a, b):
            return self._op("Mul", a, b)

        outer = self._op("Add", times(self._op("Sub", times(self._op(
            "Add", times(-0.5, x), 2.5), x), 4.0), x), 2.0)
        inner = self._op("Add", times(times(self._op("Sub", times(1.5, x), 2.5), x), x), 1.0)
        return self._op("Where", self._op("GreaterOrEqual", x, 2.0), 0.0, self._op(
            "Where", self._op("GreaterOrEqual", x, 1.0), outer, inner))

    def _lanczos(self, x, radius):
        """`resampling._lanczos(radius)`, the same expressions."""
        small = self._op("LessOrEqual", x, 1e-3)
        safe = self._op("Where", small, 1.0, x)
        pi_safe = self._op("Mul", math.pi, safe)
        value = self._op("Div", self._op("Mul", self._op("Mul", radius, self._op(
            "Sin", pi_safe)), self._op("Sin", self._op("Div", pi_safe, radius))), self._op(
            "Mul", self._op("Mul", math.pi * math.pi, safe), safe))
        return self._op("Where", small, 1.0, self._op("Where", self._op(
            "Greater", x, radius), 0.0, value))
