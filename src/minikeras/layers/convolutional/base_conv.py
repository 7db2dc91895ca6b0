"""The convolution base of `Conv1D/2D/3D` (and, by its pieces, of every convolution): Keras'
arguments and checks, and the grouped product `im2col(x) @ kernel` with its adjoints."""

import contextlib
import math
from typing import Callable, NamedTuple, Optional

import numpy as np

from minikeras import activations, backend, constraints, initializers, regularizers
from minikeras.core import parallel
from minikeras.layers import spatial, windows
from minikeras.layers.spatial import SpatialLayer

def grouped_kernel(kernel, groups):
    """A kernel `(*kernel_size, channels // groups, filters)` as `(groups, taps * channels //
    groups, filters // groups)`: one matrix per group, rows as `im2col` orders them."""
    filters = kernel.shape[-1]
    flat = kernel.reshape(-1, groups, filters // groups)
    return flat.transpose(1, 0, 2)


def stacked_matmul(a, b, out=None):
    """`a @ b` over a leading axis of groups: numpy's stacked matmul is several times slower
    than one 2-D BLAS product, so a single group is multiplied as a matrix."""
    if a.shape[0] != 1:
        return np.matmul(a, b, out=out)
    return np.matmul(a[0], b[0], out=None if out is None else out[0])[None]


def product_threads(rows, width):
    """One BLAS thread for a product of a `rows` x `width` output too small to share (never
    more threads than the caller set): for one image's convolution, waking OpenBLAS' second
    thread costs more than the product, and on a busy machine a thread that is not scheduled
    stalls it (a 121x288x64 product measured 0.5 ms on one thread, 14 to 44 ms on two)."""
    if backend.blas_threads_for(rows, width) == 1:
        return backend.blas_threads(1)
    return contextlib.nullcontext()


class Convolved(NamedTuple):
    """What `convolve_backward` needs of a `convolve` call."""

    slices: list  # the parts of the batch
    cols: list  # each part's im2col rows (groups, rows, taps * channels // groups)
    activation: Optional[Callable]  # the (built-in) activation applied in the parts, or None
    pre_activation: Optional[np.ndarray]  # its input (batch, positions, filters)
    outputs: np.ndarray  # the outputs (batch, positions, filters)


def convolve(x, kernel, g, groups=1, bias=None, activation=None):
    """`(outputs (batch, *output, filters), Convolved)` of the convolution of channels-last
    `x`, plus `bias` and through `activation` if given (a built-in elementwise activation,
    see `activations._is_elementwise`). The batch is computed in parts (`core.parallel`): a
    few images' im2col rows stay in cache from their copy to their product, their activation,
    and their gradient's."""
    batch, filters = x.shape[0], kernel.shape[-1]
    positions = math.prod(g.output)
    grouped = grouped_kernel(kernel, groups)
    dtype = x.dtype if x.dtype == kernel.dtype else np.result_type(x.dtype, kernel.dtype)
    linear = np.empty((batch, positions, filters), dtype)
    slices = parallel.parts(batch, positions * grouped.shape[0] * grouped.shape[1]
                            * x.dtype.itemsize)
    # Parts activate their own rows; one part (a small batch) activates after its product.
    activated = None if activation is None or len(slices) == 1 else np.empty_like(linear)

    def convolve_part(part):
        cols = windows.im2col(x[part], g, groups)
        rows = linear[part].reshape(-1, filters)
        if groups == 1:
            np.matmul(cols[0], grouped[0], out=rows)
        else:
            rows[...] = np.matmul(cols, grouped).transpose(1, 0, 2).reshape(rows.shape)
        if bias is not None:
            rows += bias
        if activated is not None:
            activated[part] = activation.on_float_array(linear[part])
        return cols

    with product_threads(positions * min(batch, slices[0].stop), filters):
        cols = parallel.run(convolve_part, slices)
    if activation is None:
        out = linear
    else:
        out = activated if activated is not None else activation.on_float_array(linear)
    convolved = Convolved(slices, cols, activation,
                          None if activation is None else linear, out)
    return out.reshape(batch, *g.output, filters), convolved


def convolve_backward(grad, convolved, kernel, g, input_shape, groups, kernel_grad_out=None,
                      want_kernel=True, want_input=True, bias_grad_out=None, want_bias=False):
    """`(kernel gradient, input gradient, bias gradient)` of `convolve` from its output
    gradient `grad` (channels-last) and the `Convolved` it returned; each may be skipped
    (None). Part by part: the gradient through the activation, the part's input gradient,
    and its shares of the kernel's and the bias', summed in the parts' order."""
    slices, cols, activation, pre_activation, outputs = convolved
    filters = kernel.shape[-1]
    per_group = grouped_kernel(kernel, groups).transpose(0, 2, 1) if want_input else None
    input_grad = np.empty(input_shape, grad.dtype) if want_input else None
    grad = grad.reshape(outputs.shape)
    # One part writes the kernel's gradient straight into the caller's buffer.
    direct = len(slices) == 1 and kernel_grad_out is not None and groups == 1

    def backward_part(index):
        part, part_cols = slices[index], cols[index]
        part_grad = grad[part]
        if activation is not None:
            part_grad = activation.backward(pre_activation[part], outputs[part], part_grad)
        flat = part_grad.reshape(-1, filters)
        bias_share = np.sum(flat, axis=0) if want_bias else None
        grad_g = flat.reshape(-1, groups, filters // groups).transpose(1, 0, 2)
        kernel_share = None
        if want_kernel:
            out = kernel_grad_out.reshape(1, -1, filters) if direct else None
            kernel_share = stacked_matmul(part_cols.transpose(0, 2, 1), grad_g, out=out)
        if want_input:
            dcols = stacked_matmul(grad_g, per_group)
            input_grad[part] = windows.col2im(dcols, g, part.stop - part.start,
                                              input_shape[-1], groups)
        return kernel_share, bias_share

    shares = parallel.run(backward_part, range(len(slices)))
    kernel_grad = bias_grad = None
    if want_kernel:
        kernel_grad = _summed([share for share, _ in shares])
        if groups != 1:
            kernel_grad = kernel_grad.transpose(1, 0, 2)
        kernel_grad = kernel_grad.reshape(kernel.shape)
        if kernel_grad_out is not None and not direct:
            kernel_grad_out[...] = kernel_grad
            kernel_grad = kernel_grad_out
    if want_bias:
        bias_grad = _summed([share for _, share in shares])
        if bias_grad_out is not None:
            bias_grad_out[...] = bias_grad
            bias_grad = bias_grad_out
    return kernel_grad, input_grad, bias_grad


def _summed(shares):
    total = shares[0]
    for share in shares[1:]:
        total += share
    return total


# The size standing for an unknown spatial size while output sizes are computed (then None).
_UNKNOWN = 1 << 20


class BaseConv(SpatialLayer):
    """`activation(convolution(inputs, kernel) + bias)` over `rank` spatial axes.

    Args:
        filters: the number of output channels.
        kernel_size: an int or `rank` ints, the window's size.
        strides: an int or `rank` ints, the step between windows.
        padding: "valid" (no padding), "same" (output size `ceil(input / stride)`), or for 1D
            "causal" (all padding before: output `t` sees no input after `t`).
        data_format: "channels_last" (default, `(batch, *spatial, channels)`) or
            "channels_first" (`(batch, channels, *spatial)`).
        dilation_rate: an int or `rank` ints, the spacing of the kernel's taps.
        groups: the number of groups the channels are split into, each convolved separately
            with `filters // groups` filters.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as `Dense`.
    """

    _saves_built_weights_only = True  # see `Layer.save_own_variables`

    _activation_after_forward = True
    _fuses_activation = False

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        if lora_rank is not None:
            raise ValueError("minikeras' convolutions do not support LoRA.")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._set_window_arguments(kernel_size, strides, padding, data_format, dilation_rate,
                                   allow_causal=self.rank == 1)
        self.filters = filters
        self.groups = groups
        self._set_output_arguments(activation, use_bias, bias_initializer, bias_regularizer,
                                   bias_constraint)
        # A built-in elementwise activation runs inside the convolution's parts, in cache, if
        # this class's forward is `convolve`'s; any other after `forward`, by `Layer.call`.
        self._fuses_activation = (type(self).forward is BaseConv.forward
                                  and activations._is_elementwise(self.activation))
        self._activation_after_forward = not self._fuses_activation
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self._check_filters()
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(
                f"The number of groups must be a positive integer. Received: groups={groups}.")
        if filters % groups != 0:
            raise ValueError(
                "The number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={groups}, filters={filters}.")

    def _set_window_arguments(self, kernel_size, strides, padding, data_format, dilation_rate,
                              allow_causal=False):
        self.kernel_size = spatial.standardize_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = spatial.standardize_tuple(strides, self.rank, "strides")
        self.dilation_rate = spatial.standardize_tuple(dilation_rate, self.rank, "dilation_rate")
        self.padding = spatial.standardize_padding(padding, allow_causal=allow_causal)
        self.data_format = spatial.standardize_data_format(data_format)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}")

    def _set_output_arguments(self, activation, use_bias, bias_initializer, bias_regularizer,
                              bias_constraint):
        self.activation = activations.get(activation)
        self._linear = self.activation is activations.linear
        self.use_bias = bool(use_bias)
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        self._bias = None

    def _check_filters(self):
        if not isinstance(self.filters, int) or self.filters <= 0:
            raise ValueError(
                "Invalid value for argument `filters`. Expected a strictly positive value. "
                f"Received filters={self.filters}.")

    # ------------------------------------------------------------------------------------------

    def build(self, input_shape):
        channels = self._channels_of(input_shape)
        if channels % self.groups != 0:
            raise ValueError(
                "The number of input channels must be evenly divisible by the number of groups. "
                f"Received groups={self.groups}, but the input has {channels} channels (full "
                f"input shape is {tuple(input_shape)}).")
        self._input_channels = channels
        self._kernel = self.add_weight(
            shape=(*self.kernel_size, channels // self.groups, self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, name="kernel")
        self._build_bias(self.filters)

    def _build_bias(self, size):
        if self.use_bias:
            self._bias = self.add_weight(
                shape=(size,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint, name="bias")

    @property
    def kernel(self):
        if not self.built:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        return self._kernel

    @property
    def bias(self):
        if not self.built:
            raise AttributeError("You must build the layer before accessing `bias`.")
        return self._bias

    def _geometry(self, spatial_shape):
        return windows.geometry(spatial_shape, self.kernel_size, self.strides,
                                self.dilation_rate, self.padding)

    def forward(self, inputs, training=False):
        x = spatial.to_channels_last(inputs, self.data_format)
        g = self._geometry(x.shape[1:-1])
        bias = None if self._bias is None else self._bias.value
        activation = self.activation if self._fuses_activation else None
        out, convolved = convolve(x, self._kernel.value, g, self.groups, bias, activation)
        return spatial.from_channels_last(out, self.data_format), (convolved, g, x.shape)

    def _add_bias(self, out):
        if self._bias is not None:
            out += self._bias.value
        return out

    def backward(self, ctx, grad, grads):
        convolved, g, input_shape = ctx
        grad = spatial.to_channels_last(grad, self.data_format)
        kernel, bias = self._kernel, self._bias
        want_bias = bias is not None and grads.wants(bias)
        kernel_grad, input_grad, bias_grad = convolve_backward(
            grad, convolved, kernel.value, g, input_shape, self.groups,
            kernel_grad_out=grads.buffer(kernel) if grads.wants(kernel) else None,
            want_kernel=grads.wants(kernel), want_input=grads.needs_input,
            bias_grad_out=grads.buffer(bias) if want_bias else None, want_bias=want_bias)
        if kernel_grad is not None:
            grads.add(kernel, kernel_grad)
        if bias_grad is not None:
            grads.add(bias, bias_grad)
        return None if input_grad is None else spatial.from_channels_last(
            input_grad, self.data_format)

    def _bias_gradient(self, grad, grads):
        bias = self._bias
        if bias is not None and grads.wants(bias):
            flat = grad.reshape(-1, grad.shape[-1])
            grads.add(bias, np.sum(flat, axis=0, out=grads.buffer(bias)))

    def compute_output_shape(self, input_shape):
        batch, spatial_shape, channels = spatial.split_shape(input_shape, self.data_format)
        return spatial.join_shape(batch, self._output_spatial(spatial_shape),
                                  self._output_channels(channels), self.data_format)

    def _output_spatial(self, spatial_shape):
        known = [_UNKNOWN if n is None else n for n in spatial_shape]
        output = self._geometry(known).output
        if min(output) <= 0:
            raise ValueError(
                "Computed output size would be negative. Received `inputs shape="
                f"{tuple(spatial_shape)}`, `kernel shape={self.kernel_size}`, "
                f"`dilation_rate={self.dilation_rate}`.")
        return tuple(None if n is None else o for n, o in zip(spatial_shape, output))

    def _output_channels(self, input_channels):
        return self.filters

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            **self._window_config(),
            "groups": self.groups,
            **self._output_config(),
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }

    def _window_config(self):
        return {"kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate}

    def _output_config(self):
        return {"activation": activations.serialize(self.activation), "use_bias": self.use_bias}

    # Keys of Keras 2's configs of this layer that Keras 3 dropped (unused there).
    _keras2_unused = ()

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "groups" in cls._keras2_unused and config.get("groups", 1) != 1:
            raise ValueError(
                f"{cls.__name__} does not support `groups={config['groups']}`.")
        for key in cls._keras2_unused:
            config.pop(key, None)
        return cls(**config)
