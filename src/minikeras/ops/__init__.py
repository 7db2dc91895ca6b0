"""`keras.ops`: the numpy-like functions custom losses, metrics, regularizers, constraints,
initializers, activations and `Layer.call` methods are written with.

On arrays they compute plainly. While a `GradientTape` records, on its `Node`s (and on the
trainable Variables it watches) the differentiable ones record themselves on the tape, so user
code gets its gradient for free; the others (comparisons, argmax, sign, floor, round...)
return constants, which carry no gradient.

Dtypes follow Keras 3: float32 stays float32. Python numbers are weakly typed (`x * 0.5` keeps
the dtype of `x`; an integer array times 0.5 becomes `floatx`), integers combined with floats
take the float's dtype, and functions only defined on reals (exp, mean, divide...) turn integers
into `floatx`.
"""

import builtins
import functools
import inspect
import math

import numpy as np

from minikeras import autodiff, backend
from minikeras.core import tape
from minikeras.core.tensor import Tensor
from minikeras.autodiff import Node, apply

# ----------------------------------------------------------------------------------------------
# Inputs and dtypes

_WEAK = (bool, int, float)  # Python numbers (and numpy float64 scalars, which are floats)


def _input(x):
    """`x` as an op input: a Node, an ndarray or a weakly typed Python number."""
    x = autodiff.lift(x)
    return x if isinstance(x, (Node, np.ndarray) + _WEAK) else convert_to_tensor(x)


def _value(x):
    """The ndarray behind any op input; a Node gives its value (and so no gradient)."""
    x = _input(x)
    if isinstance(x, Node):
        return x.value
    return x if isinstance(x, np.ndarray) else convert_to_tensor(x)


def _result_dtype(xs):
    """Keras' promotion: Python numbers are weak; integers combined with floats take the float."""
    strong = [x.dtype for x in xs if not isinstance(x, _WEAK)]
    floats = [d for d in strong if d.kind in "fc"]
    if floats:
        return np.result_type(*floats)
    if builtins.any(isinstance(x, float) for x in xs):
        return np.dtype(backend.floatx())
    if strong:
        return np.result_type(*strong)
    if builtins.any(isinstance(x, int) and not isinstance(x, bool) for x in xs):
        return np.dtype("int32")
    return np.dtype(bool)


def _as(x, dtype):
    if isinstance(x, Node):
        return x if x.dtype == dtype else apply("cast", x, dtype=dtype)
    return np.asarray(x, dtype=dtype)


def _promote(*xs, floating=False):
    """The inputs as Nodes or ndarrays of one common dtype (`floatx` for integers if `floating`)."""
    xs = [_input(x) for x in xs]
    dtype = _result_dtype(xs)
    if floating and dtype.kind not in "fc":
        dtype = np.dtype(backend.floatx())
    return [_as(x, dtype) for x in xs]


def _accumulator(dtype):
    """Keras sums and multiplies booleans and small integers in 32 bits."""
    if dtype.kind in "biu" and dtype.itemsize < 4:
        return np.dtype("uint32" if dtype.kind == "u" else "int32")
    return dtype


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _indices(indices):
    indices = _value(indices)
    return indices if indices.dtype.kind in "iub" else indices.astype("int64")


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """`x` as an array (a Node stays a Node): Python floats become `floatx`, Python ints int32,
    arrays keep their dtype; `dtype` casts."""
    x = autodiff.lift(x)
    if dtype is not None:
        return cast(x, dtype)
    if isinstance(x, (Node, np.ndarray)):
        return x
    array = np.asarray(x)
    if isinstance(x, np.generic):
        return array
    if array.dtype == np.float64:
        return array.astype(backend.floatx())
    return array.astype("int32") if array.dtype == np.int64 else array


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


def ndim(x):
    return len(shape(x))


def size(x):
    return int(math.prod(shape(x)))


# ----------------------------------------------------------------------------------------------
# Element-wise functions, made from tables: differentiable when autodiff has a rule for them


def _unary(name, what, floating):
    def op(x):
        (x,) = _promote(x, floating=floating)
        if name in autodiff.RULES:
            return apply(name, x)
        return np.asarray(getattr(np, name)(_value(x)))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Element-wise {what} of `x`."
    return op


def _binary(name, what, floating):
    def op(x1, x2):
        x1, x2 = _promote(x1, x2, floating=floating)
        if name in autodiff.RULES:
            return apply(name, x1, x2)
        return np.asarray(getattr(np, name)(_value(x1), _value(x2)))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Element-wise {what} of `x1` and `x2`, broadcast against each other."
    return op


_UNARY = {  # name: (what it computes, whether integer inputs become floatx)
    "abs": ("absolute value", False),
    "negative": ("negation", False),
    "square": ("square", False),
    "sign": ("sign, -1, 0 or 1", False),
    "sqrt": ("square root", True),
    "rsqrt": ("reciprocal square root", True),
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
    "erf": ("Gauss error function", True),
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
    globals()[_name] = _unary(_name, _what, _floating)
for _name, (_what, _floating) in _BINARY.items():
    globals()[_name] = _binary(_name, _what, _floating)
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
# Activations (`keras.ops.nn`): Keras' `ops.X` and `activations.X` are one function, so these
# call `minikeras.activations`, which records each on the tape with its own gradient rule.


def _activations():
    """`minikeras.activations`, imported on first use: it imports autodiff, which imports ops."""
    from minikeras import activations

    return activations


def _activation(name, x, **params):
    """`activations.<name>(x, **params)`, an ndarray (or a Node on the tape)."""
    y = getattr(_activations(), name)(x, **params)
    return y if isinstance(y, Node) else np.asarray(y)


def relu(x):
    """`max(x, 0)`; integers stay integers, as in Keras."""
    (x,) = _promote(x)
    if x.dtype.kind in "iu":
        return np.maximum(x, x.dtype.type(0))
    return _activation("relu", x)


def relu6(x):
    """`min(max(x, 0), 6)`."""
    return _activation("relu6", x)


def sigmoid(x):
    """`1 / (1 + exp(-x))`."""
    return _activation("sigmoid", x)


def softplus(x):
    """`log(1 + exp(x))`, computed stably."""
    return _activation("softplus", x)


def softsign(x):
    """`x / (1 + |x|)`."""
    return _activation("softsign", x)


def silu(x):
    """`x * sigmoid(x)`."""
    return _activation("silu", x)


def log_sigmoid(x):
    """`log(sigmoid(x))`, computed stably."""
    return _activation("log_sigmoid", x)


def leaky_relu(x, negative_slope=0.2):
    """`x` where positive, else `negative_slope * x`."""
    return _activation("leaky_relu", x, negative_slope=negative_slope)


def hard_sigmoid(x):
    """`relu6(x + 3) / 6`, a piecewise linear sigmoid."""
    return _activation("hard_sigmoid", x)


def hard_silu(x):
    """`x * hard_sigmoid(x)`."""
    return _activation("hard_silu", x)


def elu(x, alpha=1.0):
    """`x` where positive, else `alpha * (exp(x) - 1)`."""
    return _activation("elu", x, alpha=alpha)


def selu(x):
    """Scaled ELU with the self-normalising constants."""
    return _activation("selu", x)


def gelu(x, approximate=True):
    """Gaussian error linear unit `x * P(X <= x)`, X ~ N(0, 1); by default its tanh estimate
    (`keras.activations.gelu` defaults to the exact form)."""
    return _activation("gelu", x, approximate=approximate)


def softmax(x, axis=-1):
    """`exp(x)` normalised to sum to 1 over `axis`."""
    return _activation("softmax", x, axis=_axis(axis))


def log_softmax(x, axis=-1):
    """`log(softmax(x, axis))`, computed stably."""
    return _activation("log_softmax", x, axis=_axis(axis))


swish = silu
hard_swish = hard_silu


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot vectors of length `num_classes` for the integer labels `x` (negative labels give
    all zeros), along a new axis `axis`."""
    labels = _value(x)
    hot = (labels[..., None] == np.arange(num_classes)).astype(backend.standardize_dtype(dtype))
    return hot if axis == -1 else np.moveaxis(hot, -1, axis)


# ----------------------------------------------------------------------------------------------
# Reductions


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


def logsumexp(x, axis=None, keepdims=False):
    """`log(sum(exp(x), axis))`, computed stably."""
    (x,) = _promote(x, floating=True)
    return apply("logsumexp", x, axis=_axis(axis), keepdims=keepdims)


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


def top_k(x, k, sorted=True):
    """`(values, indices)` of the `k` largest entries of `x` along its last axis, largest first."""
    (x,) = _promote(x)
    indices = np.argsort(-_value(x), axis=-1, kind="stable")[..., :k].astype("int32")
    return take_along_axis(x, indices, axis=-1), indices


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
# Linear algebra


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


def unstack(x, num=None, axis=0):
    """The slices of `x` along `axis`, as a list."""
    (x,) = _promote(x)
    return [take(x, i, axis=axis) for i in range(x.shape[axis])]


def concatenate(xs, axis=0):
    """The arrays `xs` joined along the existing axis `axis`."""
    return apply("concatenate", *_promote(*xs), axis=axis)


def stack(x, axis=0):
    """The arrays `x` (a sequence) joined along a new axis `axis`."""
    return apply("stack", *_promote(*x), axis=axis)


# ----------------------------------------------------------------------------------------------
# Creation


def _dtype(dtype, default):
    return np.dtype(default if dtype is None else backend.standardize_dtype(dtype))


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
# Crossentropies (`keras.ops.nn`), element-wise or reduced over the class axis only


def _check_same_shape(target, output):
    """Keras' check (and messages) of crossentropy arguments: the losses' own."""
    from minikeras import losses  # on first use: losses imports activations, which import ops

    losses._check_same_shape(target, output)


def binary_crossentropy(target, output, from_logits=False):
    """`-(target * log(output) + (1 - target) * log(1 - output))`, element by element."""
    target, output = _promote(target, output, floating=True)
    _check_same_shape(target, output)
    if from_logits:  # the same, rearranged so that exp never overflows
        return relu(output) - output * target + log1p(exp(-abs(output)))
    output = clip(output, backend.epsilon(), 1.0 - backend.epsilon())
    return -(target * log(output) + (1.0 - target) * log(1.0 - output))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """`-sum(target * log(output), axis)`, the probabilities `output` renormalised first."""
    target, output = _promote(target, output, floating=True)
    _check_same_shape(target, output)
    if from_logits:
        log_prob = log_softmax(output, axis=axis)
    else:
        output = output / sum(output, axis=axis, keepdims=True)
        log_prob = log(clip(output, backend.epsilon(), 1.0 - backend.epsilon()))
    return -sum(target * log_prob, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """`categorical_crossentropy` with integer class labels as `target`."""
    (output,) = _promote(output, floating=True)
    labels = _value(target).astype("int32")
    if labels.ndim == output.ndim and labels.shape[-1] == 1:
        labels = np.squeeze(labels, axis=-1)
    onehot = one_hot(labels, output.shape[axis], axis=axis, dtype=output.dtype)
    return categorical_crossentropy(onehot, output, from_logits=from_logits, axis=axis)


def _getitem(x, index):
    return apply("getitem", x, index=autodiff.plain_index(index))


def _public(function, name):
    """`function` as `keras.ops` gives it. On symbolic tensors (a functional model's
    KerasTensors) it records itself as a graph node (`minikeras.layers.operation`), as Keras 3's
    ops do; in eager code an ndarray result comes back as a `Tensor` (with `.numpy()`, as
    Keras' eager tensors have): a view, no copy."""

    @functools.wraps(function)
    def op(*args, **kwargs):
        if _holds_keras_tensor(args) or (kwargs and _holds_keras_tensor(kwargs.values())):
            from minikeras.layers import operation

            return operation.apply_function(name, function, args, kwargs)
        result = function(*args, **kwargs)
        if type(result) is np.ndarray:
            return result.view(Tensor)
        if isinstance(result, tuple) and builtins.any(type(r) is np.ndarray for r in result):
            items = [r.view(Tensor) if type(r) is np.ndarray else r for r in result]
            return type(result)(*items) if hasattr(result, "_fields") else tuple(items)
        return result

    return op


def _holds_keras_tensor(values):
    for value in values:
        if isinstance(value, (np.ndarray, Node) + _WEAK):
            continue
        if hasattr(value, "_keras_history") or (
            isinstance(value, (list, tuple))
            and builtins.any(hasattr(item, "_keras_history") for item in value)
        ):
            return True
    return False


for _name, _function in list(globals().items()):
    if (inspect.isfunction(_function) and not _name.startswith("_")
            and _function.__module__ == __name__):
        globals()[_name] = _public(_function, _name)


# Node's operators are these functions (the tape itself knows no op).
tape.define_operators({
    **{name: globals()[name] for name in (
        *tape._BINARY.values(), *tape._COMPARISONS.values(), "negative", "absolute",
        "transpose",
    )},
    "getitem": _getitem,
})


def __getattr__(name):
    # `ops.image` loads on first use: it reaches the image layers, which plain ops never need.
    if name == "image":
        import importlib

        return importlib.import_module("minikeras.ops.image")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
