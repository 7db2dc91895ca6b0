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
from minikeras.autodiff import Node, apply
from minikeras.core import tape
from minikeras.ops._dtypes import (
    _accumulator, _as, _axis, _binary, _dtype, _indices, _input, _promote, _result_dtype,
    _to_tensor, _unary, _value,
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


# ----------------------------------------------------------------------------------------------
# More element-wise functions


def _floating(x):
    """`x` promoted, integers and booleans to `floatx`."""
    (x,) = _promote(x, floating=True)
    return x


def cbrt(x):
    """Element-wise cube root of `x`."""
    return apply("cbrt", _floating(x))


def exp2(x):
    """Element-wise `2 ** x`."""
    return apply("exp2", _floating(x))


def hypot(x1, x2):
    """Element-wise `sqrt(x1 ** 2 + x2 ** 2)`, without overflow."""
    return apply("hypot", *_promote(x1, x2, floating=True))


def fmod(x1, x2):
    """Element-wise remainder of the division truncated toward zero (the sign of `x1`)."""
    x1, x2 = _promote(x1, x2)
    if x1.dtype == bool:
        x1, x2 = _as(x1, np.dtype("int32")), _as(x2, np.dtype("int32"))
    if x1.dtype.kind in "iu":
        return np.asarray(np.fmod(_value(x1), _value(x2)))
    return apply("fmod", x1, x2)


def trunc(x):
    """`x` rounded toward zero; integers unchanged; no gradient."""
    x = _value(x)
    return x if x.dtype.kind in "biu" else np.trunc(x)


def signbit(x):
    """Whether the sign bit of `x` is set (true for -0.0)."""
    return np.asarray(np.signbit(_value(x)))


def heaviside(x1, x2):
    """The step function: 0 where `x1 < 0`, `x2` where `x1 == 0`, 1 where `x1 > 0`."""
    x1, x2 = _promote(x1, x2)
    dtype = x1.dtype if x1.dtype.kind in "fc" else np.dtype(backend.floatx())
    return np.heaviside(_value(x1), _value(x2)).astype(dtype)


def deg2rad(x):
    """`x` in degrees, converted to radians."""
    return multiply(_floating(x), math.pi / 180)


def rad2deg(x):
    """`x` in radians, converted to degrees."""
    return multiply(_floating(x), 180 / math.pi)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """`x` with NaN replaced by `nan`, infinities by `posinf` and `neginf` (the dtype's largest
    and smallest finite numbers by default); the gradient passes where `x` is finite."""
    (x,) = _promote(x)
    if x.dtype.kind not in "fc":
        return _value(x)
    limits = np.finfo(x.dtype)
    values = _value(x)
    x = where(np.isnan(values), nan, x)
    x = where(np.isposinf(values), limits.max if posinf is None else posinf, x)
    return where(np.isneginf(values), limits.min if neginf is None else neginf, x)


def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether `x1` and `x2` are equal within `atol + rtol * abs(x2)` everywhere."""
    return np.asarray(np.all(isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)))


def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of `x1` is in `x2`."""
    return np.isin(_value(x1), _value(x2), assume_unique=assume_unique, invert=invert)


# Keras' name: (numpy's, what it computes, whether a Python int `y` is weakly typed). As in
# Keras on TensorFlow, a Python int is an int32 to the logical ops, but takes the dtype of `x`
# as a shift.
_BITWISE = {
    "bitwise_and": ("bitwise_and", "bitwise and", False),
    "bitwise_or": ("bitwise_or", "bitwise or", False),
    "bitwise_xor": ("bitwise_xor", "bitwise exclusive or", False),
    "bitwise_left_shift": ("left_shift", "left shift of `x` by `y` bits", True),
    "bitwise_right_shift": ("right_shift", "right shift of `x` by `y` bits", True),
}


def _bitwise(name, numpy_name, what, weak):
    def op(x, y):
        x, y = _promote(_to_tensor(x), y if weak and isinstance(y, int) else _to_tensor(y))
        return np.asarray(getattr(np, numpy_name)(_value(x), _value(y)))

    op.__name__ = op.__qualname__ = name
    op.__module__ = __name__
    op.__doc__ = f"Element-wise {what} of the integers `x` and `y`."
    return op


for _name, (_numpy_name, _what, _weak) in _BITWISE.items():
    globals()[_name] = _bitwise(_name, _numpy_name, _what, _weak)
left_shift = bitwise_left_shift  # noqa: F821  (defined just above)
right_shift = bitwise_right_shift  # noqa: F821


def bitwise_invert(x):
    """Element-wise bitwise not of the integers (or booleans) `x`."""
    return np.asarray(np.invert(_value(x)))


bitwise_not = bitwise_invert


def fabs(x):
    """Element-wise absolute value of `x`, as floats."""
    return abs(_floating(x))


def arccosh(x):
    """Element-wise inverse hyperbolic cosine of `x` (from 1 up)."""
    return apply("arccosh", _floating(x))


def fmax(x1, x2):
    """Element-wise maximum of `x1` and `x2`, ignoring a NaN (NaN only where both are)."""
    x1, x2 = _promote(x1, x2)
    if x1.dtype.kind not in "fc":
        return maximum(x1, x2)
    return where(np.isnan(_value(x2)), x1, where(np.isnan(_value(x1)), x2, maximum(x1, x2)))


def fmin(x1, x2):
    """Element-wise minimum of `x1` and `x2`, ignoring a NaN (NaN only where both are)."""
    x1, x2 = _promote(x1, x2)
    if x1.dtype.kind not in "fc":
        return minimum(x1, x2)
    return where(np.isnan(_value(x2)), x1, where(np.isnan(_value(x1)), x2, minimum(x1, x2)))


def logaddexp2(x1, x2):
    """Element-wise `log2(2 ** x1 + 2 ** x2)`, computed stably."""
    x1, x2 = _promote(x1, x2, floating=True)
    return logaddexp(x1 * math.log(2), x2 * math.log(2)) / math.log(2)


def ldexp(x1, x2):
    """Element-wise `x1 * 2 ** x2` for integer exponents `x2`."""
    exponent = _to_tensor(x2)
    if exponent.dtype.kind not in "iu":
        raise TypeError(f"ldexp exponent must be an integer type. Received: x2 dtype="
                        f"{exponent.dtype}")
    (x1,) = _promote(x1, floating=True)
    return x1 * np.exp2(_value(exponent)).astype(x1.dtype)


def divide_no_nan(x1, x2):
    """`x1 / x2`, 0 where `x2` is 0."""
    x1, x2 = _promote(x1, x2, floating=True)
    zero = _value(x2) == 0
    return where(zero, 0.0, divide(x1, where(zero, 1.0, x2)))


def sinc(x):
    """Element-wise `sin(pi x) / (pi x)`, 1 at 0."""
    x = _floating(x)
    zero = _value(x) == 0
    scaled = where(zero, 1.0, x) * math.pi  # no 0/0, in the value or its gradient
    return where(zero, 1.0, sin(scaled) / scaled)


def isneginf(x):
    """Whether each element of `x` is negative infinity."""
    return np.isneginf(_value(x))


def isposinf(x):
    """Whether each element of `x` is positive infinity."""
    return np.isposinf(_value(x))


def isreal(x):
    """Whether each element of `x` has no imaginary part (true for real dtypes)."""
    return np.isreal(_value(x))


def real(x):
    """The real part of `x`: real arrays are their own."""
    (x,) = _promote(x)
    return x


def imag(x):
    """The imaginary part of `x`: zeros for real arrays."""
    return zeros_like(x)


def conjugate(x):
    """The complex conjugate of `x`: real arrays are their own."""
    return real(x)


conj = conjugate


def angle(x):
    """Element-wise argument of `x` as a complex number: pi for negative reals, else 0."""
    x = _floating(x)
    return np.where(_value(x) < 0, np.pi, 0.0).astype(x.dtype)


def gcd(x1, x2):
    """Element-wise greatest common divisor of the integers `x1` and `x2`."""
    x1, x2 = _promote(x1, x2)
    return np.asarray(np.gcd(_value(x1), _value(x2)))


def lcm(x1, x2):
    """Element-wise least common multiple of the integers `x1` and `x2`."""
    x1, x2 = _promote(x1, x2)
    return np.asarray(np.lcm(_value(x1), _value(x2)))


def nextafter(x1, x2):
    """The next floating-point number after `x1` toward `x2`, element-wise."""
    x1, x2 = _promote(x1, x2, floating=True)
    return np.asarray(np.nextafter(_value(x1), _value(x2)))


def i0(x):
    """The modified Bessel function of the first kind of order 0, element-wise (no
    gradient)."""
    x = _floating(x)
    return np.i0(_value(x)).astype(x.dtype)


def view(x, dtype=None):
    """The bytes of `x` read as `dtype` (no gradient)."""
    values = _value(x)
    return values if dtype is None else values.view(backend.standardize_dtype(dtype))


# ----------------------------------------------------------------------------------------------
# More reductions and statistics


def cumprod(x, axis=None, dtype=None):
    """Running product of `x` along `axis` (of the flattened `x` if None)."""
    (x,) = _promote(x)
    dtype = _accumulator(x.dtype) if dtype is None else backend.standardize_dtype(dtype)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    return apply("cumprod", _as(x, np.dtype(dtype)), axis=axis % x.ndim, dtype=dtype)


def diff(a, n=1, axis=-1):
    """The `n`-th differences of `a` along `axis`."""
    (a,) = _promote(a)
    axis %= a.ndim
    before = (builtins.slice(None),) * axis
    for _ in range(n):
        a = a[before + (builtins.slice(1, None),)] - a[before + (builtins.slice(None, -1),)]
    return a


def _sorted_quantile(x, q, axis, keepdims, method, skip_nans=False):
    """Quantiles `q` (in [0, 1]) of `x` along `axis`, numpy's methods, read off the sorted
    values (NaNs sort last: with `skip_nans`, each row's quantiles are of its other values):
    differentiable through the sort, the interpolation weights being constants."""
    (x,) = _promote(x, floating=True)
    q_values = np.asarray(_value(q), np.float64)
    if axis is None:
        x, kept_shape = reshape(x, (-1,)), (1,) * x.ndim
    else:
        axes = tuple(a % x.ndim for a in np.atleast_1d(axis))
        kept_shape = tuple(1 if d in axes else n for d, n in enumerate(x.shape))
        rest = [d for d in range(x.ndim) if d not in axes]
        x = reshape(transpose(x, rest + list(axes)), [x.shape[d] for d in rest] + [-1])
    ordered = sort(x, axis=-1)
    values = _value(x)
    counts = np.sum(~np.isnan(values), axis=-1) if skip_nans else np.full(
        values.shape[:-1], values.shape[-1])
    position = q_values.reshape((-1,) + (1,) * counts.ndim) * (counts - 1)  # (len q, rest...)
    last = np.maximum(counts - 1, 0)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, last)
    fraction = position - low
    if method == "lower":
        high, fraction = low, np.zeros_like(fraction)
    elif method == "higher":
        low = high = np.ceil(position).astype(int)
    elif method == "nearest":
        low = high = np.round(position).astype(int)  # half to even, as numpy
    elif method == "midpoint":
        fraction = np.where(high > low, 0.5, 0.0)
    elif method != "linear":
        raise ValueError(f"Invalid method for quantile: {method}")
    low, high = np.clip(low, 0, last), np.clip(high, 0, last)
    below = take_along_axis(ordered, np.moveaxis(low, 0, -1), axis=-1)
    above = take_along_axis(ordered, np.moveaxis(high, 0, -1), axis=-1)
    weight = np.moveaxis(fraction, 0, -1).astype(ordered.dtype)
    result = moveaxis(below + (above - below) * weight, -1, 0)  # (len q, rest...)
    if skip_nans and not counts.all():
        result = where(counts == 0, np.nan, result)
    if keepdims:
        result = reshape(result, (-1,) + kept_shape)
    return reshape(result, q_values.shape + tuple(result.shape[1:]))


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th quantiles (in [0, 1]) of `x` along `axis`."""
    return _sorted_quantile(x, q, _axis(axis), keepdims, method)


def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th percentiles (in [0, 100]) of `x` along `axis`."""
    return _sorted_quantile(x, np.asarray(_value(q), np.float64) / 100, _axis(axis), keepdims,
                            method)


def median(x, axis=None, keepdims=False):
    """The median of `x` along `axis`."""
    return _sorted_quantile(x, 0.5, _axis(axis), keepdims, "linear")


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th quantiles (in [0, 1]) of `x` along `axis`, ignoring NaNs."""
    return _sorted_quantile(x, q, _axis(axis), keepdims, method, skip_nans=True)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th percentiles (in [0, 100]) of `x` along `axis`, ignoring NaNs."""
    return _sorted_quantile(x, np.asarray(_value(q), np.float64) / 100, _axis(axis), keepdims,
                            method, skip_nans=True)


def nanmedian(x, axis=None, keepdims=False):
    """The median of `x` along `axis`, ignoring NaNs."""
    return _sorted_quantile(x, 0.5, _axis(axis), keepdims, "linear", skip_nans=True)


def average(x, axis=None, weights=None):
    """The mean of `x` along `axis`, weighted by `weights` (of the shape of `x`, or 1-D along
    a single `axis`)."""
    if weights is None:
        return mean(x, axis=axis)
    x, weights = _promote(x, weights, floating=True)
    if weights.ndim == 1 and x.ndim > 1:
        weights = reshape(weights, [-1 if d == axis % x.ndim else 1 for d in range(x.ndim)])
    return sum(x * weights, axis=_axis(axis)) / sum(broadcast_to(weights, x.shape),
                                                      axis=_axis(axis))


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of `y` along `axis` by the trapezoidal rule, at points `x` (or spaced
    `dx`)."""
    (y,) = _promote(y, floating=True)
    axis %= y.ndim
    before = (builtins.slice(None),) * axis
    heights = (y[before + (builtins.slice(1, None),)] + y[before + (builtins.slice(None, -1),)])
    if x is None:
        return sum(heights, axis=axis) * (dx / 2)
    widths = diff(_floating(x), axis=-1)
    if widths.ndim == 1:
        widths = reshape(widths, [-1 if d == axis else 1 for d in range(y.ndim)])
    return sum(heights * widths, axis=axis) / 2


def _nans_as(x, fill):
    """`x` with its NaNs replaced by `fill` (a reduction's identity); the gradient passes
    elsewhere."""
    (x,) = _promote(x)
    return where(np.isnan(_value(x)), fill, x) if x.dtype.kind in "fc" else x


def nansum(x, axis=None, keepdims=False):
    """Sum of `x` over `axis`, NaNs counting as 0."""
    return sum(_nans_as(x, 0.0), axis=axis, keepdims=keepdims)


def nanprod(x, axis=None, keepdims=False):
    """Product of `x` over `axis`, NaNs counting as 1."""
    return prod(_nans_as(x, 1.0), axis=axis, keepdims=keepdims)


def _nan_extremum(reduce, fill, x, axis, keepdims):
    """`reduce` (max or min) ignoring NaNs, NaN where all of them are."""
    result = reduce(_nans_as(x, fill), axis=axis, keepdims=keepdims)
    values = _value(x)
    if values.dtype.kind not in "fc":
        return result
    return where(np.all(np.isnan(values), axis=_axis(axis), keepdims=keepdims), np.nan, result)


def nanmax(x, axis=None, keepdims=False):
    """Maximum of `x` over `axis`, ignoring NaNs (NaN where all are)."""
    return _nan_extremum(max, -np.inf, x, axis, keepdims)


def nanmin(x, axis=None, keepdims=False):
    """Minimum of `x` over `axis`, ignoring NaNs (NaN where all are)."""
    return _nan_extremum(min, np.inf, x, axis, keepdims)


def nanmean(x, axis=None, keepdims=False):
    """Mean of `x` over `axis`, ignoring NaNs."""
    (x,) = _promote(x, floating=True)
    counted = np.sum(~np.isnan(_value(x)), axis=_axis(axis), keepdims=keepdims)
    return divide(nansum(x, axis=axis, keepdims=keepdims), counted.astype(x.dtype))


def nanvar(x, axis=None, keepdims=False):
    """Variance of `x` over `axis`, ignoring NaNs."""
    (x,) = _promote(x, floating=True)
    missing = np.isnan(_value(x))
    # NaNs are replaced before any op whose gradient multiplies by its input (0 * NaN is NaN).
    deviation = where(missing, 0.0, _nans_as(x, 0.0) - nanmean(x, axis=axis, keepdims=True))
    counted = np.sum(~missing, axis=_axis(axis), keepdims=keepdims).astype(x.dtype)
    return divide(sum(square(deviation), axis=axis, keepdims=keepdims), counted)


def nanstd(x, axis=None, keepdims=False):
    """Standard deviation of `x` over `axis`, ignoring NaNs."""
    return sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def nancumsum(x, axis=None, dtype=None):
    """Running sum of `x` along `axis`, NaNs counting as 0."""
    return cumsum(_nans_as(x, 0.0), axis=axis, dtype=dtype)


def nancumprod(x, axis=None, dtype=None):
    """Running product of `x` along `axis`, NaNs counting as 1."""
    return cumprod(_nans_as(x, 1.0), axis=axis, dtype=dtype)


def nanargmax(x, axis=None, keepdims=False):
    """Index of the maximum of `x` along `axis`, ignoring NaNs, as int32."""
    values = _value(x)
    values = np.where(np.isnan(values), -np.inf, values) if values.dtype.kind == "f" else values
    return argmax(values, axis=axis, keepdims=keepdims)


def nanargmin(x, axis=None, keepdims=False):
    """Index of the minimum of `x` along `axis`, ignoring NaNs, as int32."""
    values = _value(x)
    values = np.where(np.isnan(values), np.inf, values) if values.dtype.kind == "f" else values
    return argmin(values, axis=axis, keepdims=keepdims)


def ptp(x, axis=None, keepdims=False):
    """The range, maximum minus minimum, of `x` over `axis`."""
    return subtract(max(x, axis=axis, keepdims=keepdims), min(x, axis=axis, keepdims=keepdims))


def argpartition(x, kth, axis=-1):
    """int32 indices that partition `x` along `axis` around its `kth` smallest element."""
    return np.argpartition(_value(x), kth, axis=axis).astype("int32")


def corrcoef(x):
    """The Pearson correlation coefficients of the rows of `x` (variables) over its columns
    (observations)."""
    x = _floating(x)
    centered = x - mean(x, axis=-1, keepdims=True)
    covariance = matmul(centered, transpose(centered))
    scale = sqrt(diagonal(covariance))
    return clip(covariance / outer(scale, scale), -1.0, 1.0)


def histogram(x, bins=10, range=None):
    """`(counts, edges)`: how many elements of the vector `x` fall in each of `bins` equal
    bins over `range` (the data's by default)."""
    values = _value(x)
    if values.ndim != 1:
        raise ValueError(f"Input tensor must be 1-dimensional. Received: input.shape="
                         f"{values.shape}")
    counts, edges = np.histogram(values, bins=bins, range=range)
    return counts.astype(values.dtype), edges.astype(values.dtype)  # as Keras, in x's dtype


# ----------------------------------------------------------------------------------------------
# More products


def inner(x1, x2):
    """Inner product over the last axes of `x1` and `x2` (a product if one is a scalar)."""
    x1, x2 = _promote(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return multiply(x1, x2)
    return tensordot(x1, x2, axes=([x1.ndim - 1], [x2.ndim - 1]))


def vdot(x1, x2):
    """Dot product of the flattened `x1` and `x2`."""
    x1, x2 = _promote(x1, x2)
    return sum(ravel(x1) * ravel(x2))


def kron(x1, x2):
    """Kronecker product of `x1` and `x2`: blocks of `x2` scaled by each element of `x1`."""
    x1, x2 = _promote(x1, x2)
    rank = builtins.max(x1.ndim, x2.ndim)
    x1 = reshape(x1, (1,) * (rank - x1.ndim) + x1.shape)
    x2 = reshape(x2, (1,) * (rank - x2.ndim) + x2.shape)
    blocks = (reshape(x1, [n for d in x1.shape for n in (d, 1)])
              * reshape(x2, [n for d in x2.shape for n in (1, d)]))
    return reshape(blocks, [a * b for a, b in zip(x1.shape, x2.shape)])


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of the 3-vectors (or 2-vectors) of `x1` and `x2` along their axes."""
    if axis is not None:
        axisa = axisb = axisc = axis
    x1, x2 = _promote(x1, x2)
    a, b = moveaxis(x1, axisa, -1), moveaxis(x2, axisb, -1)
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    if a.shape[-1] == 2:
        a = concatenate([a, zeros_like(a[..., :1])], axis=-1)
    if b.shape[-1] == 2:
        b = concatenate([b, zeros_like(b[..., :1])], axis=-1)
    parts = [a[..., i] * b[..., j] - a[..., j] * b[..., i] for i, j in ((1, 2), (2, 0), (0, 1))]
    return moveaxis(stack(parts, axis=-1), -1, axisc)


def slogdet(x):
    """`(sign, log |det x|)` of the square matrix (or stack of matrices) `x`."""
    from minikeras.ops.linalg import det  # linalg is built on this module

    (x,) = _promote(x, floating=True)
    determinant = det(x)
    return sign(_value(determinant)), log(abs(determinant))


def correlate(x1, x2, mode="valid"):
    """The cross-correlation `z[k] = sum_j x1[j + k] * x2[j]` of the vectors `x1` and `x2`:
    "full" for every overlap, "same" for the central `max(len)`, "valid" where `x2` fits in
    `x1`."""
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"mode must be one of 'valid', 'same', or 'full'. Received: mode={mode}")
    x1, x2 = _promote(x1, x2, floating=True)
    n, m = x1.shape[0], x2.shape[0]
    padded = pad(x1, [(m - 1, m - 1)])
    full = matmul(take(padded, np.arange(n + m - 1)[:, None] + np.arange(m)), x2)
    length = {"full": n + m - 1, "same": builtins.max(n, m), "valid": builtins.abs(n - m) + 1}[mode]
    shorter = builtins.min(n, m) - 1  # numpy centers "same" on the shorter, from its end
    start = {"full": 0, "same": shorter // 2 if n >= m else shorter - shorter // 2,
             "valid": shorter}[mode]
    return full[start:start + length]


def diagflat(x, k=0):
    """A square matrix with the flattened `x` on its `k`-th diagonal."""
    return diag(ravel(x), k=k)


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of the vector `x`: its powers `N - 1` down to 0 (up if
    `increasing`) as columns."""
    (x,) = _promote(x)
    powers = np.arange(x.shape[0] if N is None else N)
    powers = powers if increasing else powers[::-1]
    return power(reshape(x, (-1, 1)), powers.astype(x.dtype))


# ----------------------------------------------------------------------------------------------
# More shapes, indexing and joining


def pad(x, pad_width, mode="constant", constant_values=None):
    """`x` padded by `pad_width` (per axis `(before, after)`, or one pair or number for all)
    with `constant_values` (0 by default), or in numpy's modes "edge", "reflect", "symmetric"
    and "wrap", which repeat elements of `x`."""
    if constant_values is not None and mode != "constant":
        raise ValueError("Argument `constant_values` can only be provided when "
                         f"`mode == 'constant'`. Received: mode={mode}")
    (x,) = _promote(x)
    widths = [tuple(int(w) for w in pair)
              for pair in np.broadcast_to(np.asarray(pad_width), (x.ndim, 2))]
    if mode == "constant":
        fill = 0 if constant_values is None else _value(constant_values)
        return apply("pad", x, pad_width=widths, constant_values=fill)
    for axis, width in enumerate(widths):  # each axis picks (repeats) elements of x
        x = take(x, np.pad(np.arange(x.shape[axis]), width, mode=mode), axis=axis)
    return x


def _triangle_mask(shape, k, lower):
    rows, cols = shape[-2:]
    mask = np.tri(rows, cols, k, dtype=bool)
    return mask if lower else ~np.tri(rows, cols, k - 1, dtype=bool)


def tril(x, k=0):
    """`x` with the elements above its `k`-th diagonal zeroed."""
    (x,) = _promote(x)
    return where(_triangle_mask(x.shape, k, lower=True), x, 0)


def triu(x, k=0):
    """`x` with the elements below its `k`-th diagonal zeroed."""
    (x,) = _promote(x)
    return where(_triangle_mask(x.shape, k, lower=False), x, 0)


def tri(N, M=None, k=0, dtype=None):
    """An `N` by `M` matrix of ones at and below its `k`-th diagonal (`floatx` by default)."""
    return np.tri(N, M, k, dtype=_dtype(dtype, backend.floatx()))


def roll(x, shift, axis=None):
    """`x` with its elements shifted by `shift` along `axis` (of the flattened `x` if None),
    those pushed off one end coming back at the other."""
    (x,) = _promote(x)
    if axis is None:
        return reshape(roll(reshape(x, (-1,)), shift, axis=0), x.shape)
    shifts, axes = np.broadcast_arrays(np.atleast_1d(shift), np.atleast_1d(axis))
    for one_shift, one_axis in zip(shifts, axes):
        x = take(x, np.roll(np.arange(x.shape[one_axis]), one_shift), axis=int(one_axis))
    return x


def fliplr(x):
    """`x` reversed along its second axis."""
    return flip(x, axis=1)


def flipud(x):
    """`x` reversed along its first axis."""
    return flip(x, axis=0)


def rot90(array, k=1, axes=(0, 1)):
    """`array` rotated by 90 degrees `k` times, from the first of `axes` toward the second."""
    (array,) = _promote(array)
    k %= 4
    if k == 0:
        return array
    if k == 2:
        return flip(array, axis=axes)
    if k == 1:
        return swapaxes(flip(array, axis=axes[1]), *axes)
    return flip(swapaxes(array, *axes), axis=axes[1])


def _at_least(x, rank):
    (x,) = _promote(x)
    if x.ndim >= rank:
        return x
    shape = {0: (1,) * rank, 1: (1, -1) + (1,) * (rank - 2), 2: x.shape + (1,)}[x.ndim]
    return reshape(x, shape)


def hstack(xs):
    """The arrays `xs` joined along their second axis (the first for vectors)."""
    xs = [_at_least(x, 1) for x in xs]
    return concatenate(xs, axis=0 if xs[0].ndim == 1 else 1)


def vstack(xs):
    """The arrays `xs` (vectors as rows) joined along their first axis."""
    return concatenate([_at_least(x, 2) for x in xs], axis=0)


def dstack(xs):
    """The arrays `xs` joined along their third axis (made of at least 3 axes)."""
    return concatenate([_at_least(x, 3) for x in xs], axis=2)


def append(x1, x2, axis=None):
    """`x2` appended to `x1` along `axis` (both flattened if None)."""
    if axis is None:
        return concatenate([ravel(x1), ravel(x2)], axis=0)
    return concatenate([x1, x2], axis=axis)


def array_split(x, indices_or_sections, axis=0):
    """`x` cut along `axis` into `indices_or_sections` sections of nearly equal size (or at the
    given indices)."""
    (x,) = _promote(x)
    pieces = np.array_split(np.arange(x.shape[axis]), indices_or_sections)
    return [take(x, piece, axis=axis) for piece in pieces]


def hsplit(x, indices_or_sections):
    """`x` cut along its second axis (the first for vectors)."""
    return split(x, indices_or_sections, axis=0 if ndim(x) == 1 else 1)


def vsplit(x, indices_or_sections):
    """`x` cut along its first axis."""
    return split(x, indices_or_sections, axis=0)


def dsplit(x, indices_or_sections):
    """`x` cut along its third axis."""
    return split(x, indices_or_sections, axis=2)


def meshgrid(*x, indexing="xy"):
    """Coordinate arrays of the grid that the vectors `x` span ("xy": the first two axes
    swapped, as for images; "ij": matrix indexing)."""
    vectors = [ravel(v) for v in _promote(*x)]
    shape = [v.shape[0] for v in vectors]
    if indexing == "xy" and len(shape) > 1:
        shape[0], shape[1] = shape[1], shape[0]
    grids = []
    for i, v in enumerate(vectors):
        axis = {0: 1, 1: 0}.get(i, i) if indexing == "xy" and len(shape) > 1 else i
        grids.append(broadcast_to(reshape(v, [-1 if d == axis else 1 for d in range(len(shape))]),
                                  shape))
    return grids


def select(condlist, choicelist, default=0):
    """The element of the first choice whose condition holds, else `default`."""
    *choices, result = _promote(*choicelist, default)
    for condition, choice in reversed(list(zip(condlist, choices))):
        result = where(condition, choice, result)
    return result


def nonzero(x):
    """The int32 indices of the non-zero elements of `x`, one array per axis."""
    return tuple(indices.astype("int32") for indices in np.nonzero(_value(x)))


def unravel_index(indices, shape):
    """The coordinates in an array of `shape` of the flat `indices`, one array per axis."""
    indices = _value(indices)
    return tuple(c.astype(indices.dtype) for c in np.unravel_index(indices, shape))


def bincount(x, weights=None, minlength=0, sparse=False):
    """How often each value of the non-negative integers `x` occurs (weighted by `weights`);
    a 2-D `x` counts each row."""
    if sparse:
        raise ValueError("`sparse=True` is not supported.")
    x = _value(x)
    length = builtins.max(minlength, int(x.max()) + 1 if x.size else 0)
    if weights is None:
        dtype, weights = np.dtype("int32"), np.ones(x.shape, "int32")
    else:
        (weights,) = _promote(weights)
        weights = _value(weights)
        dtype = _result_dtype([x, weights])
    if x.ndim == 1:
        return np.bincount(x, weights, length).astype(dtype)
    return np.stack([np.bincount(r, w, length) for r, w in zip(x, weights)]).astype(dtype)


def digitize(x, bins):
    """The int32 index of the bin of `bins` each element of `x` falls in."""
    return np.digitize(_value(x), _value(bins)).astype("int32")


def searchsorted(sorted_sequence, values, side="left"):
    """The int32 indices where `values` would be inserted into the 1-D `sorted_sequence` to
    keep it sorted."""
    sorted_sequence = _value(sorted_sequence)
    if sorted_sequence.ndim != 1:
        raise ValueError(
            "`searchsorted` only supports 1-D sorted sequences. You can use "
            "`keras.ops.vectorized_map` to extend it to N-D sequences. Received: "
            f"sorted_sequence.shape={sorted_sequence.shape}")
    return np.searchsorted(sorted_sequence, _value(values), side=side).astype("int32")


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):
    """The distinct values of `x` (sorted), and as asked the index of each one's first
    occurrence, the index of each element among them and their counts; `size` pads (with
    `fill_value`, else the smallest value) or cuts the values to that length."""
    values = _value(x)
    found = np.unique(values, return_index=True, return_inverse=True, return_counts=True,
                      axis=axis)
    uniques, first, inverse, counts = found
    if size is not None:
        if uniques.shape[0] < size:
            fill = uniques.min() if fill_value is None else fill_value
            extra = np.full((size - uniques.shape[0],) + uniques.shape[1:], fill, uniques.dtype)
            uniques = np.concatenate([uniques, extra])
            first = np.concatenate([first, np.zeros(size - first.shape[0], first.dtype)])
            counts = np.concatenate([counts, np.zeros(size - counts.shape[0], counts.dtype)])
        uniques, first, counts = uniques[:size], first[:size], counts[:size]
    outputs = [uniques]
    if return_index:
        outputs.append(first.astype("int32"))
    if return_inverse:
        outputs.append(inverse.reshape(values.shape if axis is None else -1).astype("int32"))
    if return_counts:
        outputs.append(counts.astype("int32"))
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """`pyfunc` of scalars made a function of arrays: applied to each element of its
    broadcast arguments (a loop), the results stacked back into their shape; with a
    `signature` ("(n),(n)->()"), to each slice of the core dimensions it names."""
    excluded = set(excluded or ())

    def vectorized(*args):
        mapped = [i for i in range(len(args)) if i not in excluded]
        cores = _core_ranks(signature, len(mapped))
        arrays = {i: _promote(args[i])[0] for i in mapped}
        loop_shape = np.broadcast_shapes(*(arrays[i].shape[:arrays[i].ndim - core]
                                           for i, core in zip(mapped, cores)))
        for i, core in zip(mapped, cores):
            arrays[i] = broadcast_to(arrays[i], loop_shape + arrays[i].shape[
                arrays[i].ndim - core:])
        results = []
        for position in np.ndindex(*loop_shape):
            call = list(args)
            for i in mapped:
                call[i] = arrays[i][position + (Ellipsis,)]  # 0-d arrays, not numpy scalars
            results.append(_to_tensor(pyfunc(*call)))  # a numpy scalar is no Python float
        if not loop_shape:
            return results[0]
        stacked = stack(results)
        return reshape(stacked, loop_shape + tuple(stacked.shape[1:]))

    return vectorized


def _core_ranks(signature, count):
    """The number of core dimensions of each input a gufunc `signature` names (0 without)."""
    if signature is None:
        return [0] * count
    inputs = signature.replace(" ", "").split("->")[0]
    groups = inputs[1:-1].split("),(") if inputs != "()" else [""]
    return [len([d for d in group.split(",") if d]) for group in groups]


def get_item(x, key):
    """`x[key]`."""
    (x,) = _promote(x)
    return apply("getitem", x, index=autodiff.plain_index(key))


# ----------------------------------------------------------------------------------------------
# More creation


def copy(x):
    """A copy of `x` (on the tape, the same recorded value)."""
    x = _input(x)
    return x if isinstance(x, Node) else np.array(_value(x))


def array(x, dtype=None):
    """`x` as a new array (of `dtype` if given)."""
    x = _value(x)
    return np.array(x, dtype=None if dtype is None else backend.standardize_dtype(dtype))


def empty(shape, dtype=None):
    """An array of `shape` (`floatx` by default), of zeros."""
    return zeros(shape, dtype)


def empty_like(x, dtype=None):
    """An array of the shape and (by default) dtype of `x`, of zeros."""
    return zeros_like(x, dtype)


def identity(n, dtype=None):
    """The `n` by `n` identity matrix (`floatx` by default)."""
    return eye(n, dtype=dtype)


def _window(values):
    return np.asarray(values, backend.floatx())


def bartlett(x):
    """The Bartlett (triangular) window of `x` points."""
    return _window(np.bartlett(int(_value(x))))


def blackman(x):
    """The Blackman window of `x` points."""
    return _window(np.blackman(int(_value(x))))


def hamming(x):
    """The Hamming window of `x` points."""
    return _window(np.hamming(int(_value(x))))


def hanning(x):
    """The Hann window of `x` points."""
    return _window(np.hanning(int(_value(x))))


def kaiser(x, beta):
    """The Kaiser window of `x` points and shape `beta`."""
    return _window(np.kaiser(int(_value(x)), float(_value(beta))))


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """`num` values from `base ** start` to `base ** stop`, evenly spaced in exponent."""
    exponents = linspace(start, stop, num, endpoint=endpoint, dtype=dtype, axis=axis)
    return np.power(np.asarray(base, exponents.dtype), exponents).astype(exponents.dtype)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """`num` values from `start` to `stop`, evenly spaced on a log scale."""
    dtype = _dtype(dtype, backend.floatx())
    return np.geomspace(_value(start), _value(stop), num, endpoint=endpoint, axis=axis).astype(
        dtype)


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
