"""Resampling of spatial axes as products with small per-axis matrices: an image resized on
each axis in turn, its gradient the same products transposed."""

import numpy as np


def linear_matrix(size, new_size, dtype):
    """The `(new_size, size)` matrix of linear interpolation with half-pixel centres, as
    TensorFlow's `resize(..., "bilinear")` and JAX's (without antialiasing) sample."""
    position = (np.arange(new_size) + 0.5) * (size / new_size) - 0.5
    floor = np.floor(position)
    weight = position - floor
    lower = np.clip(floor, 0, size - 1).astype(int)
    upper = np.clip(floor + 1, 0, size - 1).astype(int)
    matrix = np.zeros((new_size, size), dtype)
    rows = np.arange(new_size)
    matrix[rows, lower] += 1 - weight  # each row once per statement: no index repeats
    matrix[rows, upper] += weight
    return matrix


def apply_on_axis(matrix, x, axis):
    """`matrix` applied to axis `axis` of `x` (one BLAS product)."""
    return np.moveaxis(np.tensordot(matrix, x, axes=(1, axis)), 0, axis)


def nearest_repeat(x, sizes, axes):
    """`x` with each position of `axes[i]` repeated `sizes[i]` times (a broadcast view made
    contiguous once)."""
    shape, expanded = [], []
    for axis, n in enumerate(x.shape):
        shape.append(n)
        expanded.append(n)
        if axis in axes:
            shape.append(1)
            expanded.append(sizes[axes.index(axis)])
    out = np.broadcast_to(x.reshape(shape), expanded)
    return out.reshape([n * (sizes[axes.index(a)] if a in axes else 1)
                        for a, n in enumerate(x.shape)])


def nearest_repeat_adjoint(grad, sizes, axes):
    """The gradient of `nearest_repeat`: each block of repeats summed."""
    shape, summed = [], []
    for axis, n in enumerate(grad.shape):
        if axis in axes:
            size = sizes[axes.index(axis)]
            shape += [n // size, size]
            summed.append(len(shape) - 1)
        else:
            shape.append(n)
    return grad.reshape(shape).sum(axis=tuple(summed))


# ---------------------------------------------------------------------------------------------
# `ops.image.resize` as TensorFlow computes it, one `(new_size, size)` matrix per axis: every
# method TensorFlow offers is separable (each output row mixes input rows with weights of its
# own, the same for every column), so an image resizes as one product per spatial axis.

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")

_KEYS_CUBIC_TABLE_SIZE = 1024  # TensorFlow's bicubic weights come from a table of this many


def _triangle(x):
    return np.maximum(0.0, 1.0 - x)


def _keys_cubic(x):
    """Keys' cubic kernel with a = -0.5 (TensorFlow's "keyscubic" and bicubic)."""
    return np.where(x >= 2, 0.0, np.where(
        x >= 1, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, (1.5 * x - 2.5) * x * x + 1.0))


def _lanczos(radius):
    def kernel(x):
        safe = np.where(x <= 1e-3, 1.0, x)
        value = radius * np.sin(np.pi * safe) * np.sin(np.pi * safe / radius) / (
            np.pi * np.pi * safe * safe)
        return np.where(x <= 1e-3, 1.0, np.where(x > radius, 0.0, value))
    return kernel


_KERNELS = {"bilinear": (_triangle, 1.0), "bicubic": (_keys_cubic, 2.0),
            "lanczos3": (_lanczos(3.0), 3.0), "lanczos5": (_lanczos(5.0), 5.0)}


def nearest_indices(size, new_size):
    """The input position each of `new_size` outputs copies, as TensorFlow's nearest resize
    with half-pixel centres: `floor((i + 0.5) * size / new_size)`, the scale in float32."""
    scale = np.float32(size) / np.float32(new_size)
    source = np.floor((np.arange(new_size, dtype=np.float32) + np.float32(0.5)) * scale)
    return np.minimum(source.astype(np.intp), size - 1)


def _nearest_matrix(size, new_size):
    matrix = np.zeros((new_size, size))
    matrix[np.arange(new_size), nearest_indices(size, new_size)] = 1.0
    return matrix


def _area_matrix(size, new_size):
    """Each output cell the mean of the input cells it covers, partial cells in proportion."""
    scale = size / new_size
    start = np.arange(new_size)[:, None] * scale
    end = start + scale
    cells = np.arange(size)[None, :]
    overlap = np.clip(np.minimum(cells + 1, end) - np.maximum(cells, start), 0.0, None)
    return overlap / scale


def _bicubic_matrix(size, new_size):
    """TensorFlow's `resize_bicubic` (half-pixel centres): four taps around each source
    position, the fraction rounded to 1/1024 (its weight table), taps outside the image
    dropped and the rest renormalized."""
    scale = np.float32(size) / np.float32(new_size)
    position = (np.arange(new_size, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    base = np.floor(position)
    delta = np.rint((position - base) * _KEYS_CUBIC_TABLE_SIZE) / _KEYS_CUBIC_TABLE_SIZE
    taps = base[:, None].astype(int) + np.arange(-1, 3)[None, :]
    weights = _keys_cubic(np.abs(np.arange(-1, 3)[None, :] - delta[:, None]))
    weights = np.where((taps >= 0) & (taps < size), weights, 0.0)
    total = weights.sum(axis=1, keepdims=True)
    weights = np.divide(weights, total, out=np.zeros_like(weights), where=np.abs(total) > 1e-30)
    matrix = np.zeros((new_size, size))
    rows = np.repeat(np.arange(new_size), 4)
    np.add.at(matrix, (rows, np.clip(taps, 0, size - 1).ravel()), weights.ravel())
    return matrix


def _kernel_matrix(size, new_size, interpolation, antialias):
    """TensorFlow's `scale_and_translate` (no translation): a kernel around each sample
    position, widened by the downscaling factor with antialiasing, taps outside the image
    dropped and the rest renormalized."""
    kernel, radius = _KERNELS[interpolation]
    inverse_scale = size / new_size
    kernel_scale = max(inverse_scale, 1.0) if antialias else 1.0
    sample = (np.arange(new_size) + 0.5) * inverse_scale
    sources = np.arange(size)[None, :]
    distance = np.abs((sources + 0.5 - sample[:, None]) / kernel_scale)
    reach = radius * kernel_scale
    in_span = ((sources >= np.ceil(sample[:, None] - reach - 0.5))
               & (sources <= np.floor(sample[:, None] + reach - 0.5)))
    weights = np.where(in_span, kernel(distance), 0.0)
    total = weights.sum(axis=1, keepdims=True)
    return np.divide(weights, total, out=np.zeros_like(weights), where=np.abs(total) > 1e-30)


def resize_matrix(size, new_size, interpolation, antialias, dtype):
    """The `(new_size, size)` matrix resizing one axis as `tf.image.resize` does (half-pixel
    centres; with `antialias`, all but nearest and area sample their kernel through
    `scale_and_translate`, widened when shrinking)."""
    if interpolation == "nearest":
        matrix = _nearest_matrix(size, new_size)
    elif interpolation == "area":
        matrix = _area_matrix(size, new_size)
    elif antialias:
        matrix = _kernel_matrix(size, new_size, interpolation, antialias)
    elif interpolation == "bilinear":
        return linear_matrix(size, new_size, dtype)
    elif interpolation == "bicubic":
        matrix = _bicubic_matrix(size, new_size)
    else:
        matrix = _kernel_matrix(size, new_size, interpolation, antialias)
    return matrix.astype(dtype)
