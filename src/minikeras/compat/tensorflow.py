"""A small `tensorflow` for Keras scripts: the non-Keras names they commonly touch, on numpy.

`tf.keras` is minikeras (through the import hook). Tensors are numpy arrays of the `Tensor`
subclass, which adds TensorFlow's `.numpy()`; inside a custom loss or layer the functions work
on minikeras' autodiff nodes too, so `tf.reduce_mean(tf.square(y_true - y_pred))` still trains.
Dtypes are numpy dtypes (`tf.float32 == np.float32`). The device and logging knobs scripts set
(`tf.config`, `tf.get_logger()`, `tf.compat.v1.logging`) exist and do nothing harmful: there
is no GPU. Every other name raises an error that names it (see `coverage.message`).
"""

import builtins
import collections
import functools
import logging
import sys
import types

import numpy as np

from minikeras import backend, ops
from minikeras.autodiff import Node
from minikeras.core import tape, variables
from minikeras.core.tensor import Tensor

__version__ = "2.21.0+minikeras"


def _tensor(x):
    """`x` as a Tensor; autodiff nodes stay nodes, so that gradients flow through."""
    if isinstance(x, Node):
        return x
    if isinstance(x, list):
        return [_tensor(item) for item in x]
    if isinstance(x, tuple):
        return type(x)(*map(_tensor, x)) if hasattr(x, "_fields") else tuple(map(_tensor, x))
    return np.asarray(x).view(Tensor)


def _returns_tensors(function, name):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return _tensor(function(*args, **kwargs))

    wrapper.__name__ = wrapper.__qualname__ = name
    return wrapper


# ----------------------------------------------------------------------------------------------
# Dtypes

DType = np.dtype
_DTYPES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16",
           "uint32", "uint64", "bool", "complex64", "complex128")
(float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
 bool, complex64, complex128) = map(np.dtype, _DTYPES)  # `bool` is tf.bool in this module
half, double = float16, float64
newaxis = None


def as_dtype(type_value):
    """A dtype from a name, a numpy type or a dtype."""
    return np.dtype(backend.standardize_dtype(type_value))


# ----------------------------------------------------------------------------------------------
# Functions: TensorFlow's names for `minikeras.ops`, and the few whose arguments differ.

# TensorFlow name -> ops name, for functions whose arguments are the same.
_SAME = {name: name for name in (
    "abs", "add", "subtract", "multiply", "divide", "maximum", "minimum", "negative", "square",
    "sqrt", "rsqrt", "reciprocal", "exp", "expm1", "log", "log1p", "sign", "round", "floor",
    "ceil", "sin", "cos", "tan", "sinh", "cosh", "tanh", "sigmoid", "softplus", "softsign", "erf",
    "log_sigmoid", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
    "logical_and", "logical_or", "logical_not", "logical_xor", "cast", "reshape",
    "expand_dims", "squeeze", "stack", "unstack", "tile", "tensordot", "einsum",
)}
_SAME.update({
    "pow": "power", "truediv": "true_divide", "floordiv": "floor_divide", "floormod": "mod",
    "asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2", "asinh": "arcsinh",
    "atanh": "arctanh", "is_nan": "isnan", "is_inf": "isinf", "is_finite": "isfinite",
    "clip_by_value": "clip", "concat": "concatenate", "identity": "convert_to_tensor",
    "reduce_sum": "sum", "reduce_max": "max", "reduce_min": "min",
    "reduce_prod": "prod", "reduce_any": "any", "reduce_all": "all", "reduce_std": "std",
    "reduce_variance": "var", "reduce_logsumexp": "logsumexp",
})


def _with_shape(array, shape):
    """`array` given `shape` as `tf.constant` does it: reshaped when the sizes agree, a single
    value repeated to fill the shape; any other size is a TypeError."""
    if shape is None:
        return array
    shape = tuple(int(n) for n in np.atleast_1d(np.asarray(shape, dtype="int64")))
    if any(n < 0 for n in shape):
        raise ValueError(f"Dimension {min(shape)} must be >= 0")
    wanted = int(np.prod(shape, dtype="int64"))
    if array.size == wanted:
        return np.array(array).reshape(shape)
    if array.size == 1:
        return np.full(shape, array.reshape(()), dtype=array.dtype)
    raise TypeError(f"tf.constant with unsupported shape: the value has {array.size} elements, "
                    f"but `shape` {shape} has {wanted}")


def constant(value, dtype=None, shape=None, name=None):
    """A tensor of `value` (Python floats become float32, ints int32; arrays keep their dtype),
    reshaped to `shape` if given (a single value fills it)."""
    return _with_shape(ops.convert_to_tensor(value, dtype), shape)


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """`value` as a tensor (see `constant`)."""
    if dtype is None and dtype_hint is not None and not isinstance(value, np.ndarray):
        dtype = dtype_hint
    return ops.convert_to_tensor(value, dtype)


def _range(start, limit=None, delta=1, dtype=None, name="range"):
    """`[start, limit)` by `delta`; `range(n)` counts from 0."""
    if limit is None:
        start, limit = 0, start
    return ops.arange(start, limit, delta, dtype=dtype)


def linspace(start, stop, num, name=None, axis=0):
    """`num` evenly spaced values from `start` to `stop`, both included."""
    return ops.linspace(start, stop, num, axis=axis)


def ones(shape, dtype=float32, name=None):
    return ops.ones(shape, dtype)


def zeros(shape, dtype=float32, name=None):
    return ops.zeros(shape, dtype)


def ones_like(input, dtype=None, name=None):
    return ops.ones_like(input, dtype)


def zeros_like(input, dtype=None, name=None):
    return ops.zeros_like(input, dtype)


def fill(dims, value, name=None):
    """An array of shape `dims` filled with `value` (of its dtype)."""
    return np.full(dims, ops.convert_to_tensor(value))


def eye(num_rows, num_columns=None, batch_shape=None, dtype=float32, name=None):
    matrix = ops.eye(num_rows, num_columns, dtype=dtype)
    return matrix if batch_shape is None else np.broadcast_to(matrix, (*batch_shape, *matrix.shape))


def shape(input, out_type=int32, name=None):
    """The shape of `input`, as an int32 tensor."""
    return np.array(ops.shape(input), dtype=out_type)


def size(input, out_type=int32, name=None):
    return np.array(ops.size(input), dtype=out_type)


def rank(input, name=None):
    return np.array(ops.ndim(input), dtype="int32")


def _arg_extremum(pick):
    def arg(input, axis=None, output_type=int64, name=None):
        """Index of the extremum along `axis` (0 by default), as int64."""
        return pick(input, axis=0 if axis is None else axis).astype(output_type)

    return arg


_argmax, _argmin = _arg_extremum(ops.argmax), _arg_extremum(ops.argmin)


def _reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """Mean over `axis`; integers give an integer mean, rounded toward zero, as in TensorFlow."""
    if not isinstance(input_tensor, Node):
        input_tensor = ops.convert_to_tensor(input_tensor)
        if input_tensor.dtype.kind in "iu":
            total = ops.sum(input_tensor, axis=axis, keepdims=keepdims)
            count = max(input_tensor.size // max(np.size(total), 1), 1)
            return (np.sign(total) * (np.abs(total) // count)).astype(input_tensor.dtype)
    return ops.mean(input_tensor, axis=axis, keepdims=keepdims)


def _cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running sum along `axis` (0 by default); `exclusive` leaves each entry out of its own
    sum, `reverse` sums from the end."""
    x = ops.flip(x, axis) if reverse else x
    total = ops.cumsum(x, axis=axis)
    if exclusive:
        count = ops.shape(total)[axis]
        total = ops.concatenate([ops.zeros_like(ops.take(total, [0], axis=axis)),
                                 ops.take(total, np.arange(count - 1), axis=axis)], axis=axis)
    return ops.flip(total, axis) if reverse else total


def count_nonzero(input, axis=None, keepdims=None, dtype=int64, name=None):
    """How many entries are not zero, over `axis` (all by default), as int64."""
    axis = tuple(np.atleast_1d(axis).tolist()) if axis is not None else None
    counts = np.count_nonzero(ops.convert_to_numpy(input), axis=axis,
                              keepdims=builtins.bool(keepdims))  # `bool` is tf.bool here
    return np.asarray(counts).astype(dtype)


def transpose(a, perm=None, conjugate=False, name="transpose"):
    """`a` with its axes in the order `perm` (reversed if None)."""
    return ops.transpose(a, perm)


def matmul(a, b, transpose_a=False, transpose_b=False, name=None, **_):
    """`a @ b`, either transposed first (over its last two axes)."""
    a = ops.swapaxes(a, -1, -2) if transpose_a else a
    return ops.matmul(a, ops.swapaxes(b, -1, -2) if transpose_b else b)


def gather(params, indices, axis=None, batch_dims=0, name=None):
    return ops.take(params, indices, axis=0 if axis is None else axis)


def where(condition, x=None, y=None, name=None):
    """`x` where `condition` holds, else `y`; alone, the int64 coordinates where it holds."""
    if x is None and y is None:
        return np.argwhere(ops.convert_to_numpy(condition)).astype("int64")
    return ops.where(condition, x, y)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot vectors of length `depth` (`on_value` 1 and `off_value` 0 by default), of
    `dtype`, else of the dtype of `on_value` or `off_value`, else float32."""
    if dtype is None:
        given = [ops.convert_to_tensor(v).dtype for v in (on_value, off_value) if v is not None]
        dtype = given[0] if given else float32
    hot = ops.one_hot(indices, depth, axis=-1 if axis is None else axis, dtype=dtype)
    on = 1 if on_value is None else on_value
    off = 0 if off_value is None else off_value
    return hot if (on, off) == (1, 0) else np.where(hot == 1, on, off).astype(hot.dtype)


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):
    """The `ord` norm over `axis`; with no axis, of all the entries taken as one vector."""
    ord = None if ord == "euclidean" else ord
    if axis is not None:
        return ops.norm(tensor, ord, axis, keepdims or False)
    result = ops.norm(ops.reshape(tensor, (-1,)), ord, axis=0)
    return ops.reshape(result, (1,) * ops.ndim(tensor)) if keepdims else result


def _l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """`x / sqrt(max(sum(x**2, axis), epsilon))`."""
    axis = dim if axis is None else axis
    square_sum = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.multiply(x, ops.rsqrt(ops.maximum(square_sum, epsilon)))


def squared_difference(x, y, name=None):
    return ops.square(ops.subtract(x, y))


def add_n(inputs, name=None):
    return functools.reduce(ops.add, inputs)


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The int32 indices that sort `values` along `axis`; equal values keep their order, in
    either direction."""
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError("Argument `direction` should be one of ASCENDING, DESCENDING. "
                         f"Received: direction={direction}")
    if direction == "ASCENDING":
        return ops.argsort(values, axis=axis)
    # Sorted from the end, so that among equal values the earliest comes first.
    backwards = ops.argsort(ops.flip(values, axis), axis=axis)
    return (ops.shape(values)[axis] - 1 - np.flip(backwards, axis=axis)).astype("int32")


def sort(values, axis=-1, direction="ASCENDING", name=None):
    return ops.take_along_axis(values, argsort(values, axis, direction), axis=axis)


TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def top_k(input, k=1, sorted=True, index_type=int32, name=None):
    """The `k` largest entries along the last axis, largest first, and their indices."""
    values, indices = ops.top_k(input, k)
    return TopKV2(values, indices.astype(index_type))


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=int32,
                     name=None):
    """Counts (or summed `weights`) of each (label, prediction) pair, labels along the rows."""
    labels = ops.convert_to_numpy(labels).astype("int64").ravel()
    predictions = ops.convert_to_numpy(predictions).astype("int64").ravel()
    if num_classes is None:
        num_classes = int(max(labels.max(), predictions.max())) + 1
    matrix = np.zeros((num_classes, num_classes), dtype=dtype)
    np.add.at(matrix, (labels, predictions), 1 if weights is None else np.ravel(weights))
    return matrix


# ----------------------------------------------------------------------------------------------
# Training loops: minikeras' own tape and variables

GradientTape = tape.GradientTape


def Variable(initial_value, trainable=True, validate_shape=True, caching_device=None, name=None,
             variable_def=None, dtype=None, import_scope=None, constraint=None,
             synchronization="auto", aggregation="none", shape=None):
    """`tf.Variable`: minikeras' `Variable` (a GradientTape watches it when trainable)."""
    return variables.Variable(initial_value, dtype=dtype, trainable=trainable, name=name,
                              constraint=constraint)


def function(func=None, **options):
    """`@tf.function` compiles a graph in TensorFlow; here the function runs as written, inside
    `backend.traced_function()` (what layers do differently in a graph, they do there)."""
    def trace(func):
        def traced(*args, **kwargs):
            with backend.traced_function():
                return func(*args, **kwargs)

        return functools.update_wrapper(traced, func, updated=())
    return trace(func) if func is not None else trace


def executing_eagerly():
    return True


def is_tensor(x):
    return isinstance(x, (np.ndarray, Node))


def get_logger():
    """The "tensorflow" logger, which scripts quiet with `setLevel`."""
    return logging.getLogger("tensorflow")


def _print(*inputs, output_stream=None, summarize=None, sep=" ", end="\n", name=None):
    """Print tensors as TensorFlow does: their values, to stderr by default."""
    values = [np.asarray(x.value if isinstance(x, Node) else x) for x in inputs]
    builtins.print(*values, sep=sep, end=end, file=output_stream or sys.stderr)


# ----------------------------------------------------------------------------------------------
# tf.nn


def _softmax_cross_entropy(labels, logits, axis=-1, name=None):
    return ops.categorical_crossentropy(labels, logits, from_logits=True, axis=axis)


def _sparse_softmax_cross_entropy(labels, logits, name=None):
    return ops.sparse_categorical_crossentropy(labels, logits, from_logits=True)


def _sigmoid_cross_entropy(labels=None, logits=None, name=None):
    return ops.binary_crossentropy(labels, logits, from_logits=True)


def _l2_loss(t, name=None):
    """`sum(t**2) / 2`."""
    return ops.sum(ops.square(t)) / 2.0


def _softmax(logits, axis=None, name=None):
    return ops.softmax(logits, axis=-1 if axis is None else axis)


def _log_softmax(logits, axis=None, name=None):
    return ops.log_softmax(logits, axis=-1 if axis is None else axis)


def _leaky_relu(features, alpha=0.2, name=None):
    return ops.leaky_relu(features, negative_slope=alpha)


def _gelu(features, approximate=False, name=None):
    return ops.gelu(features, approximate=approximate)


_NN = {
    "softmax": _softmax, "log_softmax": _log_softmax, "relu": ops.relu, "relu6": ops.relu6,
    "sigmoid": ops.sigmoid, "tanh": ops.tanh, "elu": ops.elu, "selu": ops.selu,
    "softplus": ops.softplus, "softsign": ops.softsign, "silu": ops.silu, "swish": ops.silu,
    "leaky_relu": _leaky_relu, "gelu": _gelu, "l2_loss": _l2_loss,
    "l2_normalize": _l2_normalize,
    "softmax_cross_entropy_with_logits": _softmax_cross_entropy,
    "sparse_softmax_cross_entropy_with_logits": _sparse_softmax_cross_entropy,
    "sigmoid_cross_entropy_with_logits": _sigmoid_cross_entropy,
}
_MATH = {
    **{tf_name: getattr(ops, ops_name) for tf_name, ops_name in _SAME.items()},
    "argmax": _argmax, "argmin": _argmin, "argsort": argsort, "sort": sort, "top_k": top_k,
    "norm": norm, "l2_normalize": _l2_normalize, "squared_difference": squared_difference,
    "add_n": add_n, "reduce_mean": _reduce_mean, "cumsum": _cumsum,
    "count_nonzero": count_nonzero, "transpose": transpose,
    "confusion_matrix": confusion_matrix, "softmax": _softmax, "log_softmax": _log_softmax,
}
# tf.* itself: the math functions plus creation, shapes and indexing.
_TOP = {
    **_MATH, "constant": constant, "convert_to_tensor": convert_to_tensor, "range": _range,
    "linspace": linspace, "ones": ones, "zeros": zeros, "ones_like": ones_like,
    "zeros_like": zeros_like, "fill": fill, "eye": eye, "shape": shape, "size": size,
    "rank": rank, "matmul": matmul, "gather": gather, "where": where, "one_hot": one_hot,
}
globals().update({name: _returns_tensors(f, name) for name, f in _TOP.items()})


# ----------------------------------------------------------------------------------------------
# Namespaces: tf.math, tf.nn, tf.random, tf.dtypes, tf.config, tf.test, tf.compat.v1, ...


def _namespace(name, members, doc):
    module = types.ModuleType(f"{__name__}.{name}", doc)
    module.__dict__.update(members)
    module.__all__ = sorted(n for n in members if not n.startswith("_"))
    return module


def _seed(seed):
    """`tf.random.set_seed`: makes the script repeatable, as minikeras' `set_random_seed` does."""
    backend.set_random_seed(int(seed))


def _generator(seed):
    return backend.rng() if seed is None else np.random.default_rng(seed)


def _normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name=None):
    return (_generator(seed).standard_normal(shape) * stddev + mean).astype(dtype)


def _uniform(shape, minval=0, maxval=None, dtype=float32, seed=None, name=None):
    dtype = np.dtype(backend.standardize_dtype(dtype))
    if dtype.kind in "iu":
        return _generator(seed).integers(minval, maxval, shape).astype(dtype)
    return _generator(seed).uniform(minval, 1.0 if maxval is None else maxval, shape).astype(dtype)


def _shuffle(value, seed=None, name=None):
    return _generator(seed).permutation(np.asarray(value))


def _nothing(*args, **kwargs):
    """Accepted and ignored: a TensorFlow setting with no counterpart on numpy."""


def _no_devices(*args, **kwargs):
    """There are no accelerators to list."""
    return []


def _intra_op_threads(num_threads):
    """Use `num_threads` BLAS threads for numpy's matrix products (0 leaves the default)."""
    if num_threads:
        backend.set_blas_threads(num_threads)


math = _namespace("math", {n: globals()[n] for n in _MATH}, "Element-wise math and reductions.")
nn = _namespace("nn", {n: _returns_tensors(f, n) for n, f in _NN.items()},
                "Activations and crossentropies on logits.")
random = _namespace("random", {
    "set_seed": _seed, **{n: _returns_tensors(f, n) for n, f in (
        ("normal", _normal), ("uniform", _uniform), ("shuffle", _shuffle))},
}, "Seeding and random tensors.")
dtypes = _namespace("dtypes", {
    **{name: np.dtype(name) for name in _DTYPES}, "DType": DType, "as_dtype": as_dtype,
    "cast": globals()["cast"],
}, "Dtypes, as numpy dtypes.")
config = _namespace("config", {
    "list_physical_devices": _no_devices, "list_logical_devices": _no_devices,
    "get_visible_devices": _no_devices, "set_visible_devices": _nothing,
    "run_functions_eagerly": _nothing, "functions_run_eagerly": lambda: True,
    "set_soft_device_placement": _nothing,
    "experimental": _namespace("config.experimental", {
        "list_physical_devices": _no_devices, "set_memory_growth": _nothing,
        "set_visible_devices": _nothing, "enable_op_determinism": _nothing,
    }, "Device settings; there are no devices."),
    "threading": _namespace("config.threading", {
        "set_intra_op_parallelism_threads": _intra_op_threads,
        "set_inter_op_parallelism_threads": _nothing,
        "get_intra_op_parallelism_threads": lambda: 0,
        "get_inter_op_parallelism_threads": lambda: 0,
    }, "Thread settings: intra-op threads set numpy's BLAS threads."),
}, "Device and thread settings. There is no GPU: device lists are empty.")
test = _namespace("test", {
    "is_gpu_available": lambda *args, **kwargs: False, "is_built_with_cuda": lambda: False,
    "gpu_device_name": lambda: "",
}, "GPU checks: there is no GPU.")
autograph = _namespace("autograph", {"set_verbosity": _nothing}, "Autograph settings (none).")
compat = _namespace("compat", {"v1": _namespace("compat.v1", {
    "set_random_seed": _seed,
    "logging": _namespace("compat.v1.logging", {
        "set_verbosity": lambda level: get_logger().setLevel(level),
        "DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARN": logging.WARNING,
        "ERROR": logging.ERROR, "FATAL": logging.FATAL,
    }, "TensorFlow 1's logging verbosity."),
}, "The TensorFlow 1 names TensorFlow 2 scripts still use to quiet logs and seed.")},
    "TensorFlow 1 names.")
globals()["print"] = _print  # tf.print; this module calls `builtins.print`

# ----------------------------------------------------------------------------------------------
# Breadth: the functions Keras tutorials and guides call around their models. Each is built on
# `minikeras.ops` where it can be, so that it is differentiable on the tape where TF's is.


def _split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """`value` cut along `axis` into `num_or_size_splits` equal pieces, or pieces of the
    given sizes (one of which may be -1: the rest)."""
    if np.ndim(num_or_size_splits) == 0:
        return ops.split(value, int(num_or_size_splits), axis=axis)
    sizes = [int(n) for n in num_or_size_splits]
    if -1 in sizes:
        sizes[sizes.index(-1)] = ops.shape(value)[axis] - (builtins.sum(sizes) + 1)
    return ops.split(value, np.cumsum(sizes)[:-1].tolist(), axis=axis)


def _boolean_mask(tensor, mask, axis=None, name="boolean_mask"):
    """The entries (or slices along `axis`, 0 by default) of `tensor` where `mask` holds."""
    mask = np.asarray(ops.convert_to_numpy(mask), dtype=builtins.bool)
    axis = 0 if axis is None else axis
    leading = ops.shape(tensor)[:axis]
    flat = ops.reshape(tensor, (*leading, -1, *ops.shape(tensor)[axis + mask.ndim:]))
    return ops.take(flat, np.flatnonzero(mask.ravel()), axis=axis)


def _sequence_mask(lengths, maxlen=None, dtype=bool, name=None):
    """`mask[..., j] = j < lengths[...]`, `maxlen` columns (the largest length by default)."""
    lengths = np.asarray(ops.convert_to_numpy(lengths))
    maxlen = int(lengths.max()) if maxlen is None else int(maxlen)
    return (np.arange(maxlen) < lengths[..., None]).astype(dtype)


def _clip_by_norm(t, clip_norm, axes=None, name=None):
    """`t` scaled down so that its L2 norm (over `axes`, all by default) is at most
    `clip_norm`."""
    norm = ops.sqrt(ops.sum(ops.square(t), axis=axes, keepdims=True))
    return ops.divide(ops.multiply(t, clip_norm), ops.maximum(norm, clip_norm))


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """`(t_list scaled by clip_norm / max(global_norm, clip_norm), global_norm)`, the global
    norm being that of all the tensors together (None entries stay None)."""
    present = [t for t in t_list if t is not None]
    if use_norm is None:
        use_norm = ops.sqrt(add_n([ops.sum(ops.square(t)) for t in present]))
    scale = ops.divide(clip_norm, ops.maximum(use_norm, clip_norm))
    clipped = [None if t is None else _tensor(ops.multiply(t, scale)) for t in t_list]
    return clipped, _tensor(use_norm)


def _divide_no_nan(x, y, name=None):
    """`x / y`, and 0 where `y` is 0."""
    zero = ops.equal(y, 0)
    return ops.where(zero, ops.zeros_like(x), ops.divide(x, ops.where(zero, ops.ones_like(y), y)))


def _reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    return ops.sqrt(ops.sum(ops.square(input_tensor), axis=axis, keepdims=keepdims))


def _moments(x, axes, shift=None, keepdims=False, name=None):
    """`(mean, variance)` over `axes`."""
    axes = tuple(axes) if isinstance(axes, (list, tuple)) else axes
    return (ops.mean(x, axis=axes, keepdims=keepdims), ops.var(x, axis=axes, keepdims=keepdims))


def _dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Entries of `x` zeroed with probability `rate`, the others scaled by `1 / (1 - rate)`."""
    if not 0 <= rate < 1:
        raise ValueError(f"`rate` must be a scalar tensor or a float in the range [0, 1). "
                         f"Received: rate={rate}")
    shape = ops.shape(x) if noise_shape is None else tuple(noise_shape)
    keep = (_generator(seed).random(shape) >= rate).astype(backend.floatx())
    return ops.multiply(x, keep / (1.0 - rate))


def _bias_add(value, bias, data_format=None, name=None):
    if data_format == "NCHW":
        bias = ops.reshape(bias, (-1, *([1] * (ops.ndim(value) - 2))))
    return ops.add(value, bias)


def _weighted_cross_entropy(labels, logits, pos_weight, name=None):
    """`labels * -log(sigmoid(logits)) * pos_weight + (1 - labels) * -log(1 - sigmoid(logits))`,
    in TensorFlow's stable form."""
    log_weight = ops.add(1.0, ops.multiply(ops.subtract(pos_weight, 1.0), labels))
    softplus_neg = ops.add(ops.log1p(ops.exp(ops.negative(ops.abs(logits)))),
                           ops.relu(ops.negative(logits)))
    return ops.add(ops.multiply(ops.subtract(1.0, labels), logits),
                   ops.multiply(log_weight, softplus_neg))


def _compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """The sum of the (weighted) per-example losses over `global_batch_size` (the batch's
    size by default), as one replica of a distributed loop computes it."""
    if sample_weight is not None:
        per_example_loss = ops.multiply(per_example_loss, sample_weight)
    if global_batch_size is None:
        global_batch_size = ops.shape(per_example_loss)[0] if ops.ndim(per_example_loss) else 1
    return ops.divide(ops.sum(per_example_loss), float(global_batch_size))


def _embedding_lookup(params, ids, max_norm=None, name=None):
    return ops.take(params, ids, axis=0)


def _matrix_transpose(a, name="matrix_transpose", conjugate=False):
    return ops.swapaxes(a, -1, -2)


def _linalg_diag(diagonal, name="diag", k=0, **_):
    """Matrices with `diagonal` (its last axis) on their diagonal."""
    values = ops.convert_to_numpy(diagonal)
    return np.apply_along_axis(np.diag, -1, values) if values.ndim > 1 else ops.diag(diagonal, k)


def _diag_part(input, name="diag_part", k=0, **_):
    return ops.diagonal(input, offset=k, axis1=-2, axis2=-1)


def _matvec(a, b, transpose_a=False, name=None, **_):
    return ops.squeeze(matmul(a, ops.expand_dims(b, -1), transpose_a=transpose_a), -1)


def _numpy_only(function):
    """A linear-algebra function taken from numpy: values, no gradient."""
    def wrapper(input, name=None):
        return function(ops.convert_to_numpy(input))

    return wrapper


def _categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """`num_samples` class indices per row, drawn with probabilities `softmax(logits)`."""
    logits = np.asarray(ops.convert_to_numpy(logits), dtype="float64")
    probabilities = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probabilities /= probabilities.sum(axis=-1, keepdims=True)
    rng = _generator(seed)
    draws = [rng.choice(len(p), size=num_samples, p=p) for p in probabilities]
    return np.array(draws, dtype=dtype or "int64").reshape(len(probabilities), num_samples)


def _truncated_normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name=None):
    """Normal draws, those beyond two standard deviations drawn again."""
    rng = _generator(seed)
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2
    return (values * stddev + mean).astype(dtype)


class TensorShape:
    """A shape whose dimensions may be unknown (None), as TensorFlow's `TensorShape`."""

    def __init__(self, dims):
        if isinstance(dims, TensorShape):
            dims = dims.dims
        self._dims = None if dims is None else [None if d is None else int(d) for d in (
            [dims] if np.ndim(dims) == 0 else dims)]

    @property
    def dims(self):
        return None if self._dims is None else list(self._dims)

    @property
    def rank(self):
        return None if self._dims is None else len(self._dims)

    ndims = rank

    def as_list(self):
        if self._dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self._dims)

    def is_fully_defined(self):
        return self._dims is not None and None not in self._dims

    def num_elements(self):
        return int(np.prod(self._dims, dtype="int64")) if self.is_fully_defined() else None

    def __len__(self):
        if self._dims is None:
            raise ValueError("Cannot take the length of shape with unknown rank.")
        return len(self._dims)

    def __iter__(self):
        return iter(self.as_list())

    def __getitem__(self, key):
        item = self.as_list()[key]
        return TensorShape(item) if isinstance(key, slice) else item

    def __eq__(self, other):
        try:
            return self._dims == TensorShape(other)._dims
        except (TypeError, ValueError):
            return NotImplemented

    def __hash__(self):
        return hash(None if self._dims is None else tuple(self._dims))

    def __repr__(self):
        return "TensorShape(None)" if self._dims is None else f"TensorShape({self._dims})"

    def __str__(self):
        if self._dims is None:
            return "<unknown>"
        return "(" + ", ".join(str(d) for d in self._dims) + ("," if len(self._dims) == 1 else "") + ")"


class device:  # noqa: N801 (TensorFlow's name)
    """`with tf.device("/CPU:0"):` places nothing: everything runs on numpy, on the CPU."""

    def __init__(self, device_name):
        self.device_name = device_name

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False


PhysicalDevice = collections.namedtuple("PhysicalDevice", ["name", "device_type"])
LogicalDevice = collections.namedtuple("LogicalDevice", ["name", "device_type"])
_CPU = PhysicalDevice("/physical_device:CPU:0", "CPU")
_LOGICAL_CPU = LogicalDevice("/device:CPU:0", "CPU")


def _physical_devices(device_type=None):
    """The one CPU (there is no GPU or TPU)."""
    return [_CPU] if device_type in (None, "CPU") else []


def _logical_devices(device_type=None):
    return [_LOGICAL_CPU] if device_type in (None, "CPU") else []


def _memory_growth(device, *enable):
    """What TensorFlow answers for its CPU: memory growth is for GPUs only (and there are no
    GPUs here, so anything else is nothing to set)."""
    if isinstance(device, PhysicalDevice) and device.device_type == "CPU":
        raise ValueError("Cannot set memory growth on non-GPU and non-Pluggable devices"
                         if enable else "Cannot get memory growth on non-GPU devices")
    return None if enable else False


class _Initializer:
    """A TensorFlow 2 `tf.*_initializer`: the Keras initializer of the same name, called with
    `(shape, dtype=tf.float32)` and returning a tensor."""

    def __init__(self, keras_class, *args, **kwargs):
        self._initializer = keras_class(*args, **kwargs)

    def __call__(self, shape, dtype=float32, **kwargs):
        return _tensor(self._initializer(shape, dtype=dtype))

    def get_config(self):
        return self._initializer.get_config()


def _initializers():
    from minikeras import initializers as keras_initializers

    classes = {"random_normal": "RandomNormal", "random_uniform": "RandomUniform",
               "truncated_normal": "TruncatedNormal", "zeros": "Zeros", "ones": "Ones",
               "constant": "Constant", "glorot_uniform": "GlorotUniform",
               "glorot_normal": "GlorotNormal", "orthogonal": "Orthogonal",
               "variance_scaling": "VarianceScaling"}
    return {f"{name}_initializer": functools.partial(_Initializer,
                                                     getattr(keras_initializers, keras_name))
            for name, keras_name in classes.items()}


_MORE_TOP = {"split": _split, "boolean_mask": _boolean_mask, "sequence_mask": _sequence_mask,
             "clip_by_norm": _clip_by_norm}
_MORE_MATH = {"divide_no_nan": _divide_no_nan, "reduce_euclidean_norm": _reduce_euclidean_norm}
_MORE_NN = {"moments": _moments, "dropout": _dropout, "bias_add": _bias_add,
            "weighted_cross_entropy_with_logits": _weighted_cross_entropy,
            "compute_average_loss": _compute_average_loss,
            "embedding_lookup": _embedding_lookup, "log_sigmoid": ops.log_sigmoid}
_LINALG = {"matmul": matmul, "matvec": _matvec, "norm": norm, "l2_normalize": _l2_normalize,
           "trace": lambda x, name=None: ops.trace(x, axis1=-2, axis2=-1),
           "matrix_transpose": _matrix_transpose, "adjoint": _matrix_transpose,
           "diag": _linalg_diag, "diag_part": _diag_part, "einsum": ops.einsum,
           "tensordot": ops.tensordot, "eye": eye, "inv": _numpy_only(np.linalg.inv),
           "det": _numpy_only(np.linalg.det), "pinv": _numpy_only(np.linalg.pinv)}

globals().update({n: _returns_tensors(f, n) for n, f in {**_MORE_TOP, **_MORE_MATH}.items()})
globals().update(_initializers())
for _name in _MORE_MATH:
    setattr(math, _name, globals()[_name])
for _name, _function in _MORE_NN.items():
    setattr(nn, _name, _returns_tensors(_function, _name))
setattr(nn, "moments", lambda *a, **k: tuple(map(_tensor, _moments(*a, **k))))
for _name, _function in (("categorical", _categorical), ("truncated_normal", _truncated_normal)):
    setattr(random, _name, _returns_tensors(_function, _name))
linalg = _namespace("linalg", {n: _returns_tensors(f, n) for n, f in _LINALG.items()},
                    "Matrix functions (inv, det and pinv from numpy, without gradients).")
version = _namespace("version", {"VERSION": __version__, "GIT_VERSION": "minikeras",
                                 "COMPILER_VERSION": "", "GRAPH_DEF_VERSION": 0},
                     "The TensorFlow release the stand-in follows.")
for _namespace_module in (config, config.experimental):
    _namespace_module.list_physical_devices = _physical_devices
config.list_logical_devices = _logical_devices
config.get_visible_devices = _physical_devices
config.experimental.set_memory_growth = _memory_growth
config.experimental.get_memory_growth = _memory_growth
config.LogicalDevice, config.PhysicalDevice = LogicalDevice, PhysicalDevice
config.__doc__ = "Device and thread settings, answered for one CPU: there is no GPU."
test.is_built_with_gpu_support = lambda: False
for _module in (math, nn, random, config, config.experimental, test):
    _module.__all__ = sorted(n for n in vars(_module) if not n.startswith("_") and n not in (
        "__doc__",))

# The public names, for docs/api.md and `dir(tf)`.
__all__ = sorted(
    {*_TOP, *_DTYPES, *_MORE_TOP, *_MORE_MATH, *_initializers(), "DType", "LogicalDevice",
     "PhysicalDevice", "GradientTape", "Tensor", "TensorShape", "Variable", "as_dtype", "autograph", "clip_by_global_norm",
     "compat", "config", "device", "dtypes", "executing_eagerly", "function", "get_logger",
     "half", "double", "is_tensor", "linalg", "math", "newaxis", "nn", "print", "random",
     "test", "version", "__version__"}
)

# tf.data, a module of its own (it uses Tensor, above), and the spec its generators take.
from minikeras.compat import tf_data as data  # noqa: E402

TensorSpec = data.TensorSpec
__all__ = sorted({*__all__, "TensorSpec", "data"})
