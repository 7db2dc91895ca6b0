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
