"""`Conv1DTranspose`, `Conv2DTranspose`, `Conv3DTranspose`: the adjoint of a convolution (an
upsampling convolution), computed as one product and a `col2im`."""

import numpy as np

from minikeras.layers import spatial, windows
from minikeras.layers.convolutional.base_conv import BaseConv
from minikeras.saving import registry


class BaseConvTranspose(BaseConv):
    """The transpose of the convolution from `filters` channels to the inputs' channels:
    each input position spreads `kernel[..., :, c] * x[c]` over its window of the output.

    Args:
        output_padding: None, an int or `rank` ints (each less than its stride): the extra
            positions at the end of each output axis. None lets the output size be
            `input * stride` ("same") or `(input - 1) * stride + max(kernel, stride)` ("valid").
        filters, kernel_size, strides, padding ("valid" or "same"), data_format,
        dilation_rate, activation and the weight arguments: as `BaseConv` (no `groups`).
    """

    _keras2_unused = ("groups",)

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            filters, kernel_size, strides=strides, padding="valid", data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs)
        self.padding = spatial.standardize_padding(padding)
        self.output_padding = None if output_padding is None else spatial.standardize_tuple(
            output_padding, self.rank, "output_padding", allow_zero=True)
        for axis, (extra, stride) in enumerate(zip(self.output_padding or (), self.strides)):
            if extra >= stride:
                raise ValueError(
                    "`output_padding` must be strictly less than `strides` for all dimensions. "
                    f"At dimension {axis}, `output_padding` is {extra} but `strides` is "
                    f"{stride}. Received: output_padding={self.output_padding}, "
                    f"strides={self.strides}")

    def build(self, input_shape):
        channels = self._channels_of(input_shape)
        self._input_channels = channels
        self._kernel = self.add_weight(
            shape=(*self.kernel_size, self.filters, channels),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, name="kernel")
        self._build_bias(self.filters)

    def _output_spatial(self, spatial_shape):
        return tuple(self._output_length(n, axis) for axis, n in enumerate(spatial_shape))

    def _output_length(self, length, axis):
        """Keras' output size of one axis, as TensorFlow pads it."""
        if length is None:
            return None
        span = windows.effective_size(self.kernel_size[axis], self.dilation_rate[axis])
        stride = self.strides[axis]
        extra = None if self.output_padding is None else self.output_padding[axis]
        if self.padding == "valid":
            extra = max(span, stride) - span if extra is None else extra
            return (length - 1) * stride + span + extra
        if extra is None:
            return length * stride
        return (length - 1) * stride + span % 2 + extra

    def _geometry(self, spatial_shape):
        return windows.transpose_geometry(
            spatial_shape, self._output_spatial(spatial_shape), self.kernel_size,
            self.strides, self.dilation_rate, self.padding)

    def _matrix(self):
        """The kernel as the `(taps * filters, channels)` matrix of the convolution this
        layer transposes."""
        return self._kernel.value.reshape(-1, self._input_channels)

    def forward(self, inputs, training=False):
        x = spatial.to_channels_last(inputs, self.data_format)
        g = self._geometry(x.shape[1:-1])
        rows = x.reshape(1, -1, x.shape[-1])
        cols = np.matmul(rows, self._matrix().T)
        out = windows.col2im(cols, g, x.shape[0], self.filters).copy()
        out = self._add_bias(out)
        return spatial.from_channels_last(out, self.data_format), (x, g)

    def backward(self, ctx, grad, grads):
        x, g = ctx
        grad = spatial.to_channels_last(grad, self.data_format)
        self._bias_gradient(grad, grads)
        cols = windows.im2col(grad, g)[0]  # (input positions, taps * filters)
        kernel = self._kernel
        if grads.wants(kernel):
            flat = x.reshape(-1, x.shape[-1])
            buffer = grads.buffer(kernel)
            out = None if buffer is None else buffer.reshape(cols.shape[1], -1)
            grads.add(kernel, np.matmul(cols.T, flat, out=out).reshape(kernel.value.shape))
        if not grads.needs_input:
            return None
        input_grad = np.matmul(cols, self._matrix()).reshape(x.shape)
        return spatial.from_channels_last(input_grad, self.data_format)

    def get_config(self):
        config = super().get_config()
        del config["groups"]
        config["output_padding"] = self.output_padding
        return config


@registry.register("layer", module="keras.layers")
class Conv1DTranspose(BaseConvTranspose):
    """Transposed 1D convolution (see `BaseConvTranspose`)."""

    rank = 1


@registry.register("layer", module="keras.layers")
class Conv2DTranspose(BaseConvTranspose):
    """Transposed 2D convolution (see `BaseConvTranspose`)."""

    rank = 2


@registry.register("layer", module="keras.layers")
class Conv3DTranspose(BaseConvTranspose):
    """Transposed 3D convolution (see `BaseConvTranspose`)."""

    rank = 3

    # Keras 3 takes `data_format` before `output_padding` here (the 1D and 2D layers, and
    # tf_keras' 3D one, after it): positional arguments mean what they mean in Keras 3.
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 output_padding=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            filters, kernel_size, strides=strides, padding=padding,
            output_padding=output_padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs)


Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose = (
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose)
