"""`keras.ops.nn`: activations, normalizations, attention, convolutions and pooling (the
layers' own kernels), one-hot encodings and crossentropies.

Keras' `ops.X` and `activations.X` are one function, so the activations call
`minikeras.activations`, which records each on the tape with its own gradient rule.
"""

import builtins
import math

import numpy as np

from minikeras import backend
from minikeras.autodiff import Node, apply
from minikeras.core import tape
from minikeras.ops._dtypes import _as, _axis, _input, _promote, _result_dtype, _value
from minikeras.ops._public import publish
from minikeras.ops.core import cast
from minikeras.ops.linalg import norm
from minikeras.ops.math import rsqrt
from minikeras.ops.numpy import (
    abs, clip, concatenate, cumsum, einsum, exp, expm1, flip, log, log1p, log10, logaddexp,
    maximum, mean, minimum, pad, reshape, sort, split, sqrt, square, squeeze, sum, take,
    take_along_axis, tanh, transpose, var, where,
)


def _activations():
    """`minikeras.activations`, imported on first use: it imports autodiff, which imports ops."""
    from minikeras import activations

    return activations


def _activation(name, x, **params):
    """`activations.<name>(x, **params)`, an ndarray (or a Node on the tape)."""
    y = getattr(_activations(), name)(x, **params)
    return y if isinstance(y, Node) else np.asarray(y)


def relu(x):
    """`max(x, 0)`; integers stay integers, as in Keras."""
    (x,) = _promote(x)
    if x.dtype.kind in "iu":
        return np.maximum(x, x.dtype.type(0))
    return _activation("relu", x)


def relu6(x):
    """`min(max(x, 0), 6)`."""
    return _activation("relu6", x)


def sigmoid(x):
    """`1 / (1 + exp(-x))`."""
    return _activation("sigmoid", x)


def softplus(x):
    """`log(1 + exp(x))`, computed stably."""
    return _activation("softplus", x)


def softsign(x):
    """`x / (1 + |x|)`."""
    return _activation("softsign", x)


def silu(x):
    """`x * sigmoid(x)`."""
    return _activation("silu", x)


def log_sigmoid(x):
    """`log(sigmoid(x))`, computed stably."""
    return _activation("log_sigmoid", x)


def leaky_relu(x, negative_slope=0.2):
    """`x` where positive, else `negative_slope * x`."""
    return _activation("leaky_relu", x, negative_slope=negative_slope)


def hard_sigmoid(x):
    """`relu6(x + 3) / 6`, a piecewise linear sigmoid."""
    return _activation("hard_sigmoid", x)


def hard_silu(x):
    """`x * hard_sigmoid(x)`."""
    return _activation("hard_silu", x)


def elu(x, alpha=1.0):
    """`x` where positive, else `alpha * (exp(x) - 1)`."""
    return _activation("elu", x, alpha=alpha)


def selu(x):
    """Scaled ELU with the self-normalising constants."""
    return _activation("selu", x)


def gelu(x, approximate=True):
    """Gaussian error linear unit `x * P(X <= x)`, X ~ N(0, 1); by default its tanh estimate
    (`keras.activations.gelu` defaults to the exact form)."""
    return _activation("gelu", x, approximate=approximate)


def softmax(x, axis=-1):
    """`exp(x)` normalised to sum to 1 over `axis`."""
    return _activation("softmax", x, axis=_axis(axis))


def log_softmax(x, axis=-1):
    """`log(softmax(x, axis))`, computed stably."""
    return _activation("log_softmax", x, axis=_axis(axis))


swish = silu
hard_swish = hard_silu


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot vectors of length `num_classes` for the integer labels `x` (negative labels give
    all zeros), along a new axis `axis`."""
    labels = _value(x)
    hot = (labels[..., None] == np.arange(num_classes)).astype(backend.standardize_dtype(dtype))
    return hot if axis == -1 else np.moveaxis(hot, -1, axis)


# ----------------------------------------------------------------------------------------------
# Crossentropies, element-wise or reduced over the class axis only


def _check_same_shape(target, output):
    """Keras' check (and messages) of crossentropy arguments: the losses' own."""
    from minikeras import losses  # on first use: losses imports activations, which import ops

    losses._check_same_shape(target, output)


def binary_crossentropy(target, output, from_logits=False):
    """`-(target * log(output) + (1 - target) * log(1 - output))`, element by element."""
    target, output = _promote(target, output, floating=True)
    _check_same_shape(target, output)
    if from_logits:  # the same, rearranged so that exp never overflows
        return relu(output) - output * target + log1p(exp(-abs(output)))
    output = clip(output, backend.epsilon(), 1.0 - backend.epsilon())
    return -(target * log(output) + (1.0 - target) * log(1.0 - output))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """`-sum(target * log(output), axis)`, the probabilities `output` renormalised first."""
    target, output = _promote(target, output, floating=True)
    _check_same_shape(target, output)
    if from_logits:
        log_prob = log_softmax(output, axis=axis)
    else:
        output = output / sum(output, axis=axis, keepdims=True)
        log_prob = log(clip(output, backend.epsilon(), 1.0 - backend.epsilon()))
    return -sum(target * log_prob, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """`categorical_crossentropy` with integer class labels as `target`."""
    (output,) = _promote(output, floating=True)
    labels = _value(target).astype("int32")
    if labels.ndim == output.ndim and labels.shape[-1] == 1:
        labels = np.squeeze(labels, axis=-1)
    onehot = one_hot(labels, output.shape[axis], axis=axis, dtype=output.dtype)
    return categorical_crossentropy(onehot, output, from_logits=from_logits, axis=axis)


# ----------------------------------------------------------------------------------------------
# More activations, composed of differentiable ops (so each has its gradient on the tape)


def celu(x, alpha=1.0):
    """`max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)`."""
    (x,) = _promote(x, floating=True)
    return maximum(x, 0.0) + alpha * expm1(minimum(x, 0.0) / alpha)


def glu(x, axis=-1):
    """The gated linear unit: the first half of `x` along `axis` times the sigmoid of the
    second."""
    (x,) = _promote(x, floating=True)
    if x.shape[axis] % 2:
        raise ValueError("axis size must be divisible by 2. "
                         f"Received: x.shape={x.shape} with axis={axis}")
    gate, value = split(x, 2, axis=axis)
    return gate * sigmoid(value)


def hard_tanh(x):
    """`x` clipped to [-1, 1]."""
    (x,) = _promote(x, floating=True)
    return clip(x, -1.0, 1.0)


def hard_shrink(x, threshold=0.5):
    """`x` where `|x| > threshold`, else 0."""
    (x,) = _promote(x, floating=True)
    return where(abs(_value(x)) > threshold, x, 0.0)


def soft_shrink(x, threshold=0.5):
    """`x` moved `threshold` toward 0, 0 within `threshold` of it."""
    (x,) = _promote(x, floating=True)
    values = _value(x)
    return where(values > threshold, x - threshold,
                 where(values < -threshold, x + threshold, 0.0))


def tanh_shrink(x):
    """`x - tanh(x)`."""
    (x,) = _promote(x, floating=True)
    return x - tanh(x)


def sparse_plus(x):
    """0 up to -1, `(x + 1)^2 / 4` up to 1, then `x`: a smooth piecewise ReLU."""
    (x,) = _promote(x, floating=True)
    values = _value(x)
    return where(values <= -1, 0.0, where(values < 1, 0.25 * square(x + 1.0), x))


def squareplus(x, b=4):
    """`(x + sqrt(x^2 + b)) / 2`, a smooth ReLU."""
    (x,) = _promote(x, floating=True)
    return (x + sqrt(square(x) + b)) / 2.0


def threshold(x, threshold, default_value):
    """`x` where `x > threshold`, else `default_value`."""
    (x,) = _promote(x)
    return where(_value(x) > threshold, x, default_value)


def sparsemax(x, axis=-1):
    """Sparsemax along `axis`, as Keras 3 computes it: `relu(x - tau)`, exactly 0 for the
    smallest logits. Keras' threshold `tau` sums the running sums over the whole support (the
    paper takes the last), so its rows do not always sum to 1; this follows Keras."""
    (x,) = _promote(x, floating=True)
    ordered = flip(sort(x, axis=axis), axis=axis)
    running = cumsum(ordered, axis=axis)
    ranks = np.arange(1, x.shape[axis] + 1).reshape(
        [-1 if d == axis % x.ndim else 1 for d in range(x.ndim)])
    support = (_value(ordered) - (_value(running) - 1) / ranks) > 0
    count = np.sum(support, axis=axis, keepdims=True).astype(x.dtype)
    tau = (sum(where(support, running, 0.0), axis=axis, keepdims=True) - 1.0) / count
    return relu(x - tau)


def sparse_sigmoid(x):
    """0 up to -1, `(x + 1) / 2` up to 1, then 1: a piecewise linear sigmoid."""
    (x,) = _promote(x, floating=True)
    return clip((x + 1.0) / 2.0, 0.0, 1.0)


def polar(abs_, angle):
    """The complex numbers of magnitude `abs_` and argument `angle` (no gradient)."""
    return _value(abs_) * np.exp(1j * _value(angle))


def _channels_last(x, data_format):
    return x if data_format == "channels_last" else transpose(x, (0, 2, 3, 1))


def _from_channels_last(x, data_format):
    return x if data_format == "channels_last" else transpose(x, (0, 3, 1, 2))


def depth_to_space(x, block_size, data_format="channels_last"):
    """The channels of the 4-D `x` rearranged into `block_size` x `block_size` spatial
    blocks (pixel shuffle): (N, H, W, C * b^2) to (N, H * b, W * b, C)."""
    (x,) = _promote(x)
    x = _channels_last(x, data_format)
    n, h, w, c = x.shape
    blocks = reshape(x, (n, h, w, block_size, block_size, c // block_size**2))
    out = reshape(transpose(blocks, (0, 1, 3, 2, 4, 5)),
                  (n, h * block_size, w * block_size, c // block_size**2))
    return _from_channels_last(out, data_format)


def space_to_depth(x, block_size, data_format="channels_last"):
    """The inverse of `depth_to_space`: (N, H * b, W * b, C) to (N, H, W, C * b^2)."""
    (x,) = _promote(x)
    x = _channels_last(x, data_format)
    n, h, w, c = x.shape
    blocks = reshape(x, (n, h // block_size, block_size, w // block_size, block_size, c))
    out = reshape(transpose(blocks, (0, 1, 3, 2, 4, 5)),
                  (n, h // block_size, w // block_size, c * block_size**2))
    return _from_channels_last(out, data_format)


# ----------------------------------------------------------------------------------------------
# Statistics and normalizations


def moments(x, axes, keepdims=False, synchronized=False):
    """`(mean, variance)` of `x` over `axes`."""
    if synchronized:
        raise NotImplementedError("Argument synchronized=True is not supported with NumPy.")
    (x,) = _promote(x, floating=True)
    axes = _axis(axes)
    average = mean(x, axis=axes, keepdims=True)
    variance = mean(square(x), axis=axes, keepdims=True) - square(average)
    if not keepdims:
        average, variance = squeeze(average, axis=axes), squeeze(variance, axis=axes)
    return average, variance


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """`(x - mean) / sqrt(variance + epsilon) * scale + offset`, the vectors `mean`,
    `variance`, `offset` and `scale` laid along `axis` of `x`."""
    x, mean, variance = _promote(x, mean, variance, floating=True)
    shape = [1] * x.ndim
    shape[axis] = mean.shape[0]
    inverse = 1.0 / sqrt(reshape(variance, shape) + epsilon)
    if scale is not None:
        inverse = inverse * reshape(scale, shape)
    shift = -reshape(mean, shape) * inverse
    if offset is not None:
        shift = shift + reshape(offset, shape)
    return x * inverse + shift


def _in_float32(x):
    """`x` and the dtype to return: Keras normalizes in at least float32."""
    (x,) = _promote(x)
    computed = np.result_type(x.dtype, np.float32) if x.dtype.kind == "f" else np.dtype(
        backend.floatx())
    return _as(x, computed), x.dtype if x.dtype.kind == "f" else computed


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """`x` normalized to mean 0 and variance 1 over `axis` (an int or a list), then scaled by
    `gamma` and shifted by `beta`."""
    epsilon = backend.epsilon() if epsilon is None else epsilon
    x, dtype = _in_float32(x)
    axes = sorted(a % x.ndim for a in np.atleast_1d(axis))
    shape = [x.shape[d] if d in axes else 1 for d in range(x.ndim)]

    def laid_out(v):
        (v,) = _promote(v)
        v = _as(v, x.dtype)
        return v if v.ndim == x.ndim or axes == [x.ndim - 1] else reshape(v, shape)

    if kwargs.pop("rms_scaling", False):
        outputs = x * rsqrt(var(x, axis=tuple(axes), keepdims=True) + epsilon)
        return cast(outputs if gamma is None else outputs * laid_out(gamma), dtype)
    average, variance = moments(x, axes=tuple(axes), keepdims=True)
    inverse = rsqrt(variance + epsilon)
    if gamma is not None:
        inverse = inverse * laid_out(gamma)
    shift = -average * inverse
    if beta is not None:
        shift = shift + laid_out(beta)
    return cast(x * inverse + shift, dtype)


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """`x * rsqrt(mean(square(x), axis) + epsilon) * scale`."""
    epsilon = backend.epsilon() if epsilon is None else epsilon
    x, dtype = _in_float32(x)
    if x.ndim == 0:
        x = reshape(x, (1,))
    outputs = x * rsqrt(mean(square(x), axis=_axis(axis), keepdims=True) + epsilon)
    if scale is not None:
        outputs = outputs * _as(_promote(scale)[0], x.dtype)
    return cast(outputs, dtype)


def normalize(x, axis=-1, order=2, epsilon=None):
    """`x / max(norm(x, order, axis), epsilon)`."""
    if not isinstance(order, int) or not order >= 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    epsilon = backend.epsilon() if epsilon is None else epsilon
    (x,) = _promote(x, floating=True)
    if x.ndim == 0:
        x = reshape(x, (1,))
    if order == 2:
        inverse = minimum(rsqrt(sum(square(x), axis=_axis(axis), keepdims=True)), 1.0 / epsilon)
        return x * inverse
    return x / maximum(norm(x, ord=order, axis=_axis(axis), keepdims=True), epsilon)


def psnr(x1, x2, max_val):
    """The peak signal-to-noise ratio of `x2` to `x1` in decibels, for values up to `max_val`."""
    x1, x2 = _promote(x1, x2, floating=True)
    if x1.shape != x2.shape:
        raise ValueError(f"Input shapes {x1.shape} and {x2.shape} must match for PSNR "
                         "calculation. ")
    peak = np.asarray(_value(max_val), x2.dtype)
    return 20.0 * log10(peak) - 10.0 * log10(mean(square(x1 - x2)))


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Vectors of length `num_classes` with ones at each of the integer labels of the last
    axis of `inputs` (of a batch of label lists; a single list for a vector)."""
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if num_classes is None:
        raise ValueError("Argument `num_classes` must be specified.")
    labels = _value(inputs).astype("int32")
    hot = one_hot(labels, num_classes, axis=axis, dtype=dtype)
    return np.max(hot, axis=1 if labels.ndim > 1 else 0)


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention of `query` (batch, target, heads, depth) over `key` and
    `value` (batch, source, heads, depth): `softmax(q k^T * scale + bias, masked) v`, with
    `scale` 1/sqrt(depth) by default; `mask` (broadcast to batch, heads, target, source) and
    `is_causal` keep the positions a query may attend to."""
    if flash_attention:
        raise ValueError("Flash attention is not supported in numpy backend.")
    query, key, value = _promote(query, key, value)
    if query.ndim != 4:
        raise ValueError(
            "`dot_product_attention` only supports 4D inputs. "
            f"Received: query.shape={query.shape}, key.shape={key.shape}, "
            f"value.shape={value.shape}.")
    scale = 1.0 / math.sqrt(key.shape[-1]) if scale is None else scale
    logits = einsum("btnh,bsnh->bnts", query, key) * scale
    if bias is not None:
        logits = logits + _as(_promote(bias)[0], logits.dtype)
    if attn_logits_soft_cap is not None:
        logits = tanh(logits / attn_logits_soft_cap) * attn_logits_soft_cap
    keep = np.ones(logits.shape, bool)
    if mask is not None:
        keep &= _value(mask).astype(bool)
    if is_causal:
        keep &= np.tri(logits.shape[2], logits.shape[3], dtype=bool)
    if mask is not None or is_causal:
        logits = where(keep, logits, -0.7 * (65500.0 if logits.dtype == np.float16 else 3.38953e38))
    return einsum("bnts,bsnh->btnh", softmax(logits, axis=-1), value)


# ----------------------------------------------------------------------------------------------
# Convolutions and pooling: the layers' own forward and backward, with the given kernels


def _layer_op(layer, inputs, kernels=(), variables=lambda layer: ()):
    """`inputs` through the built-in `layer` whose weights are `kernels` (arrays or Nodes), as
    the op of the same name computes it. The layer is built on the inputs' shape and its
    weights set to the kernels; on a tape, the call is one node whose gradient is the layer's
    backward (the inputs' gradient, and the weights' gathered as the tape gathers them)."""
    inputs, *kernels = _promote(inputs, *kernels, floating=True)
    layer.build(inputs.shape)
    weights = variables(layer)
    for variable, kernel in zip(weights, kernels):
        variable.assign(_value(kernel))
    outputs, context = layer.forward(_value(inputs))
    parents = (inputs, *kernels)
    if not tape.recording() or not builtins.any(isinstance(p, Node) for p in parents):
        return outputs

    def vjp(grad, grads):
        wanted = [v for v, k in zip(weights, kernels) if isinstance(k, Node)]
        gathered = tape.Gradients(wanted=wanted)
        gathered.needs_input = isinstance(inputs, Node)
        input_grad = layer.backward(context, grad, gathered)
        return (input_grad, *(gathered.get(v) for v in weights))

    return tape.record(outputs, [p if isinstance(p, Node) else None for p in parents], vjp,
                       layer.name)


def _layer_class(family, rank):
    from minikeras import layers

    name = {1: "1D", 2: "2D", 3: "3D"}[rank]
    return getattr(layers, family.replace("ND", name))


def _rank(inputs):
    return np.ndim(_value(inputs)) - 2


def _dtype_of(*xs):
    """The layer's dtype for these inputs: theirs, promoted, or `floatx` for integers."""
    dtype = _result_dtype([_input(x) for x in xs])
    return dtype.name if dtype.kind == "f" else backend.floatx()


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """The convolution of `inputs` (batch, *spatial, channels) with `kernel` (*kernel size,
    channels // groups, filters): `ConvND`'s, grouped when the kernel has fewer input
    channels."""
    kernel_shape = np.shape(_value(kernel))
    channels = np.shape(_value(inputs))[1 if data_format == "channels_first" else -1]
    layer = _layer_class("ConvND", _rank(inputs))(
        kernel_shape[-1], kernel_shape[:-2], strides=strides, padding=padding,
        data_format=data_format, dilation_rate=dilation_rate,
        groups=channels // kernel_shape[-2], use_bias=False, kernel_initializer="zeros",
        dtype=_dtype_of(inputs, kernel), name="conv")
    return _layer_op(layer, inputs, [kernel], lambda layer: [layer.kernel])


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Each channel of `inputs` convolved on its own with `kernel` (*kernel size, channels,
    multiplier): `DepthwiseConvND`'s."""
    kernel_shape = np.shape(_value(kernel))
    layer = _layer_class("DepthwiseConvND", _rank(inputs))(
        kernel_shape[:-2], strides=strides, padding=padding, depth_multiplier=kernel_shape[-1],
        data_format=data_format, dilation_rate=dilation_rate, use_bias=False,
        depthwise_initializer="zeros", dtype=_dtype_of(inputs, kernel), name="depthwise_conv")
    return _layer_op(layer, inputs, [kernel], lambda layer: [layer.kernel])


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """`depthwise_conv` then the 1x1 convolution with `pointwise_kernel` (1, ..., channels *
    multiplier, filters): `SeparableConvND`'s."""
    depthwise_shape = np.shape(_value(depthwise_kernel))
    layer = _layer_class("SeparableConvND", _rank(inputs))(
        np.shape(_value(pointwise_kernel))[-1], depthwise_shape[:-2], strides=strides,
        padding=padding, data_format=data_format, dilation_rate=dilation_rate,
        depth_multiplier=depthwise_shape[-1], use_bias=False, depthwise_initializer="zeros",
        pointwise_initializer="zeros", dtype=_dtype_of(inputs, depthwise_kernel, pointwise_kernel),
        name="separable_conv")
    return _layer_op(layer, inputs, [depthwise_kernel, pointwise_kernel],
                     lambda layer: [layer.depthwise_kernel, layer.pointwise_kernel])


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """The transposed convolution of `inputs` with `kernel` (*kernel size, filters,
    channels): `ConvNDTranspose`'s."""
    kernel_shape = np.shape(_value(kernel))
    layer = _layer_class("ConvNDTranspose", _rank(inputs))(
        kernel_shape[-2], kernel_shape[:-2], strides=strides, padding=padding,
        output_padding=output_padding, data_format=data_format, dilation_rate=dilation_rate,
        use_bias=False, kernel_initializer="zeros", dtype=_dtype_of(inputs, kernel),
        name="conv_transpose")
    return _layer_op(layer, inputs, [kernel], lambda layer: [layer.kernel])


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The maximum of each `pool_size` window of `inputs`: `MaxPoolingND`'s."""
    layer = _layer_class("MaxPoolingND", _rank(inputs))(
        pool_size, strides=strides, padding=padding, data_format=data_format,
        dtype=_dtype_of(inputs), name="max_pool")
    return _layer_op(layer, inputs)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The mean of each `pool_size` window of `inputs` (padding not counted):
    `AveragePoolingND`'s."""
    layer = _layer_class("AveragePoolingND", _rank(inputs))(
        pool_size, strides=strides, padding=padding, data_format=data_format,
        dtype=_dtype_of(inputs), name="average_pool")
    return _layer_op(layer, inputs)


def _adaptive_pool(inputs, output_size, data_format, family):
    """`family`'s layer (`AdaptiveAveragePoolingND` or `AdaptiveMaxPoolingND`) on `inputs`:
    the windows that split each spatial axis into `output_size` nearly equal parts, window i
    covering `[floor(i n / out), ceil((i + 1) n / out))`; one node of the tape."""
    rank = _rank(inputs)
    layer = _layer_class(family, rank)(
        output_size, data_format=data_format, dtype=_dtype_of(inputs), name="adaptive_pool")
    return _layer_op(layer, inputs)


def adaptive_average_pool(inputs, output_size, data_format=None):
    """The mean of each of the `output_size` windows that split the spatial axes of `inputs`
    as evenly as may be (PyTorch's adaptive pooling)."""
    return _adaptive_pool(inputs, output_size, data_format, "AdaptiveAveragePoolingND")


def adaptive_max_pool(inputs, output_size, data_format=None):
    """The maximum of each of the `output_size` windows that split the spatial axes of
    `inputs` as evenly as may be (PyTorch's adaptive pooling)."""
    return _adaptive_pool(inputs, output_size, data_format, "AdaptiveMaxPoolingND")


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def _patch_index(spatial, kernel_size, dilation, padding, stride):
    """For `unfold` and `fold`: the padded-row and padded-column index of each (kernel row,
    output row) and (kernel column, output column), and the output's height and width."""
    (k_h, k_w), (d_h, d_w), (s_h, s_w) = _pair(kernel_size), _pair(dilation), _pair(stride)
    p_h, p_w = _pair(padding)
    height, width = spatial[0] + 2 * p_h, spatial[1] + 2 * p_w
    out_h = (height - (k_h - 1) * d_h - 1) // s_h + 1
    out_w = (width - (k_w - 1) * d_w - 1) // s_w + 1
    rows = np.arange(k_h)[:, None] * d_h + np.arange(out_h)[None] * s_h  # (kH, oH)
    cols = np.arange(k_w)[:, None] * d_w + np.arange(out_w)[None] * s_w  # (kW, oW)
    return rows, cols, (p_h, p_w), (out_h, out_w)


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """The sliding blocks of the (N, C, H, W) `x` as columns: (N, C * kH * kW, blocks), each
    block's channels first, then its kernel rows and columns (PyTorch's `unfold`)."""
    (x,) = _promote(x)
    n, c = x.shape[:2]
    rows, cols, (p_h, p_w), _ = _patch_index(x.shape[2:], kernel_size, dilation, padding,
                                              stride)
    padded = pad(x, ((0, 0), (0, 0), (p_h, p_h), (p_w, p_w)))
    patches = take(take(padded, rows, axis=2), cols, axis=4)  # (N, C, kH, oH, kW, oW)
    patches = transpose(patches, (0, 1, 2, 4, 3, 5))
    return reshape(patches, (n, c * rows.shape[0] * cols.shape[0], -1))


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The inverse arrangement of `unfold`: the columns of `x` (N, C * kH * kW, blocks) summed
    back into an (N, C, *output_size) array, where blocks overlap."""
    (x,) = _promote(x)
    rows, cols, (p_h, p_w), (out_h, out_w) = _patch_index(
        _pair(output_size), kernel_size, dilation, padding, stride)
    n = x.shape[0]
    k_h, k_w = rows.shape[0], cols.shape[0]
    c = x.shape[1] // (k_h * k_w)
    blocks = reshape(x, (n, c, k_h, k_w, out_h, out_w))
    index = (np.arange(n)[:, None, None, None, None, None],
             np.arange(c)[None, :, None, None, None, None],
             rows[None, None, :, None, :, None], cols[None, None, None, :, None, :])
    height, width = _pair(output_size)
    summed = apply("scatter_add", blocks, index=index,
                   shape=(n, c, height + 2 * p_h, width + 2 * p_w))
    return summed[:, :, p_h:p_h + height, p_w:p_w + width]


# ----------------------------------------------------------------------------------------------
# Connectionist temporal classification


_LOG_ZERO = -1e30  # log(0) for the paths not yet open: finite, so that no gradient is NaN


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """The CTC loss, per sequence: minus the log-probability of the label sequence `target`
    (batch, max label length; its first `target_length` labels) under the per-step logits
    `output` (batch, max time, classes; its first `output_length` steps), summed over every
    alignment, class `mask_index` the blank. The forward algorithm in log space, each step
    made of differentiable ops."""
    (output,) = _promote(output, floating=True)
    output = _as(output, np.result_type(output.dtype, np.float32))
    labels = _value(target).astype("int64")
    label_lengths = np.asarray(_value(target_length)).astype("int64")
    output_lengths = np.asarray(_value(output_length)).astype("int64")
    batch, steps, _ = output.shape
    states = 2 * labels.shape[1] + 1  # blank, label, blank, label, ..., blank
    extended = np.full((batch, states), mask_index, "int64")
    extended[:, 1::2] = labels
    emissions = take_along_axis(log_softmax(output, axis=-1),
                                np.broadcast_to(extended[:, None, :], (batch, steps, states)),
                                axis=2)  # (batch, time, states)
    # A label may follow the label before the blank before it unless the two are the same.
    skips = np.zeros((batch, states), bool)
    skips[:, 2:] = (extended[:, 2:] != mask_index) & (extended[:, 2:] != extended[:, :-2])
    start = np.full((batch, states), _LOG_ZERO, output.dtype)
    start[:, 0] = 0.0
    start[:, 1] = np.where(label_lengths > 0, 0.0, _LOG_ZERO)
    alpha = emissions[:, 0] + start
    closed = np.full((batch, 2), _LOG_ZERO, output.dtype)
    for t in range(1, steps):
        from_previous = concatenate([closed[:, :1], alpha[:, :-1]], axis=1)
        from_skipped = concatenate([closed, alpha[:, :-2]], axis=1)
        merged = logaddexp(alpha, from_previous)
        merged = where(skips, logaddexp(merged, from_skipped), merged)
        alpha = where((t < output_lengths)[:, None], merged + emissions[:, t], alpha)
    last = take_along_axis(alpha, (2 * label_lengths)[:, None], axis=1)[:, 0]
    before = take_along_axis(alpha, np.maximum(2 * label_lengths - 1, 0)[:, None], axis=1)[:, 0]
    return -where(label_lengths > 0, logaddexp(last, before), last)


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """The most likely label sequences of the per-step class scores `inputs` (batch, time,
    classes), greedily: each step's best class, repeats merged (if `merge_repeated`) and the
    blank `mask_index` dropped. Returns `(decoded, scores)`: the labels (1, batch, time),
    padded with -1, and minus the sum of the chosen scores (batch, 1). Only the "greedy"
    strategy is provided; no gradient."""
    if strategy != "greedy":
        raise NotImplementedError(
            f"ctc_decode's {strategy!r} strategy is not provided yet: use strategy='greedy'.")
    scores = _value(inputs)
    steps = scores.shape[1]
    past_end = np.arange(steps)[None] >= np.asarray(_value(sequence_lengths))[:, None]
    best = np.where(past_end, mask_index, np.argmax(scores, axis=-1)).astype("int32")
    chosen = np.where(past_end, 0.0, np.max(scores, axis=-1))
    if merge_repeated:
        repeated = np.pad(best[:, 1:] == best[:, :-1], ((0, 0), (1, 0)))
        best = np.where(repeated, mask_index, best)
    blank = best == mask_index
    order = np.argsort(np.where(blank, steps, np.arange(steps)[None]), axis=-1, kind="stable")
    decoded = np.take_along_axis(np.where(blank, -1, best), order, axis=-1)
    return decoded[None], (-np.sum(chosen, axis=1)[:, None]).astype(scores.dtype)


__all__ = publish(globals())
