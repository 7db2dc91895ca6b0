"""Converters of the reshaping layers: Flatten, Reshape, Permute, RepeatVector, and the
zero padding, cropping and upsampling of 1D to 3D values."""

from minikeras import layers
from minikeras.export.graph import TO_THE_END, register_converter
from minikeras.layers import resampling, spatial
from minikeras.layers.reshaping.cropping import BaseCropping
from minikeras.layers.reshaping.up_sampling import BaseUpSampling
from minikeras.layers.reshaping.zero_padding import BaseZeroPadding


@register_converter(layers.Flatten)
def _flatten(layer, graph, x):
    rank = len(graph.shape(x))
    if layer.data_format == "channels_first" and rank > 2:
        x = graph.op("Transpose", x, perm=[0, *range(2, rank), 1])  # channels last first
    return graph.op("Flatten", x, axis=1, hint=layer.name)


@register_converter(layers.Reshape)
def _reshape(layer, graph, x):
    # 0 keeps the input's size on that axis: the batch stays dynamic.
    return graph.op("Reshape", x, graph.ints([0, *layer.target_shape], "shape"), hint=layer.name)


@register_converter(layers.Permute)
def _permute(layer, graph, x):
    return graph.op("Transpose", x, perm=[0, *layer.dims], hint=layer.name)


@register_converter(layers.RepeatVector)
def _repeat_vector(layer, graph, x):
    expanded = graph.op("Unsqueeze", x, graph.axes(1))
    return graph.op("Tile", expanded, graph.ints([1, layer.n, 1], "repeats"), hint=layer.name)


def _pad(layer, graph, x, axes, margins):
    rank = len(graph.shape(x))
    before, after = [0] * rank, [0] * rank
    for axis, (b, a) in zip(axes, margins):
        before[axis], after[axis] = b, a
    return graph.op("Pad", x, graph.ints(before + after, "pads"), hint=layer.name)


def _crop(layer, graph, x, axes, margins):
    ends = [-a if a else TO_THE_END for _, a in margins]
    return graph.slice(x, axes, [b for b, _ in margins], ends)


@register_converter(layers.ZeroPadding1D)
def _zero_padding_1d(layer, graph, x):
    return _pad(layer, graph, x, [layer._steps_axis], [layer.padding])


@register_converter(BaseZeroPadding)
def _zero_padding(layer, graph, x):
    return _pad(layer, graph, x, spatial.spatial_axes(layer.rank, layer.data_format),
                layer.padding)


@register_converter(layers.Cropping1D)
def _cropping_1d(layer, graph, x):
    return _crop(layer, graph, x, [1], [layer.cropping])


@register_converter(BaseCropping)
def _cropping(layer, graph, x):
    return _crop(layer, graph, x, spatial.spatial_axes(layer.rank, layer.data_format),
                 layer.cropping)


def _resize(layer, graph, x, axes, sizes, interpolation="nearest"):
    if interpolation not in ("nearest", "bilinear"):
        return _resize_by_matrices(layer, graph, x, axes, sizes, interpolation)
    scales = [1.0] * len(graph.shape(x))
    for axis, size in zip(axes, sizes):
        scales[axis] = float(size)
    scales = graph.constant(scales, "scales", dtype="float32")
    if interpolation == "nearest":  # each position repeated
        return graph.op("Resize", x, "", scales, mode="nearest", nearest_mode="floor",
                        coordinate_transformation_mode="asymmetric", hint=layer.name)
    return graph.op("Resize", x, "", scales, mode="linear",
                    coordinate_transformation_mode="half_pixel", hint=layer.name)


def _resize_by_matrices(layer, graph, x, axes, factors, interpolation):
    """UpSampling2D's bicubic, lanczos and area: minikeras' own matrices, as Resizing exports
    them (ONNX's `Resize` has neither TensorFlow's bicubic table nor its lanczos kernels), for
    images of a size known at export."""
    from minikeras.export.layers.image import _products

    shape = graph.shape(x)
    if any(shape[axis] is None for axis in axes):
        raise NotImplementedError(
            f"Layer '{layer.name}' (UpSampling2D, interpolation={interpolation!r}) exports to "
            "ONNX for images of a size known at export only.")
    matrices = [graph.constant(resampling.resize_matrix(
        shape[axis], shape[axis] * factor, interpolation, False, graph.dtype),
        f"{layer.name}/resize") for axis, factor in zip(axes, factors)]
    return _products(layer, graph, x, tuple(axes), matrices)


@register_converter(layers.UpSampling1D)
def _up_sampling_1d(layer, graph, x):
    return _resize(layer, graph, x, [1], [layer.size])


@register_converter(BaseUpSampling)
def _up_sampling(layer, graph, x):
    return _resize(layer, graph, x, layer._axes(), layer.size,
                   getattr(layer, "interpolation", "nearest"))
