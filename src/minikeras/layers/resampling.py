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


def nearest_indices(size, new_size):
    """The input position each of `new_size` outputs copies, as TensorFlow's nearest resize
    with half-pixel centres: `floor((i + 0.5) * size / new_size)` in float32."""
    scale = np.float32(size / new_size)
    centres = (np.arange(new_size, dtype=np.float32) + np.float32(0.5)) * scale
    return np.minimum(np.floor(centres).astype(np.intp), size - 1)


_CUBIC_TABLE_SIZE = 1024  # TensorFlow's bicubic weights are read from a table this fine


def _keys_cubic_table(a=-0.5):
    """TensorFlow's table of Keys cubic weights: for each of 1025 fractions x, the weight of
    a tap at distance x (column 0) and at distance x + 1 (column 1)."""
    x = np.arange(_CUBIC_TABLE_SIZE + 1, dtype=np.float32) / np.float32(_CUBIC_TABLE_SIZE)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = x + 1
    far = ((a * far - 5 * a) * far + 8 * a) * far - 4 * a
    return np.stack([near, far], axis=1).astype(np.float32)


def cubic_matrix(size, new_size, dtype):
    """The `(new_size, size)` matrix of TensorFlow's bicubic resize (Keys' kernel, a = -0.5,
    half-pixel centres, no antialiasing): four taps around each sample position with weights
    from TensorFlow's table, taps outside the image dropped and the others renormalised."""
    table = _keys_cubic_table()
    scale = np.float32(size / new_size)
    position = (np.arange(new_size, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    start = np.floor(position)
    offset = np.rint((position - start) * _CUBIC_TABLE_SIZE).astype(np.intp)
    start = start.astype(np.intp)
    weights = np.stack([table[offset, 1], table[offset, 0],
                        table[_CUBIC_TABLE_SIZE - offset, 0],
                        table[_CUBIC_TABLE_SIZE - offset, 1]], axis=1)
    taps = start[:, None] + np.arange(-1, 3)
    weights = np.where((taps >= 0) & (taps < size), weights, np.float32(0))
    weights /= weights.sum(axis=1, keepdims=True)
    matrix = np.zeros((new_size, size), np.float32)
    rows = np.repeat(np.arange(new_size), 4)
    np.add.at(matrix, (rows, np.clip(taps, 0, size - 1).ravel()), weights.ravel())
    return matrix.astype(dtype)
