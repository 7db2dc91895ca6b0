"""`keras.ops.linalg`: matrix norms and decompositions."""

import builtins

import numpy as np

from minikeras.ops._dtypes import _promote, _value
from minikeras.ops._public import publish
from minikeras.ops.core import cast
from minikeras.ops.numpy import abs, max, min, not_equal, reshape, sqrt, square, squeeze, sum


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector norm of `x` over one axis, or matrix norm over two (`numpy.linalg.norm`'s `ord`s;
    the spectral and nuclear norms, `ord` 2, -2 and "nuc" over two axes, carry no gradient)."""
    (x,) = _promote(x, floating=True)
    if axis is None:
        if ord is None:
            result = sqrt(sum(square(x)))
            return reshape(result, (1,) * x.ndim) if keepdims else result
        axis = tuple(range(x.ndim))
    axes = tuple(a % x.ndim for a in np.atleast_1d(axis))
    if len(axes) > 2:
        raise ValueError("Improper number of dimensions to norm.")
    if len(axes) == 1:
        result = _vector_norm(x, ord, axes[0])
    elif ord in (None, "fro"):
        result = sqrt(sum(square(x), axis=axes, keepdims=True))
    elif ord in (1, -1, np.inf, -np.inf):
        summed, pick = (axes[0], axes[1]) if builtins.abs(ord) == 1 else (axes[1], axes[0])
        extreme = max if ord > 0 else min
        result = extreme(sum(abs(x), axis=summed, keepdims=True), axis=pick, keepdims=True)
    else:
        result = np.linalg.norm(_value(x), ord=ord, axis=axes, keepdims=True).astype(x.dtype)
    return result if keepdims else squeeze(result, axis=axes)


def _vector_norm(x, ord, axis):
    if ord is None or ord == 2:
        return sqrt(sum(square(x), axis=axis, keepdims=True))
    if ord == 0:
        return sum(cast(not_equal(x, 0), x.dtype), axis=axis, keepdims=True)
    if ord in (np.inf, -np.inf):
        return (max if ord > 0 else min)(abs(x), axis=axis, keepdims=True)
    return sum(abs(x) ** ord, axis=axis, keepdims=True) ** (1.0 / ord)


__all__ = publish(globals())
