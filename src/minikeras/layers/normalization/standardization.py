"""What the normalization layers share: their `axis` argument, standardizing over some axes,
and its gradient."""

import numpy as np


def axes_argument(axis, error):
    """`axis` as normalization layers keep it: an int, or a list of ints; else `error`."""
    if isinstance(axis, (list, tuple)):
        return [int(a) for a in axis]
    if isinstance(axis, (int, np.integer)):
        return int(axis)
    raise error


def standardize(x, axes, epsilon):
    """`((x - mean) / sqrt(variance + epsilon), 1 / sqrt(variance + epsilon), mean, variance)`
    with the (biased) moments of `x` over `axes`, kept as size-1 axes."""
    mean = np.mean(x, axis=axes, keepdims=True)
    centered = x - mean
    variance = np.mean(np.square(centered), axis=axes, keepdims=True)
    inv = 1.0 / np.sqrt(variance + x.dtype.type(epsilon))
    centered *= inv
    return centered, inv, mean, variance


def standardize_backward(grad, normalized, inv, axes):
    """The gradient of `x` through `normalized = standardize(x, axes)[0]`, from the gradient
    `grad` of `normalized`: the moments' own dependence on `x` included."""
    mean_grad = np.mean(grad, axis=axes, keepdims=True)
    projection = np.mean(grad * normalized, axis=axes, keepdims=True)
    return inv * (grad - mean_grad - normalized * projection)


def reduce_to(grad, shape, keep_axes):
    """`grad` summed over every axis but `keep_axes`, reshaped to the weight `shape`."""
    axes = tuple(a for a in range(grad.ndim) if a not in keep_axes)
    return np.sum(grad, axis=axes).reshape(shape)
