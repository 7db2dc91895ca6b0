"""`Variable`: a named, mutable array, most often a layer's weight."""

import operator

import numpy as np

from minikeras import backend
from minikeras.core import name_scope, tape


class Variable:
    """A named, mutable array (Keras' `Variable`), most often a layer's weight.

    `value` is the live numpy array the layer computes with; optimizers update it in place.
    Read by code running under a `GradientTape`, a trainable variable is a leaf of the tape.

    Args:
        initializer: the starting value (an array, a list or a number: numpy arrays keep their
            dtype, Python floats become `floatx()`, ints int32), or an initializer (a name, an
            `Initializer`, a function of `(shape, dtype)`) to draw it with, given `shape`.
        shape, dtype: for an initializer; `dtype` also converts a given value.
        trainable: whether training updates it.
        autocast, aggregation, synchronization: Keras' distribution settings, ignored.
        name: by default `variable`, `variable_1`, ...
        path, regularizer, constraint: set by the layer that owns the weight.
    """

    __array_priority__ = 100

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", synchronization="auto", name=None, *, path=None,
                 regularizer=None, constraint=None):
        self.value = _initial_value(initializer, shape, dtype)
        self.name = name if name is not None else backend.unique_name("variable")
        scope = name_scope.current_path()  # as Keras 3: the open name scopes prefix it
        self.path = f"{scope}/{path or self.name}" if scope else (path or self.name)
        self.trainable = trainable
        self._created_trainable = trainable  # a layer's trainable flag moves only these
        self.regularizer = regularizer
        self.constraint = constraint

    @property
    def shape(self):
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype.name

    @property
    def ndim(self):
        return self.value.ndim

    def numpy(self):
        return self.value.copy()

    def assign(self, value):
        value = np.asarray(value)
        if value.shape != self.value.shape:
            raise ValueError(
                "The shape of the target variable and the shape of the target value in "
                "`variable.assign(value)` must match. "
                f"variable.shape={self.value.shape}, Received: value.shape={value.shape}. "
                f"Target variable: {self!r}"
            )
        np.copyto(self.value, value, casting="unsafe")
        return self

    def assign_add(self, value):
        self.value += np.asarray(value, dtype=self.value.dtype)
        return self

    def assign_sub(self, value):
        self.value -= np.asarray(value, dtype=self.value.dtype)
        return self

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)

    def __len__(self):
        return len(self.value)

    def __getitem__(self, index):
        return self._operand()[index]

    def __float__(self):
        return float(self.value)

    def __int__(self):
        return int(self.value)

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={self.value.shape}, dtype={self.dtype}, "
                f"value={self.value}>")

    def _operand(self):
        """What arithmetic reads: the current value, as Keras variables do; while a gradient
        tape records, the variable's leaf on that tape."""
        return tape.read(self)

    def __neg__(self):
        return -self._operand()

    def __abs__(self):
        return abs(self._operand())


def _initial_value(initializer, shape, dtype):
    """A new Variable's array; an array already of the right dtype is kept, not copied."""
    if isinstance(initializer, str) or callable(initializer):
        from minikeras import initializers

        if shape is None:
            raise ValueError(
                "When creating a Variable from an initializer, the `shape` argument should be "
                f"specified. Received: initializer={initializer} and shape={shape}"
            )
        dtype = backend.standardize_dtype(dtype or backend.floatx())
        return np.asarray(initializers.get(initializer)(standardize_shape(shape), dtype=dtype))
    if dtype is None and not isinstance(initializer, np.ndarray):
        probe = np.asarray(initializer)
        dtype = {"f": backend.floatx(), "i": "int32"}.get(probe.dtype.kind, probe.dtype)
    dtype = None if dtype is None else backend.standardize_dtype(dtype)
    value = np.asarray(initializer, dtype=dtype)
    if shape is not None and value.shape != standardize_shape(shape):
        raise ValueError(
            f"Initial value shape {value.shape} is not compatible with the provided `shape` "
            f"{standardize_shape(shape)}."
        )
    return value


def _binary(op):
    return lambda self, other: op(self._operand(), other)


def _reflected(op):
    return lambda self, other: op(other, self._operand())


for _name in ["add", "sub", "mul", "truediv", "pow", "matmul", "floordiv", "mod"]:
    setattr(Variable, f"__{_name}__", _binary(getattr(operator, _name)))
    setattr(Variable, f"__r{_name}__", _reflected(getattr(operator, _name)))
for _name in ["lt", "le", "gt", "ge"]:
    setattr(Variable, f"__{_name}__", _binary(getattr(operator, _name)))


def standardize_shape(shape, what="shape"):
    """A shape as a tuple of ints or None, refused as Keras 3 refuses it: a bare int, a
    dimension that is a float or a string (even `2.0`), or a negative one."""
    if shape is None:
        return None
    if isinstance(shape, (int, np.integer)) or not hasattr(shape, "__iter__"):
        raise ValueError(f"Cannot convert '{shape}' to a shape.")
    shape = tuple(shape)
    return tuple(_dimension(d, shape) for d in shape)


def _dimension(d, shape):
    if d is None:
        return None
    try:
        if isinstance(d, (str, float)):
            raise TypeError
        d = int(d)
    except (TypeError, ValueError):
        raise ValueError(
            f"Cannot convert '{shape}' to a shape. Found invalid dimension '{d}' of type "
            f"'{type(d)}'. "
        ) from None
    if d < 0:
        raise ValueError(
            f"Cannot convert '{shape}' to a shape. Negative dimensions are not allowed.")
    return d
