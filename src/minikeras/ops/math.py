"""`keras.ops.math`: the special functions and reductions Keras keeps apart from numpy's."""

import numpy as np

from minikeras.autodiff import apply
from minikeras.ops._dtypes import _axis, _promote, _unary, _value
from minikeras.ops._public import publish
from minikeras.ops.numpy import take_along_axis

erf = _unary("erf", "Gauss error function", True, __name__)
rsqrt = _unary("rsqrt", "reciprocal square root", True, __name__)


def logsumexp(x, axis=None, keepdims=False):
    """`log(sum(exp(x), axis))`, computed stably."""
    (x,) = _promote(x, floating=True)
    return apply("logsumexp", x, axis=_axis(axis), keepdims=keepdims)


def top_k(x, k, sorted=True):
    """`(values, indices)` of the `k` largest entries of `x` along its last axis, largest first."""
    (x,) = _promote(x)
    indices = np.argsort(-_value(x), axis=-1, kind="stable")[..., :k].astype("int32")
    return take_along_axis(x, indices, axis=-1), indices


__all__ = publish(globals())
