"""Converters of the normalization layers, at inference: BatchNormalization from its moving
statistics, LayerNormalization, GroupNormalization, UnitNormalization and RMSNormalization
from the values' own moments, computed as minikeras computes them; SpectralNormalization as
the layer it wraps."""

import numpy as np

from minikeras import layers
from minikeras.export.graph import convert_layer, register_converter
from minikeras.layers.normalization.unit_normalization import _EPSILON as UNIT_EPSILON


def _broadcast(values, rank, axes):
    """`values` (shaped as the sizes of `axes`) reshaped to broadcast against rank-`rank`
    values."""
    shape = [1] * rank
    for axis, size in zip(axes, np.shape(values)):
        shape[axis] = size
    return np.reshape(values, shape)


def _standardize(graph, x, axes, epsilon):
    """`(x - mean) / sqrt(variance + epsilon)` and that `1 / sqrt(...)`, moments over `axes`."""
    axes = graph.axes(*axes)
    centered = graph.op("Sub", x, graph.op("ReduceMean", x, axes, keepdims=1))
    variance = graph.op("ReduceMean", graph.op("Mul", centered, centered), axes, keepdims=1)
    inv = graph.op("Reciprocal", graph.op("Sqrt", graph.op("Add", variance,
                                                           graph.constant(epsilon))))
    return graph.op("Mul", centered, inv), inv


def _scale_and_offset(layer, graph, y, rank, axes):
    if layer.gamma is not None:
        gamma = _broadcast(layer.gamma.numpy(), rank, axes)
        y = graph.op("Mul", y, graph.constant(gamma, f"{layer.name}/gamma"))
    if layer.beta is not None:
        beta = _broadcast(layer.beta.numpy(), rank, axes)
        y = graph.op("Add", y, graph.constant(beta, f"{layer.name}/beta"), hint=layer.name)
    return y


@register_converter(layers.BatchNormalization, takes_mask=True)
def _batch_normalization(layer, graph, x, mask=None):
    """At inference the moving statistics: a mask changes nothing, and travels on."""
    y = _moving_normalization(layer, graph, x)
    if mask is not None:
        graph.masks[y] = mask
    return y


def _moving_normalization(layer, graph, x):
    rank = len(graph.shape(x))
    axis = layer.axis % rank
    mean, variance = layer.moving_mean.numpy(), layer.moving_variance.numpy()
    inv = 1.0 / np.sqrt(variance + variance.dtype.type(layer.epsilon))
    y = graph.op("Mul", graph.op("Sub", x, graph.constant(_broadcast(mean, rank, [axis]))),
                 graph.constant(_broadcast(inv, rank, [axis])))
    return _scale_and_offset(layer, graph, y, rank, [axis])


@register_converter(layers.LayerNormalization)
def _layer_normalization(layer, graph, x):
    rank = len(graph.shape(x))
    axes = [a % rank for a in layer.axis]
    normalized, inv = _standardize(graph, x, axes, layer.epsilon)
    if layer.rms_scaling:
        normalized = graph.op("Mul", x, inv)
    return _scale_and_offset(layer, graph, normalized, rank, axes)


@register_converter(layers.GroupNormalization)
def _group_normalization(layer, graph, x):
    shape = graph.shape(x)
    rank = len(shape)
    axis = layer.axis % rank
    channels = shape[axis]
    # The channel axis split into (groups, channels per group), the other sizes read at run
    # time (any may be unknown at export).
    grouped = graph.op("Concat", graph.dims(x, 0, axis), graph.ints(
        [layer.groups, channels // layer.groups], "groups"), graph.dims(x, axis + 1, rank),
        axis=0)
    x_grouped = graph.op("Reshape", x, grouped)
    reduced = [a for a in range(1, rank + 1) if a != axis]
    normalized, _ = _standardize(graph, x_grouped, reduced, layer.epsilon)
    y = graph.op("Reshape", normalized, graph.op("Shape", x))
    return _scale_and_offset(layer, graph, y, rank, [axis])


@register_converter(layers.UnitNormalization)
def _unit_normalization(layer, graph, x):
    rank = len(graph.shape(x))
    axes = layer.axis if isinstance(layer.axis, list) else [layer.axis]
    axes = graph.axes(*[a % rank for a in axes])
    square_sum = graph.op("ReduceSum", graph.op("Mul", x, x), axes, keepdims=1)
    inv = graph.op("Min", graph.op("Reciprocal", graph.op("Sqrt", square_sum)),
                   graph.constant(1.0 / UNIT_EPSILON))
    return graph.op("Mul", x, inv, hint=layer.name)


@register_converter(layers.RMSNormalization)
def _rms_normalization(layer, graph, x):
    """`x / sqrt(mean(x^2) + epsilon) * scale`, the scale broadcast as the layer does."""
    mean_square = graph.op("ReduceMean", graph.op("Mul", x, x), graph.axes(*layer.axis),
                           keepdims=1)
    inv = graph.op("Reciprocal", graph.op("Sqrt", graph.op(
        "Add", mean_square, graph.constant(layer.epsilon))))
    return graph.op("Mul", graph.op("Mul", x, inv),
                    graph.constant(layer.scale.numpy(), f"{layer.name}/scale"), hint=layer.name)


@register_converter(layers.SpectralNormalization)
def _spectral_normalization(layer, graph, x):
    """At inference the wrapped layer on its kernel as it is."""
    return convert_layer(layer.layer, graph, x)
