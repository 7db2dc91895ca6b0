"""Converters of the convolutions (1D to 3D; grouped, depthwise, separable, transposed): ONNX
`Conv` and `ConvTranspose` on channels-first values, padded as TensorFlow pads."""

import numpy as np

from minikeras import layers
from minikeras.export.activations import convert_activation
from minikeras.export.graph import cannot_export, register_converter
from minikeras.layers import windows
from minikeras.layers.convolutional.conv_transpose import BaseConvTranspose
from minikeras.layers.convolutional.depthwise_conv import BaseDepthwiseConv
from minikeras.layers.convolutional.separable_conv import BaseSeparableConv


def to_channels_first(layer, graph, x):
    rank = layer.rank
    if layer.data_format == "channels_first":
        return x
    return graph.transpose(x, [0, rank + 1, *range(1, rank + 1)])


def from_channels_first(layer, graph, y):
    rank = layer.rank
    if layer.data_format == "channels_first":
        return y
    return graph.transpose(y, [0, *range(2, rank + 2), 1])


def window_padding(layer, graph, x, kernel, strides, dilation):
    """ONNX's padding attributes for Keras' `padding` on the value `x`: the pads of Keras'
    geometry ("same" as TensorFlow pads, the extra position at the end; "causal" all at the
    start); with unknown spatial sizes, "same" is ONNX's `SAME_UPPER` (onnxruntime takes it
    without dilation only)."""
    shape = graph.shape(x)
    spatial = shape[1:-1] if layer.data_format == "channels_last" else shape[2:]
    if None in spatial:
        if layer.padding != "same":
            spatial = [max(windows.effective_size(k, d), 1) for k, d in zip(kernel, dilation)]
        elif any(d != 1 for d in dilation):
            raise cannot_export(layer, "a dilated 'same' window needs the input's spatial "
                                       "sizes: give the model's input its full shape")
        else:
            return {"auto_pad": "SAME_UPPER"}
    g = windows.geometry(spatial, kernel, strides, dilation, layer.padding)
    return {"pads": [*g.before, *g.after]}


def _onnx_kernel(kernel):
    """Keras' `(*window, in, out)` kernel as ONNX's `(out, in, *window)`."""
    rank = kernel.ndim - 2
    return np.transpose(kernel, (rank + 1, rank, *range(rank)))


def _conv(layer, graph, x, kernel, bias, group):
    """The layer's window over `x` (as the layer takes it), channels first."""
    attributes = window_padding(layer, graph, x, layer.kernel_size, layer.strides,
                                layer.dilation_rate)
    inputs = [to_channels_first(layer, graph, x), graph.constant(_onnx_kernel(kernel), f"{layer.name}/kernel")]
    if bias is not None:
        inputs.append(graph.constant(bias, f"{layer.name}/bias"))
    return graph.op("Conv", *inputs, kernel_shape=list(layer.kernel_size),
                    strides=list(layer.strides), dilations=list(layer.dilation_rate),
                    group=group, hint=layer.name, **attributes)


def _finish(layer, graph, x, y):
    y = from_channels_first(layer, graph, y)
    return convert_activation(layer.activation, graph, y,
                              tuple(layer.compute_output_shape(graph.shape(x))))


@register_converter(layers.Conv1D)
@register_converter(layers.Conv2D)
@register_converter(layers.Conv3D)
def _convolution(layer, graph, x):
    weights = layer.get_weights()
    bias = weights[1] if layer.use_bias else None
    y = _conv(layer, graph, x, weights[0], bias, layer.groups)
    return _finish(layer, graph, x, y)


def _depthwise_kernel(kernel):
    """A depthwise `(*window, channels, multiplier)` kernel as the grouped convolution's
    `(*window, 1, channels * multiplier)`: output channel `c * multiplier + m`."""
    return kernel.reshape(*kernel.shape[:-2], 1, -1)


@register_converter(BaseDepthwiseConv)
def _depthwise(layer, graph, x):
    weights = layer.get_weights()
    bias = weights[1] if layer.use_bias else None
    channels = weights[0].shape[-2]
    y = _conv(layer, graph, x, _depthwise_kernel(weights[0]), bias, channels)
    return _finish(layer, graph, x, y)


@register_converter(BaseSeparableConv)
def _separable(layer, graph, x):
    weights = layer.get_weights()
    depthwise, pointwise = weights[0], weights[1]
    middle = _conv(layer, graph, x, _depthwise_kernel(depthwise), None, depthwise.shape[-2])
    inputs = [middle, graph.constant(_onnx_kernel(pointwise), f"{layer.name}/pointwise")]
    if layer.use_bias:
        inputs.append(graph.constant(weights[2], f"{layer.name}/bias"))
    y = graph.op("Conv", *inputs, kernel_shape=[1] * layer.rank, hint=layer.name)
    return _finish(layer, graph, x, y)


@register_converter(BaseConvTranspose)
def _transpose(layer, graph, x):
    """ONNX `ConvTranspose` makes the full `(n - 1) * stride + span` positions; Keras' output
    drops `before` of them at the start and `after` at the end (TensorFlow's padding of the
    convolution this one transposes), or adds positions that get only the bias."""
    weights = layer.get_weights()
    shape = graph.shape(x)
    # Keras' crop and extra positions do not depend on the input's size; for a size known
    # only at run time they are found on two sizes, and written only if the same.
    (before, after, extra), *others = [_transpose_pads(layer, shape, size) for size in (5, 6)]
    if others[0] != (before, after, extra):
        raise cannot_export(layer, "its padding depends on the input's spatial sizes: give "
                                   "the model's input its full shape")
    # Keras' (*window, out, in) kernel is already ONNX's (in, out, *window) once transposed.
    rank = layer.rank
    kernel = np.transpose(weights[0], (rank + 1, rank, *range(rank)))
    inputs = [to_channels_first(layer, graph, x), graph.constant(kernel, f"{layer.name}/kernel")]
    if layer.use_bias:
        inputs.append(graph.constant(weights[1], f"{layer.name}/bias"))
    y = graph.op("ConvTranspose", *inputs, kernel_shape=list(layer.kernel_size),
                 strides=list(layer.strides), dilations=list(layer.dilation_rate),
                 pads=[*before, *after], output_padding=extra, hint=layer.name)
    return _finish(layer, graph, x, y)


def _transpose_pads(layer, shape, size):
    """`(before, after, extra)` of ConvTranspose on inputs of `shape` (`size` where a spatial
    size is unknown): the full output's positions Keras drops at the start and at the end,
    and those it adds at the end (getting only the bias)."""
    shape = [d if d is not None or i == 0 else size for i, d in enumerate(shape)]
    output = layer.compute_output_shape(shape)
    spatial, inputs = ((list(s[1:-1]) if layer.data_format == "channels_last" else list(s[2:]))
                       for s in (output, shape))
    g = windows.transpose_geometry(inputs, spatial, layer.kernel_size, layer.strides,
                                   layer.dilation_rate, layer.padding)
    full = [(n - 1) * s + windows.effective_size(k, d) for n, k, s, d in zip(
        inputs, layer.kernel_size, layer.strides, layer.dilation_rate)]
    extra = [length - (f - b - a) for length, f, b, a in zip(spatial, full, g.before, g.after)]
    return list(g.before), list(g.after), extra
