"""`keras.ops.core`: conversions, dtypes and shapes of tensors, and the gradient stop."""

import numpy as np

from minikeras import autodiff, backend
from minikeras.autodiff import Node
from minikeras.ops._dtypes import _as, _input, _promote, _to_tensor, _value
from minikeras.ops._public import publish
from minikeras.ops.numpy import take


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """`x` as an array (a Node stays a Node): Python floats become `floatx`, Python ints int32,
    arrays keep their dtype; `dtype` casts."""
    x = autodiff.lift(x)
    if dtype is not None:
        return cast(x, dtype)
    return _to_tensor(x)


def convert_to_numpy(x):
    """A numpy copy of `x`."""
    return np.array(_value(x))


def cast(x, dtype):
    """`x` converted to `dtype`; a cast to a non-float type carries no gradient."""
    dtype = np.dtype(backend.standardize_dtype(dtype))
    x = _input(x)
    if isinstance(x, Node):
        return _as(x, dtype) if dtype.kind == "f" else x.value.astype(dtype)
    return np.asarray(x).astype(dtype)


def stop_gradient(variable):
    """The value of `variable`, as a constant for autodiff."""
    return _value(variable)


def is_tensor(x):
    return isinstance(x, (np.ndarray, Node))


def shape(x):
    """The shape of `x`, a tuple of ints."""
    return tuple(int(d) for d in np.shape(_value(x)))


def unstack(x, num=None, axis=0):
    """The slices of `x` along `axis`, as a list."""
    (x,) = _promote(x)
    return [take(x, i, axis=axis) for i in range(x.shape[axis])]


__all__ = publish(globals())
