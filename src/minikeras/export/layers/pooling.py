"""Converters of the pooling layers: windowed max and average (1D to 3D, TensorFlow's
padding: "same" averages over the positions inside the input only), global pooling, and
adaptive pooling (for spatial sizes known at export)."""

from minikeras import layers
from minikeras.export.graph import register_converter
from minikeras.export.layers.convolutional import (
    from_channels_first, to_channels_first, window_padding,
)
from minikeras.layers.pooling.adaptive_pooling import (
    BaseAdaptiveMaxPooling, BaseAdaptivePooling, adaptive_bins,
)
from minikeras.layers.pooling.base_pooling import BaseAveragePooling, BaseMaxPooling
from minikeras.layers.pooling.global_pooling import (
    BaseGlobalAveragePooling, BaseGlobalMaxPooling,
)


def _pool(op_type, layer, graph, x, **attributes):
    padding = window_padding(layer, graph, x, layer.pool_size, layer.strides, (1,) * layer.rank)
    y = graph.op(op_type, to_channels_first(layer, graph, x), kernel_shape=list(layer.pool_size),
                 strides=list(layer.strides), hint=layer.name, **padding, **attributes)
    return from_channels_first(layer, graph, y)


@register_converter(BaseMaxPooling)
def _max_pooling(layer, graph, x):
    return _pool("MaxPool", layer, graph, x)


@register_converter(BaseAveragePooling)
def _average_pooling(layer, graph, x):
    return _pool("AveragePool", layer, graph, x, count_include_pad=0)


def _global(reduce, layer, graph, x, axes):
    return graph.op(reduce, x, graph.axes(*axes), keepdims=int(layer.keepdims), hint=layer.name)


@register_converter(BaseGlobalAveragePooling)
def _global_average(layer, graph, x):
    return _global("ReduceMean", layer, graph, x, layer._axes())


@register_converter(BaseGlobalMaxPooling)
def _global_max(layer, graph, x):
    return _global("ReduceMax", layer, graph, x, layer._axes())


@register_converter(layers.GlobalAveragePooling1D, takes_mask=True)
def _global_average_1d(layer, graph, x, mask=None):
    axis = layer._steps_axis
    if mask is None:
        return _global("ReduceMean", layer, graph, x, [axis])
    # The mean over the kept steps (NaN where none is, as Keras).
    weights = graph.op("Unsqueeze", graph.op("Cast", mask, to=graph.onnx.helper.
                                             np_dtype_to_tensor_dtype(graph.dtype)),
                       graph.axes(2 if axis == 1 else 1))
    keepdims = int(layer.keepdims)
    total = graph.op("ReduceSum", graph.op("Mul", x, weights), graph.axes(axis), keepdims=keepdims)
    count = graph.op("ReduceSum", weights, graph.axes(axis), keepdims=keepdims)
    return graph.op("Div", total, count, hint=layer.name)


@register_converter(layers.GlobalMaxPooling1D)
def _global_max_1d(layer, graph, x):
    return _global("ReduceMax", layer, graph, x, [layer._steps_axis])



@register_converter(BaseAdaptivePooling)
def _adaptive_pooling(layer, graph, x):
    """Each spatial axis in turn: every window sliced, reduced, and the results joined."""
    reduce = "ReduceMax" if isinstance(layer, BaseAdaptiveMaxPooling) else "ReduceMean"
    shape = graph.shape(x)
    first = 2 if layer.data_format == "channels_first" else 1
    for axis, out in zip(range(first, first + layer.rank), layer.output_size):
        windows = [graph.op(reduce, graph.op("Slice", x, graph.ints([start]), graph.ints([stop]),
                                             graph.axes(axis)), graph.axes(axis), keepdims=1)
                   for start, stop in adaptive_bins(shape[axis], out)]
        x = windows[0] if len(windows) == 1 else graph.op("Concat", *windows, axis=axis)
    return x
