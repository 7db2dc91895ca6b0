"""`TFOpLambda` and `SlicingOpLambda`: the TensorFlow functions tf_keras (Keras 2) recorded as
layers of a functional graph (`x + y`, `x[:, 0]`, `tf.reshape(x, ...)` on symbolic tensors).

A Keras 2 config names the function (`"math.multiply"`, `"__operators__.getitem"`, ...) and
each node stores its arguments by TensorFlow's parameter names. minikeras resolves the name in
a fixed table of TensorFlow functions written with `minikeras.ops` under TensorFlow's
signatures; nothing is ever imported, and a name or an argument outside the table is refused
with the function's name. These layers are only read from files: Keras 3 has no such class.
"""

import contextlib
import inspect

import numpy as np

from minikeras import ops
from minikeras.layers.base import Layer
from minikeras.saving import registry


def _elementwise(function):
    return lambda x, y: getattr(ops, function)(x, y)


def _unary(function):
    return lambda x: getattr(ops, function)(x)


def _reduction(function):
    def reduce(input_tensor, axis=None, keepdims=False):
        return getattr(ops, function)(input_tensor, axis=_axis(axis), keepdims=bool(keepdims))

    return reduce


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _transpose(a, perm=None, conjugate=False):
    return ops.transpose(a, axes=perm)


def _squeeze(input, axis=None, squeeze_dims=None):
    axis = squeeze_dims if axis is None else axis
    return ops.squeeze(input, axis=_axis(axis))


def _matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
            a_is_sparse=False, b_is_sparse=False, output_type=None):
    if transpose_a or adjoint_a:
        a = ops.swapaxes(a, -1, -2)
    if transpose_b or adjoint_b:
        b = ops.swapaxes(b, -1, -2)
    return ops.matmul(a, b)


def _l2_normalize(x, axis=None, epsilon=1e-12, dim=None):
    axis = _axis(dim if axis is None else axis)
    squares = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.multiply(x, ops.rsqrt(ops.maximum(squares, epsilon)))


def _norm(tensor, ord="euclidean", axis=None, keepdims=None, keep_dims=None):
    if ord not in ("euclidean", 2, 2.0):
        raise ValueError(f"norm with ord={ord!r} is not in minikeras' table (only 'euclidean')")
    keep = bool(keepdims if keepdims is not None else keep_dims)
    return ops.sqrt(ops.sum(ops.square(tensor), axis=_axis(axis), keepdims=keep))


def _one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None):
    dtype = dtype or "float32"
    encoded = ops.one_hot(indices, depth, axis=-1 if axis is None else axis, dtype=dtype)
    if on_value is None and off_value is None:
        return encoded
    on = 1 if on_value is None else on_value
    off = 0 if off_value is None else off_value
    return ops.cast(ops.add(ops.multiply(encoded, on - off), off), dtype)


def _gather(params, indices, validate_indices=None, axis=None, batch_dims=0):
    if batch_dims:
        raise ValueError("gather with batch_dims is not in minikeras' table")
    return ops.take(params, np.asarray(indices), axis=0 if axis is None else axis)


def _split(value, num_or_size_splits, axis=0, num=None):
    if isinstance(num_or_size_splits, list):  # sizes, where numpy takes the cut points
        return ops.split(value, list(np.cumsum(num_or_size_splits)[:-1]), axis=axis)
    return ops.split(value, num_or_size_splits, axis=axis)


def _cumsum(x, axis=0, exclusive=False, reverse=False):
    if exclusive or reverse:
        raise ValueError("cumsum with exclusive or reverse is not in minikeras' table")
    return ops.cumsum(x, axis=axis)


def _arg(function):
    def arg(input, axis=None, output_type="int64", dimension=None):
        axis = dimension if axis is None else axis
        return ops.cast(getattr(ops, function)(input, axis=0 if axis is None else axis),
                        output_type)

    return arg


def _reverse(tensor, axis):
    for a in axis:
        tensor = ops.flip(tensor, axis=a)
    return tensor


def _get_item(tensor, slice_spec):
    def index(item):
        if isinstance(item, dict) and item.get("class_name") == "__ellipsis__":
            return Ellipsis
        if isinstance(item, dict):
            return slice(item.get("start"), item.get("stop"), item.get("step"))
        return item

    key = tuple(map(index, slice_spec)) if isinstance(slice_spec, list) else index(slice_spec)
    return tensor[key]


# The TensorFlow function a Keras 2 config names -> its computation, under TensorFlow's
# parameter names and defaults (`name` is dropped before).
TF_FUNCTIONS = {
    **{name: _elementwise("add") for name in ("__operators__.add", "math.add")},
    "math.subtract": _elementwise("subtract"),
    "math.multiply": _elementwise("multiply"),
    **{name: _elementwise("true_divide") for name in ("math.truediv", "math.divide")},
    **{name: _elementwise("floor_divide") for name in ("math.floordiv", "compat.v1.floor_div")},
    **{name: _elementwise("mod") for name in ("math.floormod", "math.mod")},
    "math.pow": _elementwise("power"),
    "math.maximum": _elementwise("maximum"),
    "math.minimum": _elementwise("minimum"),
    "math.squared_difference": lambda x, y: ops.square(ops.subtract(x, y)),
    **{f"math.{name}": _elementwise(name) for name in (
        "greater", "greater_equal", "less", "less_equal", "equal", "not_equal",
        "logical_and", "logical_or")},
    **{f"math.{name}": _unary(name) for name in (
        "negative", "square", "sqrt", "rsqrt", "exp", "expm1", "log", "log1p", "tanh",
        "sigmoid", "sin", "cos", "tan", "erf", "sign", "floor", "ceil", "reciprocal",
        "logical_not")},
    "math.abs": _unary("absolute"),
    "math.atan": _unary("arctan"),
    "math.round": _unary("round"),
    "math.softplus": lambda features: ops.softplus(features),
    "nn.relu": lambda features: ops.relu(features),
    "nn.relu6": lambda features: ops.relu6(features),
    "nn.elu": lambda features: ops.elu(features),
    "nn.selu": lambda features: ops.selu(features),
    "nn.softsign": lambda features: ops.softsign(features),
    "nn.silu": lambda features, beta=1.0: ops.multiply(
        features, ops.sigmoid(ops.multiply(features, beta))),
    "nn.gelu": lambda features, approximate=False: ops.gelu(features, approximate=approximate),
    "nn.leaky_relu": lambda features, alpha=0.2: ops.leaky_relu(features, negative_slope=alpha),
    "nn.softmax": lambda logits, axis=None: ops.softmax(logits, axis=-1 if axis is None else axis),
    "nn.log_softmax": lambda logits, axis=None: ops.log_softmax(
        logits, axis=-1 if axis is None else axis),
    **{f"math.reduce_{name}": _reduction(function) for name, function in {
        "mean": "mean", "sum": "sum", "max": "max", "min": "min", "prod": "prod",
        "std": "std", "variance": "var", "logsumexp": "logsumexp"}.items()},
    "math.argmax": _arg("argmax"),
    "math.argmin": _arg("argmin"),
    "math.add_n": lambda inputs: sum(inputs[1:], inputs[0]),
    "math.cumsum": _cumsum,
    "math.l2_normalize": _l2_normalize,
    **{name: _norm for name in ("norm", "compat.v1.norm")},
    "reshape": lambda tensor, shape: ops.reshape(tensor, shape),
    "concat": lambda values, axis: ops.concatenate(values, axis=axis),
    "stack": lambda values, axis=0: ops.stack(values, axis=axis),
    "expand_dims": lambda input, axis: ops.expand_dims(input, axis),
    **{name: _squeeze for name in ("squeeze", "compat.v1.squeeze")},
    **{name: _transpose for name in ("transpose", "compat.v1.transpose")},
    "linalg.matmul": _matmul,
    "cast": lambda x, dtype: ops.cast(x, dtype),
    "clip_by_value": lambda t, clip_value_min, clip_value_max: ops.clip(
        t, clip_value_min, clip_value_max),
    "where": lambda condition, x=None, y=None: ops.where(condition, x, y),
    "one_hot": _one_hot,
    "tile": lambda input, multiples: ops.tile(input, multiples),
    **{name: _gather for name in ("gather", "compat.v1.gather")},
    "split": _split,
    "reverse": _reverse,
    "__operators__.getitem": _get_item,
}


@registry.register("layer")
class TFOpLambda(Layer):
    """A TensorFlow function tf_keras recorded in a functional graph, as minikeras' table
    computes it.

    Args:
        function: the function's name in TensorFlow's API without `tf.`, as Keras 2 configs
            store it (`"math.multiply"`, `"reshape"`).
    """

    _keeps_integer_inputs = True
    _preserve_input_structure_in_config = True  # a node's first argument as it was given

    def __init__(self, function, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(function, str) or function not in TF_FUNCTIONS:
            raise ValueError(
                f"Cannot load the TFOpLambda layer '{self.name}': the TensorFlow function "
                f"'tf.{function}' is not in minikeras' table of TensorFlow functions (it never "
                "imports one). Rebuild that part of the model with layers or `keras.ops`."
            )
        self.function = function
        self._compute = TF_FUNCTIONS[function]
        self._signature = inspect.signature(self._compute)
        self.built = True

    def call(self, inputs, **kwargs):
        kwargs.pop("name", None)
        try:
            bound = self._signature.bind(inputs, **kwargs)
        except TypeError as error:
            raise ValueError(
                f"Layer '{self.name}': tf.{self.function} called with arguments minikeras' "
                f"table does not take ({error}). Received: {sorted(kwargs)}"
            ) from None
        return self._compute(*bound.args, **bound.kwargs)

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, "dtype": self.dtype,
                "function": self.function}


@registry.register("layer")
class SlicingOpLambda(TFOpLambda):
    """`tensor[...]` as tf_keras recorded it (`__operators__.getitem` with a `slice_spec`)."""


__all__ = ["SlicingOpLambda", "TFOpLambda", "TF_FUNCTIONS"]


# ----------------------------------------------------------------------------------------------
# Writing `.keras`: Keras 3 has no TFOpLambda, but records the same computations as op nodes


def _has_tf_ops(model):
    return any(isinstance(op, TFOpLambda) or (hasattr(op, "_operations") and _has_tf_ops(op))
               for op in getattr(model, "_operations", ()))


def _graph_operations(model):
    """Every operation of `model`'s graph and of the functional models nested in it."""
    for op in model._operations:
        yield op
        if hasattr(op, "_operations"):
            yield from _graph_operations(op)


@contextlib.contextmanager
def keras3_form(model):
    """`model` as Keras 3 can store it, for the time of the block: a functional model with
    TFOpLambda/SlicingOpLambda layers becomes a Functional of the same layers (shared, with
    their weights) in which each such node is replaced by the op nodes its computation records
    on symbolic tensors (`x + 1.0` an `Add`, `tf.math.squared_difference` a `Subtract` and a
    `Square`), the form Keras 3 and minikeras load back. It takes the compile settings and the
    optimizer itself (its state goes to the file). The nodes the layers gain are removed on
    exit, so `model` is left as it was."""
    if not _has_tf_ops(model):
        yield model
        return
    from minikeras.models.functional import Functional

    operations = list({id(op): op for op in _graph_operations(model)}.values())
    counts = [(op, len(op._inbound_nodes), len(op._outbound_nodes)) for op in operations]
    try:
        yield _traced(model, Functional)
    finally:
        for op, inbound, outbound in counts:
            del op._inbound_nodes[inbound:], op._outbound_nodes[outbound:]


def _traced(model, functional_class):
    def call(node, args, kwargs):
        operation = node.operation
        if isinstance(operation, TFOpLambda):
            try:
                return operation.call(*args, **kwargs)  # the ops record themselves
            except NotImplementedError as error:
                raise ValueError(
                    f"Cannot save the {type(operation).__name__} layer '{operation.name}' "
                    f"(tf.{operation.function}) in a .keras file: Keras 3 has no such layer, "
                    f"and minikeras cannot record its computation as Keras 3 ops ({error}). "
                    "Save as `.h5`."
                ) from None
        if isinstance(operation, functional_class) and _has_tf_ops(operation):
            operation = _traced(operation, functional_class)
        return operation(*args, **kwargs)

    outputs = model._run_through_graph(model.inputs, call)
    traced = functional_class(model._inputs_struct, outputs, name=model.name,
                              trainable=model.trainable)
    if getattr(model, "compiled", False):
        traced.compile_from_config({**model.get_compile_config(), "optimizer": model.optimizer})
    return traced


# ----------------------------------------------------------------------------------------------
# Writing: Keras 3's ops as tf_keras records them, for legacy `.h5` files tf_keras loads

# Keras 3's op class -> (the TensorFlow function, its parameters for the op's call arguments in
# order, its parameter for each argument the op's config keeps).
_BINARY = {"Add": "__operators__.add", "Subtract": "math.subtract",
           "Multiply": "math.multiply", "Divide": "math.truediv", "TrueDivide": "math.truediv",
           "FloorDivide": "math.floordiv", "Mod": "math.floormod", "Power": "math.pow",
           "Maximum": "math.maximum", "Minimum": "math.minimum", "Less": "math.less",
           "LessEqual": "math.less_equal", "Greater": "math.greater",
           "GreaterEqual": "math.greater_equal"}
_UNARY = {"Negative": "math.negative", "Absolute": "math.abs", "Square": "math.square",
          "Sqrt": "math.sqrt", "Exp": "math.exp", "Log": "math.log", "Tanh": "math.tanh",
          "Sin": "math.sin", "Cos": "math.cos", "Sigmoid": "math.sigmoid"}
KERAS2_FORMS = {
    **{op: (function, ("x", "y"), {}) for op, function in _BINARY.items()},
    **{op: (function, ("x",), {}) for op, function in _UNARY.items()},
    **{op: (function, ("features",), {}) for op, function in {
        "Relu": "nn.relu", "Softplus": "math.softplus", "Silu": "nn.silu", "Elu": "nn.elu"}.items()},
    "Matmul": ("linalg.matmul", ("a", "b"), {}),
    **{op: (f"math.reduce_{op.lower()}", ("input_tensor",), {"axis": "axis", "keepdims": "keepdims"})
       for op in ("Mean", "Sum", "Max", "Min")},
    "Reshape": ("reshape", ("tensor",), {"newshape": "shape"}),
    "Concatenate": ("concat", ("values",), {"axis": "axis"}),
    "Stack": ("stack", ("values",), {"axis": "axis"}),
    "ExpandDims": ("expand_dims", ("input",), {"axis": "axis"}),
    "Squeeze": ("compat.v1.squeeze", ("input",), {"axis": "axis"}),
    "Transpose": ("compat.v1.transpose", ("a",), {"axes": "perm"}),
    "Cast": ("cast", ("x",), {"dtype": "dtype"}),
    "Softmax": ("nn.softmax", ("logits",), {"axis": "axis"}),
    "LogSoftmax": ("nn.log_softmax", ("logits",), {"axis": "axis"}),
    "GetItem": ("__operators__.getitem", ("tensor", "slice_spec"), {}),
}


def keras2_form(operation, args):
    """`(class_name, function, first argument, kwargs)`: a Keras 3 op called with `args` as
    tf_keras records it; ValueError for an op tf_keras has no form of in minikeras' table."""
    op = type(operation).__name__
    if op not in KERAS2_FORMS:
        raise ValueError(
            f"Cannot write the op '{operation.name}' ({op}) in a legacy .h5 file: minikeras "
            "knows no TensorFlow function tf_keras would record for it. Save as `.keras`."
        )
    function, parameters, renamed = KERAS2_FORMS[op]
    values = dict(zip(parameters, args))
    if "slice_spec" in values:
        values["slice_spec"] = _slice_spec(values["slice_spec"])
    for argument, value in operation._arguments.items():
        values[renamed[argument]] = list(value) if isinstance(value, tuple) else value
    first = values.pop(parameters[0])
    class_name = "SlicingOpLambda" if op == "GetItem" else "TFOpLambda"
    return class_name, function, first, values


def _slice_spec(key):
    def item(index):
        if isinstance(index, slice):
            return {"start": index.start, "stop": index.stop, "step": index.step}
        if index is Ellipsis:
            return {"class_name": "__ellipsis__"}
        return index

    return [item(i) for i in key] if isinstance(key, (tuple, list)) else item(key)
