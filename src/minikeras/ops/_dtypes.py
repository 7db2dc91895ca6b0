"""The inputs and dtypes every `minikeras.ops` module shares: how an argument becomes an op
input, and Keras 3's promotion of dtypes (Python numbers are weak; integers combined with floats
take the float's dtype; functions only defined on reals turn integers into `floatx`)."""

import builtins

import numpy as np

from minikeras import autodiff, backend
from minikeras.autodiff import Node, apply

_WEAK = (bool, int, float)  # Python numbers (and numpy float64 scalars, which are floats)


def _to_tensor(x):
    """`x` as an array (a Node stays a Node): Python floats become `floatx`, Python ints int32,
    arrays keep their dtype."""
    x = autodiff.lift(x)
    if isinstance(x, (Node, np.ndarray)):
        return x
    array = np.asarray(x)
    if isinstance(x, np.generic):
        return array
    if array.dtype == np.float64:
        return array.astype(backend.floatx())
    return array.astype("int32") if array.dtype == np.int64 else array


def _input(x):
    """`x` as an op input: a Node, an ndarray or a weakly typed Python number."""
    x = autodiff.lift(x)
    return x if isinstance(x, (Node, np.ndarray) + _WEAK) else _to_tensor(x)


def _value(x):
    """The ndarray behind any op input; a Node gives its value (and so no gradient)."""
    x = _input(x)
    if isinstance(x, Node):
        return x.value
    return x if isinstance(x, np.ndarray) else _to_tensor(x)


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


def _dtype(dtype, default):
    return np.dtype(default if dtype is None else backend.standardize_dtype(dtype))


# ----------------------------------------------------------------------------------------------
# Element-wise functions, made from tables: differentiable when autodiff has a rule for them


def _unary(name, what, floating, module):
    """The element-wise function `name` (numpy's), defined in `module`."""
    def op(x):
        (x,) = _promote(x, floating=floating)
        if name in autodiff.RULES:
            return apply(name, x)
        return np.asarray(getattr(np, name)(_value(x)))

    op.__name__ = op.__qualname__ = name
    op.__module__ = module
    op.__doc__ = f"Element-wise {what} of `x`."
    return op


def _binary(name, what, floating, module):
    """The broadcasting element-wise function `name` (numpy's), defined in `module`."""
    def op(x1, x2):
        x1, x2 = _promote(x1, x2, floating=floating)
        if name in autodiff.RULES:
            return apply(name, x1, x2)
        return np.asarray(getattr(np, name)(_value(x1), _value(x2)))

    op.__name__ = op.__qualname__ = name
    op.__module__ = module
    op.__doc__ = f"Element-wise {what} of `x1` and `x2`, broadcast against each other."
    return op
