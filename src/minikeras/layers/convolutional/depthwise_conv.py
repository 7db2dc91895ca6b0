"""`DepthwiseConv1D`, `DepthwiseConv2D`: each input channel convolved on its own with
`depth_multiplier` filters (a grouped convolution with one channel per group)."""

from minikeras import constraints, initializers, regularizers
from minikeras.layers import spatial
from minikeras.layers.convolutional.base_conv import BaseConv, convolve, convolve_backward
from minikeras.saving import registry


def check_depth_multiplier(depth_multiplier):
    if not isinstance(depth_multiplier, int) or depth_multiplier <= 0:
        raise ValueError(
            "Invalid value for argument `depth_multiplier`. Expected a strictly positive "
            f"value. Received depth_multiplier={depth_multiplier}.")


def as_grouped(depthwise_kernel):
    """A depthwise kernel `(*kernel_size, channels, multiplier)` as the kernel of the grouped
    convolution it is: `(*kernel_size, 1, channels * multiplier)`, output `c * multiplier + m`."""
    *size, channels, multiplier = depthwise_kernel.shape
    return depthwise_kernel.reshape(*size, 1, channels * multiplier)


def depthwise(x, depthwise_kernel, g):
    channels = depthwise_kernel.shape[-2]
    return convolve(x, as_grouped(depthwise_kernel), g, groups=channels)


def depthwise_backward(grad, cols, depthwise_kernel, g, input_shape, grads, variable):
    """The input gradient of `depthwise` (or None); adds the kernel's gradient to `grads`."""
    kernel_grad, input_grad, _ = convolve_backward(
        grad, cols, as_grouped(depthwise_kernel), g, input_shape, depthwise_kernel.shape[-2],
        want_kernel=grads.wants(variable), want_input=grads.needs_input)
    if kernel_grad is not None:
        grads.add(variable, kernel_grad.reshape(depthwise_kernel.shape))
    return input_grad


class BaseDepthwiseConv(BaseConv):
    """`activation(depthwise convolution + bias)`: output channel `c * depth_multiplier + m` is
    input channel `c` convolved with `kernel[..., c, m]`.

    Args:
        depth_multiplier: filters per input channel.
        depthwise_initializer, depthwise_regularizer, depthwise_constraint: the kernel's.
        kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias and
        the bias arguments: as `BaseConv`.
    """

    _keras2_unused = ("groups",)

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super(BaseConv, self).__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._set_window_arguments(kernel_size, strides, padding, data_format, dilation_rate)
        self._set_output_arguments(activation, use_bias, bias_initializer, bias_regularizer,
                                   bias_constraint)
        check_depth_multiplier(depth_multiplier)
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def build(self, input_shape):
        channels = self._channels_of(input_shape)
        self._input_channels = channels
        self._kernel = self.add_weight(
            shape=(*self.kernel_size, channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, name="kernel")
        self._build_bias(channels * self.depth_multiplier)

    def forward(self, inputs, training=False):
        x = spatial.to_channels_last(inputs, self.data_format)
        g = self._geometry(x.shape[1:-1])
        out, cols = depthwise(x, self._kernel.value, g)
        out = self._add_bias(out)
        return spatial.from_channels_last(out, self.data_format), (cols, g, x.shape)

    def backward(self, ctx, grad, grads):
        cols, g, input_shape = ctx
        grad = spatial.to_channels_last(grad, self.data_format)
        self._bias_gradient(grad, grads)
        input_grad = depthwise_backward(grad, cols, self._kernel.value, g, input_shape, grads,
                                        self._kernel)
        return None if input_grad is None else spatial.from_channels_last(
            input_grad, self.data_format)

    def _output_channels(self, input_channels):
        return None if input_channels is None else input_channels * self.depth_multiplier

    def get_config(self):
        return {
            **super(BaseConv, self).get_config(),
            "depth_multiplier": self.depth_multiplier,
            **self._window_config(),
            **self._output_config(),
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


@registry.register("layer", module="keras.layers")
class DepthwiseConv1D(BaseDepthwiseConv):
    """Depthwise 1D convolution (see `BaseDepthwiseConv`)."""

    rank = 1


@registry.register("layer", module="keras.layers")
class DepthwiseConv2D(BaseDepthwiseConv):
    """Depthwise 2D convolution (see `BaseDepthwiseConv`)."""

    rank = 2
