"""`keras.ops.numpy`: numpy's functions, differentiable on the tape where Keras' are.

On arrays they compute plainly. While a `GradientTape` records, on its `Node`s (and on the
trainable Variables it watches) the differentiable ones record themselves on the tape, so user
code gets its gradient for free; the others (comparisons, argmax, sign, floor, round...)
return constants, which carry no gradient.

Dtypes follow Keras 3 (`minikeras.ops._dtypes`): float32 stays float32. Python numbers are
weakly typed (`x * 0.5` keeps the dtype of `x`; an integer array times 0.5 becomes `floatx`),
integers combined with floats take the float's dtype, and functions only defined on reals (exp,
mean, divide...) turn integers into `floatx`.
"""

import builtins
import math

import numpy as np

from minikeras import autodiff, backend
from minikeras.autodiff import apply
from minikeras.core import tape
from minikeras.ops._dtypes import (
    _accumulator, _as, _axis, _binary, _dtype, _indices, _input, _promote, _result_dtype, _unary,
    _value,
)
from minikeras.ops._public import publish


# ----------------------------------------------------------------------------------------------
# Element-wise functions


_UNARY = {  # name: (what it computes, whether integer inputs become floatx)
    "abs": ("absolute value", False),
    "negative": ("negation", False),
    "square": ("square", False),
    "sign": ("sign, -1, 0 or 1", False),
    "sqrt": ("square root", True),
    "reciprocal": ("reciprocal `1 / x`", True),
    "exp": ("exponential", True),
    "expm1": ("`exp(x) - 1`, accurate near 0", True),
    "log": ("natural logarithm", True),
    "log1p": ("`log(1 + x)`, accurate near 0", True),
    "log2": ("base-2 logarithm", True),
    "log10": ("base-10 logarithm", True),
    "sin": ("sine", True),
    "cos": ("cosine", True),
    "tan": ("tangent", True),
    "arcsin": ("inverse sine", True),
    "arccos": ("inverse cosine", True),
    "arctan": ("inverse tangent", True),
    "sinh": ("hyperbolic sine", True),
    "cosh": ("hyperbolic cosine", True),
    "tanh": ("hyperbolic tangent", True),
    "arcsinh": ("inverse hyperbolic sine", True),
    "arctanh": ("inverse hyperbolic tangent", True),
    "floor": ("floor", True),
    "ceil": ("ceiling", True),
    "isnan": ("NaN test", False),
    "isinf": ("infinity test", False),
    "isfinite": ("finiteness test", False),
    "logical_not": ("logical not", False),
}
_BINARY = {
    "add": ("sum", False),
    "subtract": ("difference", False),
    "multiply": ("product", False),
    "divide": ("quotient", True),
    "power": ("power `x1 ** x2`", False),
    "mod": ("remainder of the floor division", False),
    "floor_divide": ("floor division", False),
    "maximum": ("maximum", False),
    "minimum": ("minimum", False),
    "logaddexp": ("`log(exp(x1) + exp(x2))`", True),
    "arctan2": ("angle of the point (x2, x1)", True),
    "equal": ("`x1 == x2`", False),
    "not_equal": ("`x1 != x2`", False),
    "greater": ("`x1 > x2`", False),
    "greater_equal": ("`x1 >= x2`", False),
    "less": ("`x1 < x2`", False),
    "less_equal": ("`x1 <= x2`", False),
    "logical_and": ("logical and", False),
    "logical_or": ("logical or", False),
    "logical_xor": ("logical exclusive or", False),
}
# These define `exp`, `add`, `maximum`... as module functions, used by name below.
for _name, (_what, _floating) in _UNARY.items():
    globals()[_name] = _unary(_name, _what, _floating, __name__)
for _name, (_what, _floating) in _BINARY.items():
    globals()[_name] = _binary(_name, _what, _floating, __name__)
absolute = abs
true_divide = divide


def round(x, decimals=0):
    """`x` rounded half to even to `decimals` decimals; no gradient."""
    return np.asarray(np.round(_value(x), decimals))


def clip(x, x_min, x_max):
    """`x` limited to `[x_min, x_max]`, keeping the dtype of `x`."""
    (x,) = _promote(x)
    if x.dtype == bool:
        x = _as(x, np.dtype("int32"))
    return apply("clip", x, _as(_input(x_min), x.dtype), _as(_input(x_max), x.dtype))


def where(condition, x1=None, x2=None):
    """`x1` where `condition` holds, else `x2`; with `condition` alone, the indices where it
    holds."""
    if (x1 is None) != (x2 is None):
        raise ValueError(
            "`x1` and `x2` either both should be `None` or both should have non-None value."
        )
    condition = _value(condition).astype(bool)
    if x1 is None:
        return np.nonzero(condition)
    x1, x2 = _promote(x1, x2)
    return apply("where", x1, x2, condition=condition)


def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether `x1` and `x2` are equal within `atol + rtol * abs(x2)`, element by element."""
    x1, x2 = _promote(x1, x2)
    return np.asarray(np.isclose(_value(x1), _value(x2), rtol=rtol, atol=atol, equal_nan=equal_nan))


# ----------------------------------------------------------------------------------------------
# Reductions


# ----------------------------------------------------------------------------------------------


def sum(x, axis=None, keepdims=False):
    """Sum of `x` over `axis` (an int, a tuple, or None for all axes)."""
    (x,) = _promote(x)
    return apply("sum", x, axis=_axis(axis), keepdims=keepdims, dtype=_accumulator(x.dtype))


def prod(x, axis=None, keepdims=False, dtype=None):
    """Product of `x` over `axis`."""
    (x,) = _promote(x)
    dtype = _accumulator(x.dtype) if dtype is None else backend.standardize_dtype(dtype)
    return apply("prod", x, axis=_axis(axis), keepdims=keepdims, dtype=dtype)


def mean(x, axis=None, keepdims=False):
    """Mean of `x` over `axis`."""
    (x,) = _promote(x, floating=True)
    return apply("mean", x, axis=_axis(axis), keepdims=keepdims)


def max(x, axis=None, keepdims=False, initial=None):
    """Maximum of `x` over `axis`, and of `initial` if given."""
    (x,) = _promote(x)
    extra = {} if initial is None else {"initial": initial}
    return apply("max", x, axis=_axis(axis), keepdims=keepdims, **extra)


def min(x, axis=None, keepdims=False, initial=None):
    """Minimum of `x` over `axis`, and of `initial` if given."""
    (x,) = _promote(x)
    extra = {} if initial is None else {"initial": initial}
    return apply("min", x, axis=_axis(axis), keepdims=keepdims, **extra)


def amax(x, axis=None, keepdims=False):
    """Maximum of `x` over `axis`."""
    return max(x, axis=axis, keepdims=keepdims)


def amin(x, axis=None, keepdims=False):
    """Minimum of `x` over `axis`."""
    return min(x, axis=axis, keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    """Variance of `x` over `axis`."""
    (x,) = _promote(x, floating=True)
    axis = _axis(axis)
    deviation = x - mean(x, axis=axis, keepdims=True)
    return mean(square(deviation), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """Standard deviation of `x` over `axis`."""
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def cumsum(x, axis=None, dtype=None):
    """Running sum of `x` along `axis` (of the flattened `x` if None)."""
    (x,) = _promote(x)
    dtype = _accumulator(x.dtype) if dtype is None else backend.standardize_dtype(dtype)
    return apply("cumsum", x, axis=axis, dtype=dtype)


def argmax(x, axis=None, keepdims=False):
    """Index of the maximum of `x` along `axis` (of the flattened `x` if None), as int32."""
    return np.asarray(np.argmax(_value(x), axis=axis, keepdims=keepdims), dtype="int32")


def argmin(x, axis=None, keepdims=False):
    """Index of the minimum of `x` along `axis` (of the flattened `x` if None), as int32."""
    return np.asarray(np.argmin(_value(x), axis=axis, keepdims=keepdims), dtype="int32")


def argsort(x, axis=-1):
    """The int32 indices that sort `x` along `axis`."""
    return np.argsort(_value(x), axis=axis, kind="stable").astype("int32")


def sort(x, axis=-1):
    """`x` sorted along `axis`."""
    return take_along_axis(x, argsort(x, axis=axis), axis=axis)


def all(x, axis=None, keepdims=False):
    """Whether every element of `x` along `axis` is true."""
    return np.asarray(np.all(_value(x), axis=_axis(axis), keepdims=keepdims))


def any(x, axis=None, keepdims=False):
    """Whether some element of `x` along `axis` is true."""
    return np.asarray(np.any(_value(x), axis=_axis(axis), keepdims=keepdims))


def count_nonzero(x, axis=None):
    """The number of non-zero elements of `x` along `axis`, as int32."""
    return np.asarray(np.count_nonzero(_value(x), axis=_axis(axis))).astype("int32")


# ----------------------------------------------------------------------------------------------
# Products and diagonals


# ----------------------------------------------------------------------------------------------


def matmul(x1, x2):
    """Matrix product of `x1` and `x2`, broadcast over leading (batch) axes."""
    x1, x2 = _promote(x1, x2)
    return apply("matmul", x1, x2)


def dot(x1, x2):
    """`numpy.dot`: products of scalars, inner products of vectors, matrix products, and over
    the last axis of `x1` and the second-to-last of `x2` for higher ranks."""
    x1, x2 = _promote(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return multiply(x1, x2)
    if x2.ndim <= 2:
        return matmul(x1, x2)
    return tensordot(x1, x2, axes=([x1.ndim - 1], [x2.ndim - 2]))


def tensordot(x1, x2, axes=2):
    """Sum of products over the `axes` of `x1` and `x2`: an int n (the last n of `x1` with the
    first n of `x2`) or a pair of axis lists."""
    x1, x2 = _promote(x1, x2)
    if isinstance(axes, int):
        axes = (range(x1.ndim - axes, x1.ndim), range(axes))
    axes1, axes2 = ([a % x.ndim for a in np.atleast_1d(ax)] for x, ax in zip((x1, x2), axes))
    free1 = [d for d in range(x1.ndim) if d not in axes1]
    free2 = [d for d in range(x2.ndim) if d not in axes2]
    depth = math.prod(x1.shape[d] for d in axes1)
    rows = reshape(transpose(x1, free1 + axes1), (math.prod(x1.shape[d] for d in free1), depth))
    cols = reshape(transpose(x2, axes2 + free2), (depth, math.prod(x2.shape[d] for d in free2)))
    shape_out = [x1.shape[d] for d in free1] + [x2.shape[d] for d in free2]
    return reshape(matmul(rows, cols), shape_out)


def einsum(subscripts, *operands, **kwargs):
    """Einstein summation of `operands` as `subscripts` ("ij,jk->ik") says."""
    return apply("einsum", *_promote(*operands), subscripts=subscripts)


def outer(x1, x2):
    """Outer product of the flattened `x1` and `x2`."""
    x1, x2 = _promote(x1, x2)
    return multiply(reshape(x1, (-1, 1)), reshape(x2, (1, -1)))


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal `offset` above the main one of the matrices along `axis1` and `axis2`."""
    (x,) = _promote(x)
    return apply("diagonal", x, offset=offset, axis1=axis1, axis2=axis2)


def diag(x, k=0):
    """The `k`-th diagonal of a matrix `x`, or a square matrix with the vector `x` on it."""
    (x,) = _promote(x)
    return diagonal(x, offset=k) if x.ndim == 2 else apply("diag", x, k=k)


def trace(x, offset=0, axis1=0, axis2=1):
    """Sum of the diagonal of `x` (see `diagonal`)."""
    return sum(diagonal(x, offset=offset, axis1=axis1, axis2=axis2), axis=-1)


# ----------------------------------------------------------------------------------------------
# Shapes, indexing and joining


def ndim(x):
    """The number of axes of `x`."""
    return np.ndim(_value(x))


def size(x):
    """The number of elements of `x`."""
    return int(math.prod(np.shape(_value(x))))


# ----------------------------------------------------------------------------------------------


def reshape(x, newshape):
    """`x` with shape `newshape` (one entry may be -1)."""
    (x,) = _promote(x)
    return apply("reshape", x, shape=newshape)


def transpose(x, axes=None):
    """`x` with its axes permuted as `axes` says (reversed if None)."""
    (x,) = _promote(x)
    return apply("transpose", x, axes=axes)


def expand_dims(x, axis):
    """`x` with new axes of length 1 at `axis` (an int or a tuple)."""
    (x,) = _promote(x)
    return reshape(x, np.expand_dims(_value(x), _axis(axis)).shape)


def squeeze(x, axis=None):
    """`x` without its axes of length 1 (only those of `axis` if given)."""
    (x,) = _promote(x)
    return reshape(x, np.squeeze(_value(x), _axis(axis)).shape)


def ravel(x):
    """`x` flattened."""
    return reshape(x, (-1,))


def broadcast_to(x, shape):
    """`x` broadcast to `shape`."""
    (x,) = _promote(x)
    return apply("broadcast_to", x, shape=tuple(np.atleast_1d(shape)))


def moveaxis(x, source, destination):
    """`x` with the axes `source` moved to positions `destination`."""
    (x,) = _promote(x)
    source = [a % x.ndim for a in np.atleast_1d(source)]
    destination = [a % x.ndim for a in np.atleast_1d(destination)]
    order = [d for d in range(x.ndim) if d not in source]
    for position, axis in sorted(zip(destination, source)):
        order.insert(position, axis)
    return transpose(x, order)


def swapaxes(x, axis1, axis2):
    """`x` with axes `axis1` and `axis2` exchanged."""
    (x,) = _promote(x)
    order = list(range(x.ndim))
    order[axis1], order[axis2] = order[axis2], order[axis1]
    return transpose(x, order)


def flip(x, axis=None):
    """`x` reversed along `axis` (all axes if None)."""
    (x,) = _promote(x)
    axes = range(x.ndim) if axis is None else [a % x.ndim for a in np.atleast_1d(axis)]
    index = tuple(slice(None, None, -1 if d in axes else 1) for d in range(x.ndim))
    return apply("getitem", x, index=index)


def take(x, indices, axis=None):
    """Elements of `x` at `indices` along `axis` (of the flattened `x` if None)."""
    (x,) = _promote(x)
    if axis is None:
        return apply("getitem", reshape(x, (-1,)), index=_indices(indices))
    return apply("getitem", x, index=(slice(None),) * (axis % x.ndim) + (_indices(indices),))


def take_along_axis(x, indices, axis=None):
    """Elements of `x` at `indices`, which index along `axis` and broadcast along the others."""
    (x,) = _promote(x)
    indices = _indices(indices)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    axis %= x.ndim
    index = tuple(
        indices if d == axis else np.arange(n).reshape([-1 if e == d else 1 for e in range(x.ndim)])
        for d, n in enumerate(x.shape)
    )
    return apply("getitem", x, index=index)


def repeat(x, repeats, axis=None):
    """`x` with each element repeated `repeats` times along `axis` (flattened if None)."""
    (x,) = _promote(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    return take(x, np.repeat(np.arange(x.shape[axis]), repeats), axis=axis)


def tile(x, repeats):
    """`x` repeated `repeats` times along each axis."""
    (x,) = _promote(x)
    repeats = tuple(int(r) for r in np.atleast_1d(repeats))
    rank = builtins.max(len(repeats), x.ndim)
    x = reshape(x, (1,) * (rank - x.ndim) + x.shape)
    for axis, times in enumerate((1,) * (rank - len(repeats)) + repeats):
        if times != 1:
            x = take(x, np.tile(np.arange(x.shape[axis]), times), axis=axis)
    return x


def split(x, indices_or_sections, axis=0):
    """`x` cut along `axis` into equal sections, or at the given indices."""
    (x,) = _promote(x)
    pieces = np.split(np.arange(x.shape[axis]), indices_or_sections)
    return [take(x, piece, axis=axis) for piece in pieces]


def concatenate(xs, axis=0):
    """The arrays `xs` joined along the existing axis `axis`."""
    return apply("concatenate", *_promote(*xs), axis=axis)


def stack(x, axis=0):
    """The arrays `x` (a sequence) joined along a new axis `axis`."""
    return apply("stack", *_promote(*x), axis=axis)


# ----------------------------------------------------------------------------------------------
# Creation


# ----------------------------------------------------------------------------------------------


def ones(shape, dtype=None):
    """An array of ones (`floatx` by default)."""
    return np.ones(shape, _dtype(dtype, backend.floatx()))


def zeros(shape, dtype=None):
    """An array of zeros (`floatx` by default)."""
    return np.zeros(shape, _dtype(dtype, backend.floatx()))


def full(shape, fill_value, dtype=None):
    """An array filled with `fill_value` (`floatx` by default)."""
    return np.full(shape, _value(fill_value), _dtype(dtype, backend.floatx()))


def ones_like(x, dtype=None):
    """Ones of the shape and (by default) dtype of `x`."""
    return full_like(x, 1, dtype)


def zeros_like(x, dtype=None):
    """Zeros of the shape and (by default) dtype of `x`."""
    return full_like(x, 0, dtype)


def full_like(x, fill_value, dtype=None):
    """`fill_value` in the shape and (by default) dtype of `x`."""
    x = _value(x)
    return np.full(x.shape, _value(fill_value), _dtype(dtype, x.dtype))


def eye(N, M=None, k=0, dtype=None):
    """An `N` by `M` matrix with ones on its `k`-th diagonal."""
    return np.eye(N, M, k, dtype=_dtype(dtype, backend.floatx()))


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in `[start, stop)`: int32 for Python ints, `floatx` for floats."""
    bounds = [b for b in (start, stop, step) if b is not None]
    dtype = _dtype(dtype, _result_dtype([_input(b) for b in bounds]))
    return np.arange(start, stop, 1 if step is None else step, dtype=dtype)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from `start` to `stop` (`floatx` by default)."""
    dtype = _dtype(dtype, _result_dtype([_input(start), _input(stop), 1.0]))
    return np.linspace(start, stop, num, endpoint=endpoint, retstep=retstep, dtype=dtype, axis=axis)


def _getitem(x, index):
    return apply("getitem", x, index=autodiff.plain_index(index))


__all__ = publish(globals())

# Node's operators are these functions (the tape itself knows no op).
tape.define_operators({
    **{name: globals()[name] for name in (
        *tape._BINARY.values(), *tape._COMPARISONS.values(), "negative", "absolute",
        "transpose",
    )},
    "getitem": _getitem,
})
