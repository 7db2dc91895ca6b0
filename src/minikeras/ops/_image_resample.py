"""`keras.ops.image.scale_and_translate`: JAX's `scale_and_translate` as Keras 3 writes it on
TensorFlow. Each resampled axis is a product with a weight matrix (input size by output
size) of a kernel evaluated at the distances between the sample points and the input pixel
centres, each column normalised; the products are `ops.tensordot`, and so differentiable."""

import numpy as np

from minikeras.ops._dtypes import _input, _result_dtype, _to_tensor, _value

METHODS = ("linear", "bilinear", "trilinear", "cubic", "bicubic", "tricubic", "lanczos3",
           "lanczos5")


def _triangle(x):
    return np.maximum(0, 1 - np.abs(x))


def _keys_cubic(x):
    out = ((1.5 * x - 2.5) * x) * x + 1.0
    out = np.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
    return np.where(x >= 2.0, 0.0, out)


def _lanczos(radius):
    def kernel(x):
        y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(x > 1e-3, y / np.where(x != 0, np.pi ** 2 * x ** 2, 1), 1)
        return np.where(x > radius, 0.0, out)

    return kernel


_KERNELS = {"linear": _triangle, "cubic": _keys_cubic, "lanczos3": _lanczos(3.0),
            "lanczos5": _lanczos(5.0)}


def _weights(input_size, output_size, scale, translation, kernel, antialias):
    """The (input size, output size) matrix reading each output sample from the inputs:
    zero columns for samples outside the input."""
    dtype = scale.dtype
    inverse = dtype.type(1) / scale
    kernel_scale = np.maximum(inverse, dtype.type(1)) if antialias else dtype.type(1)
    sample = ((np.arange(output_size, dtype=dtype) + dtype.type(0.5)) * inverse
              - translation * inverse - dtype.type(0.5))
    weights = np.asarray(kernel(np.abs(sample[None, :] - np.arange(
        input_size, dtype=dtype)[:, None]) / kernel_scale), dtype)
    total = weights.sum(axis=0, keepdims=True)
    weights = np.where(np.abs(total) > 1000.0 * float(np.finfo(np.float32).eps),
                       weights / np.where(total != 0, total, 1), 0).astype(dtype)
    inside = (sample >= -0.5) & (sample <= dtype.type(input_size) - dtype.type(0.5))
    return np.where(inside[None, :], weights, dtype.type(0))


def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """`images` resampled to `output_shape` along `spatial_dims`: input location `x` of axis
    `spatial_dims[i]` goes to `x * scale[i] + translation[i]` (half-centred pixels), by the
    `method`'s kernel (widened when downsampling if `antialias`); outputs read from outside
    the input are zero. Integers are resampled in float32, rounded and clipped to the input's
    range."""
    from minikeras import ops

    if method not in METHODS:
        raise ValueError("Invalid value for argument `method`. Expected of one "
                         f"{set(METHODS)}. Received: method={method}")
    kind = "linear" if method in ("linear", "bilinear", "trilinear") else (
        "cubic" if method in ("cubic", "bicubic", "tricubic") else method)
    images = _input(images)
    scale, translation = _to_tensor(_value(scale)), _to_tensor(_value(translation))
    dtype = _result_dtype([scale, translation])
    scale, translation = scale.astype(dtype), translation.astype(dtype)
    value = _value(images)
    if not spatial_dims:
        return images
    integer = value.dtype.kind in "iub"
    output = ops.cast(images, "float32") if integer else images
    for i, axis in enumerate(spatial_dims):
        axis = axis % value.ndim
        weights = _weights(value.shape[axis], output_shape[axis], scale[i], translation[i],
                           _KERNELS[kind], antialias)
        output = ops.moveaxis(ops.tensordot(
            output, weights.astype(ops.dtype(output)), axes=([axis], [0])), -1, axis)
    if integer:
        output = ops.cast(ops.clip(ops.round(output), value.min(), value.max()), value.dtype)
    return output
