"""`keras.backend` as Keras 2 scripts use it (`from keras import backend as K`).

Keras 3 keeps only the settings here (`floatx`, `epsilon`, `clear_session`, ...); Keras 2 also
had the tensor functions custom losses and metrics were written with (`K.mean(K.square(y_true -
y_pred), axis=-1)`). Both sets are here, made from `minikeras.ops`, so code written with them
is differentiated like any `ops` code. Where a Keras 2 function's defaults differ from the
`ops` function of the same name (`K.argmax` works on the last axis), it has its own definition.
"""

import builtins

import numpy as np

from minikeras import ops
from minikeras.backend import (  # noqa: F401  (the Keras 3 `keras.backend` names)
    backend,
    clear_session,
    epsilon,
    floatx,
    get_uid,
    image_data_format,
    is_float_dtype,
    is_int_dtype,
    result_type,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    standardize_dtype,
)
from minikeras.compat.tensorflow import (
    _argmax,
    _argmin,
    _cumsum,
    _generator,
    _l2_normalize,
    _reduce_mean,
    _with_shape,
)
from minikeras.layers.base import Variable
from minikeras.layers.input_layer import KerasTensor
from minikeras.layers.node import is_keras_tensor  # noqa: F401  (Keras 2's backend name)

# Keras 2 names that mean the `ops` function of the same name, or of the name given.
_SAME = {name: name for name in (
    "abs", "all", "any", "binary_crossentropy", "cast", "categorical_crossentropy", "cos", "dot",
    "elu", "equal", "exp", "greater", "greater_equal", "less", "less_equal", "log", "logsumexp",
    "max", "maximum", "min", "minimum", "not_equal", "one_hot", "ones_like", "prod", "reshape",
    "round", "sigmoid", "sign", "sin", "softmax", "softplus", "softsign",
    "sparse_categorical_crossentropy", "square", "squeeze", "stack", "std", "sum", "tanh",
    "transpose", "var", "zeros_like",
)}
_SAME.update({"pow": "power", "switch": "where"})
globals().update({k2_name: getattr(ops, name) for k2_name, name in _SAME.items()})


def argmax(x, axis=-1):
    """Index of the largest entry along `axis`, as int64."""
    return _argmax(x, axis)


def argmin(x, axis=-1):
    return _argmin(x, axis)


def mean(x, axis=None, keepdims=False):
    """Mean over `axis`: as `tf.reduce_mean` (an integer mean for integers), booleans as floatx."""
    return _reduce_mean(x, axis, keepdims)


def cumsum(x, axis=0):
    return _cumsum(x, axis)


def sqrt(x):
    """Square root, of negative values taken as 0 (which get no gradient)."""
    return ops.sqrt(ops.where(ops.convert_to_numpy(x) >= 0, x, 0.0))


def clip(x, min_value, max_value):
    """`x` limited to `[min_value, max_value]`; None leaves that side open, and a `max_value`
    below `min_value` is raised to it."""
    if isinstance(min_value, (int, float)) and isinstance(max_value, (int, float)):
        max_value = builtins.max(min_value, max_value)
    return ops.clip(x, -np.inf if min_value is None else min_value,
                    np.inf if max_value is None else max_value)


def hard_sigmoid(x):
    """Keras 2's `clip(0.2 * x + 0.5, 0, 1)` (Keras 3's uses `x / 6`)."""
    return ops.clip(ops.add(ops.multiply(x, 0.2), 0.5), 0.0, 1.0)


def concatenate(tensors, axis=-1):
    return ops.concatenate(tensors, axis=axis)


def expand_dims(x, axis=-1):
    return ops.expand_dims(x, axis)


def gather(reference, indices):
    """The rows of `reference` at `indices`."""
    return ops.take(reference, indices, axis=0)


def flatten(x):
    return ops.reshape(x, (-1,))


def batch_flatten(x):
    """`x` as a matrix: one row per sample."""
    return ops.reshape(x, (ops.shape(x)[0], -1))


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """`x` above `threshold`, else `alpha * (x - threshold)`; capped at `max_value` if given."""
    y = ops.where(ops.convert_to_numpy(x) > threshold, x, alpha * ops.subtract(x, threshold))
    return y if max_value is None else ops.minimum(y, max_value)


def l2_normalize(x, axis=None):
    """`x / sqrt(max(sum(x**2, axis), 1e-12))`, as `tf.math.l2_normalize`."""
    return _l2_normalize(x, axis=axis)


def _floatx_array(value, dtype):
    return np.asarray(value, dtype=floatx() if dtype is None else standardize_dtype(dtype))


def zeros(shape, dtype=None, name=None):
    return ops.zeros(shape, dtype)


def ones(shape, dtype=None, name=None):
    return ops.ones(shape, dtype)


def eye(size, dtype=None, name=None):
    return ops.eye(size, dtype=dtype)


def constant(value, dtype=None, shape=None, name=None):
    """`value` as a floatx array (or of `dtype`), reshaped to `shape` as `tf.constant` does."""
    return _with_shape(_floatx_array(value, dtype), shape)


def cast_to_floatx(x):
    return _floatx_array(x, None)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples of `shape` (minikeras' generator, or a fresh one seeded with `seed`)."""
    return _floatx_array(_generator(seed).normal(mean, stddev, shape), dtype)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return _floatx_array(_generator(seed).uniform(minval, maxval, shape), dtype)


# ----------------------------------------------------------------------------------------------
# Variables and shapes


def variable(value, dtype=None, name=None, constraint=None):
    """A minikeras `Variable` holding `value` (floatx by default)."""
    return Variable(_floatx_array(value, dtype), name=name or f"variable_{get_uid('variable')}",
                    constraint=constraint)


def int_shape(x):
    """The shape of a tensor, variable or symbolic input, as a tuple (None where unknown)."""
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else np.shape(x)


def shape(x):
    return np.array(int_shape(x), dtype="int32")


def ndim(x):
    return len(int_shape(x))


def dtype(x):
    return standardize_dtype(getattr(x, "dtype", None) or np.asarray(x).dtype)


def count_params(x):
    return int(np.prod(int_shape(x)))


def get_value(x):
    """The value of a variable (or tensor) as a numpy array."""
    return np.array(x)


eval = get_value


def batch_get_value(tensors):
    return [get_value(x) for x in tensors]


def set_value(x, value):
    """Write `value` into the variable `x`: `K.set_value(model.optimizer.learning_rate, 0.01)`."""
    x.assign(value)


def batch_set_value(tuples):
    for x, value in tuples:
        set_value(x, value)


def learning_phase():
    """Keras 2's training flag outside `fit`: 0, inference."""
    return 0


__all__ = sorted({
    *_SAME, "argmax", "argmin", "backend", "batch_flatten", "batch_get_value", "batch_set_value",
    "cast_to_floatx", "clear_session", "clip", "concatenate", "constant", "count_params",
    "cumsum", "dtype", "epsilon", "eval", "expand_dims", "eye", "flatten", "floatx", "gather",
    "get_uid", "get_value", "hard_sigmoid", "image_data_format", "int_shape", "is_float_dtype",
    "is_int_dtype", "is_keras_tensor", "l2_normalize", "learning_phase", "mean", "ndim", "ones",
    "random_normal", "random_uniform", "relu", "set_epsilon", "set_floatx",
    "set_image_data_format", "set_value", "shape", "sqrt", "standardize_dtype", "variable",
    "zeros",
})
