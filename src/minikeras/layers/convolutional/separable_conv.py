"""`SeparableConv1D`, `SeparableConv2D`: a depthwise convolution, then a pointwise (1x1)
convolution mixing its channels into `filters`."""

import numpy as np

from minikeras import constraints, initializers, regularizers
from minikeras.layers import spatial
from minikeras.layers.convolutional.base_conv import BaseConv
from minikeras.layers.convolutional.depthwise_conv import (
    check_depth_multiplier, depthwise, depthwise_backward,
)
from minikeras.saving import registry


class BaseSeparableConv(BaseConv):
    """`activation(pointwise(depthwise(inputs)) + bias)`.

    Args:
        filters: the number of output channels of the pointwise convolution.
        depth_multiplier: depthwise filters per input channel.
        depthwise_*, pointwise_*: initializer, regularizer and constraint of the two kernels.
        kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias and
        the bias arguments: as `BaseConv`.
    """

    # Keras 2 also wrote a (never used) kernel initializer, regularizer and constraint.
    _keras2_unused = ("groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super(BaseConv, self).__init__(activity_regularizer=activity_regularizer, **kwargs)
        # tf_keras' SeparableConv1D also pads "causal" (Keras 3 refuses it): its files load
        self._set_window_arguments(kernel_size, strides, padding, data_format, dilation_rate,
                                   allow_causal=self.rank == 1)
        self._set_output_arguments(activation, use_bias, bias_initializer, bias_regularizer,
                                   bias_constraint)
        check_depth_multiplier(depth_multiplier)
        self.filters = filters
        self._check_filters()
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        channels = self._channels_of(input_shape)
        self._input_channels = channels
        self._depthwise = self.add_weight(
            shape=(*self.kernel_size, channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, name="depthwise_kernel")
        self._pointwise = self.add_weight(
            shape=(*(1,) * self.rank, channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint, name="pointwise_kernel")
        self._build_bias(self.filters)

    @property
    def depthwise_kernel(self):
        return self._depthwise

    @property
    def pointwise_kernel(self):
        return self._pointwise

    def _pointwise_matrix(self):
        return self._pointwise.value.reshape(-1, self.filters)

    def forward(self, inputs, training=False):
        x = spatial.to_channels_last(inputs, self.data_format)
        g = self._geometry(x.shape[1:-1])
        middle, cols = depthwise(x, self._depthwise.value, g)
        out = np.matmul(middle, self._pointwise_matrix())
        out = self._add_bias(out)
        return spatial.from_channels_last(out, self.data_format), (cols, g, x.shape, middle)

    def backward(self, ctx, grad, grads):
        cols, g, input_shape, middle = ctx
        grad = spatial.to_channels_last(grad, self.data_format)
        self._bias_gradient(grad, grads)
        flat_grad = grad.reshape(-1, self.filters)
        pointwise = self._pointwise
        if grads.wants(pointwise):
            flat_middle = middle.reshape(-1, middle.shape[-1])
            buffer = grads.buffer(pointwise)
            out = None if buffer is None else buffer.reshape(flat_middle.shape[1], -1)
            grads.add(pointwise, np.matmul(flat_middle.T, flat_grad, out=out).reshape(
                pointwise.value.shape))
        if not (grads.wants(self._depthwise) or grads.needs_input):
            return None
        middle_grad = np.matmul(grad, self._pointwise_matrix().T)
        input_grad = depthwise_backward(middle_grad, cols, self._depthwise.value, g,
                                        input_shape, grads, self._depthwise)
        return None if input_grad is None else spatial.from_channels_last(
            input_grad, self.data_format)

    def get_config(self):
        return {
            **super(BaseConv, self).get_config(),
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            **self._window_config(),
            **self._output_config(),
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


@registry.register("layer", module="keras.layers")
class SeparableConv1D(BaseSeparableConv):
    """Separable 1D convolution (see `BaseSeparableConv`)."""

    rank = 1


@registry.register("layer", module="keras.layers")
class SeparableConv2D(BaseSeparableConv):
    """Separable 2D convolution (see `BaseSeparableConv`)."""

    rank = 2


SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
