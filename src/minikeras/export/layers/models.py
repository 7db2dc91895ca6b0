"""Converters of models inside models (Sequential, Functional) and of the ops a functional
graph records (`x + y`, `x[:, 0]`, `ops.tanh(x)`), and `convert_model`, the export's entry."""

import math

import numpy as np

from minikeras import activations, models, tree
from minikeras.export.activations import convert_activation
from minikeras.export.graph import TO_THE_END, cannot_export, convert_layer, register_converter
from minikeras.layers import operation
from minikeras.ops import _result_dtype as promoted_dtype  # Keras' promotion, as minikeras has it


def convert_model(model, graph, inputs):
    """The names of `model`'s outputs, written after the graph values `inputs` (one per
    model input)."""
    outputs = convert_layer(model, graph, inputs if len(inputs) > 1 else inputs[0])
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


# A model's layers find the masks of their inputs themselves (`graph.masks`).
@register_converter(models.Sequential, takes_mask=True)
def _sequential(model, graph, x, mask=None):
    for layer in model.layers:
        shape = graph.shape(x)
        x = convert_layer(layer, graph, x)
        graph.shapes[x] = tuple(layer.compute_output_shape(shape))
    return x


@register_converter(models.Functional, takes_mask=True)
def _functional(model, graph, inputs, mask=None):
    """The graph's nodes from the deepest up, each tensor's value a name in the ONNX graph
    (its shape the KerasTensor's)."""
    if isinstance(inputs, dict):
        flat = [inputs[x.name] for x in model.inputs]
    else:
        flat = tree.flatten(inputs)

    def convert(node, args, kwargs):
        # Keras 3 records a call's input masks as arguments, computed by op nodes (NotEqual,
        # Any, ...); the converters find their inputs' masks themselves (`graph.masks`), so
        # those ops, and any op computed from them, are written only where read otherwise.
        if len(node.outputs) == 1 and (type(node.operation).__name__ in _MASK_OPS or (
                isinstance(node.operation, operation.Operation)
                and any(isinstance(v, _MaskOnly) for v in tree.flatten((args, kwargs))))):
            return [_MaskOnly(node, args, kwargs)]
        kwargs = _constant_masks(graph, args, kwargs)
        if "mask" in kwargs:
            kwargs["mask"] = _call_mask(graph, args, kwargs["mask"])
        args, kwargs = tree.map_structure(lambda v: v.write(graph) if isinstance(
            v, _MaskOnly) else v, (list(args), kwargs))
        outputs = convert_layer(node.operation, graph, *args, **_with_dtype(node, kwargs))
        flat_outputs = tree.flatten(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        for x, name in zip(node.outputs, flat_outputs):
            graph.shapes.setdefault(name, x.shape)
        return flat_outputs

    outputs = [x.write(graph) if isinstance(x, _MaskOnly) else x
               for x in tree.flatten(model._run_through_graph(flat, convert))]
    return outputs if len(outputs) > 1 else outputs[0]


def _with_dtype(node, kwargs):
    """An op's call arguments and the dtype of its output, as minikeras computed it when the
    graph was made (`output_dtype`: Keras' promotion, which the writers follow)."""
    if not isinstance(node.operation, operation.Operation) or len(node.outputs) != 1:
        return kwargs
    dtype = node.outputs[0].dtype
    return {**kwargs, "output_dtype": None if dtype == "string" else np.dtype(dtype)}


# The ops Keras 3 records to compute masks along a functional graph.
_MASK_OPS = {"NotEqual", "Equal", "Any", "All", "LogicalAnd", "LogicalOr", "LogicalNot",
             "OnesLike"}


def _call_mask(graph, args, recorded):
    """A call's `mask` argument: None where it is the input's own (which the converters find
    in `graph.masks`, as Keras 3 records it with every call), else the mask's graph value (an
    input's, a layer's output, or the mask ops that compute it, written now)."""
    inputs = tree.flatten(args[0]) if args else []
    masks = tree.flatten(recorded)
    if len(masks) != len(inputs):
        return recorded
    written = [m.write(graph) if isinstance(m, _MaskOnly) and graph.masks.get(x) is None
               else None if isinstance(m, _MaskOnly) else m for m, x in zip(masks, inputs)]
    return tree.pack_sequence_as(recorded, written) if tree.is_nested(recorded) else written[0]


def _constant_masks(graph, args, kwargs):
    """The call's masks given as arrays (`mask=`, `attention_mask=`, ...: Keras broadcasts
    them against the batch) as constants of booleans; one of a single row (a first axis of 1)
    is given to every row of the batch, so a layer reads a mask of the batch's size."""
    def constant(value):
        if not isinstance(value, np.ndarray):
            return value
        mask = graph.constant(value, "mask", dtype=bool)
        graph.shapes[mask] = value.shape
        if value.ndim < 2 or value.shape[0] != 1 or not args:
            return mask
        batch = graph.dims(tree.flatten(args[0])[0], 0, 1)
        rows = graph.op("Expand", mask, graph.op(
            "Concat", batch, graph.ints([1] * (value.ndim - 1), "ones"), axis=0))
        graph.shapes[rows] = (None, *value.shape[1:])
        return rows

    return {key: tree.map_structure(constant, value) if key.endswith("mask") else value
            for key, value in kwargs.items()}


class _MaskOnly:
    """What a mask op's output stands for in the ONNX graph: nothing, unless read; then its
    node is written (and the mask ops it reads)."""

    def __init__(self, node, args, kwargs):
        self.node, self.args, self.kwargs = node, args, kwargs
        self.name = None

    def write(self, graph):
        if self.name is None:
            args, kwargs = tree.map_structure(lambda v: v.write(graph) if isinstance(
                v, _MaskOnly) else v, (list(self.args), self.kwargs))
            self.name = convert_layer(self.node.operation, graph, *args,
                                      **_with_dtype(self.node, kwargs))
            graph.shapes.setdefault(self.name, self.node.outputs[0].shape)
        return self.name


# ----------------------------------------------------------------------------------------------
# The ops of functional graphs, by Keras' op class name


_OP_WRITERS = {}


# The ops whose operands are all numbers (tensors, Python numbers, arrays), not axes or keys.
_OF_NUMBERS = set()


def _writes(*class_names, numbers=False):
    """Register `writer` for the op classes `class_names`; with `numbers`, its operands are
    all numbers (in the output's type, constants for Python numbers and arrays)."""
    def register(writer):
        for name in class_names:
            _OP_WRITERS[name] = writer
            if numbers:
                _OF_NUMBERS.add(name)
        return writer

    return register


@register_converter(operation.Operation)
def _operation(op, graph, *args, output_dtype=None):
    """An op's writer, on operands of the type Keras' promotion gives them (the output's, but
    for comparisons, whose operands promote between themselves), its output of that type."""
    class_name = type(op).__name__
    writer = _OP_WRITERS.get(class_name)
    if writer is None:
        raise cannot_export(op, f"the `{class_name}` op has no ONNX converter")
    if output_dtype is None:
        return writer(op, graph, *args, **op._arguments)
    if class_name not in _COMPARISONS:
        numbers = class_name in _OF_NUMBERS
        args = tree.map_structure(lambda a: _typed(graph, a, output_dtype) if numbers or (
            isinstance(a, str) and a in graph.shapes) else a, list(args))
    y = writer(op, graph, *args, **op._arguments)
    if isinstance(y, str) and graph.dtype_of(y) not in (None, output_dtype):
        y = graph.cast(y, output_dtype, hint=op.name)
    return y


def _typed(graph, x, dtype):
    """An operand as a graph value of `dtype`: a value cast where it is of another type, a
    number or an array a constant."""
    if x is None:
        return x
    if not isinstance(x, str):
        return graph.constant(np.asarray(x).astype(dtype), "number", dtype=dtype)
    return x if graph.dtype_of(x) == dtype else graph.cast(x, dtype)


def _value(graph, x):
    """A graph value for a call argument: its name, or a constant of the graph's float type
    for a number or an array."""
    return x if isinstance(x, str) else graph.constant(np.asarray(x, graph.dtype))


def _elementwise(op_type):
    def write(op, graph, *args):
        return graph.op(op_type, *(_value(graph, a) for a in args), hint=op.name)

    return write


for _names, _op_type in (
    (("Add",), "Add"), (("Subtract",), "Sub"), (("Multiply",), "Mul"),
    (("Divide", "TrueDivide"), "Div"), (("Power",), "Pow"), (("Matmul",), "MatMul"),
    (("Maximum",), "Max"), (("Minimum",), "Min"), (("Negative",), "Neg"), (("Absolute",), "Abs"),
    (("Sqrt",), "Sqrt"), (("Exp",), "Exp"), (("Log",), "Log"), (("Tanh",), "Tanh"),
    (("Sin",), "Sin"), (("Cos",), "Cos"), (("Relu",), "Relu"), (("Sigmoid",), "Sigmoid"),
):
    _writes(*_names, numbers=True)(_elementwise(_op_type))


def _compared(graph, x, y):
    """The operands of a comparison in the type Keras promotes them to (numbers weakly typed:
    an integer token id compares exactly with an integer number)."""
    def proxy(a):
        if isinstance(a, str):
            dtype = graph.dtype_of(a)
            return np.empty(0, graph.dtype if dtype is None else dtype)
        return a if isinstance(a, (bool, int, float)) else np.asarray(a)

    dtype = promoted_dtype([proxy(x), proxy(y)])
    return _typed(graph, x, dtype), _typed(graph, y, dtype)


def _comparison(op_type, negated=False):
    def write(op, graph, x, y):
        compared = graph.op(op_type, *_compared(graph, x, y))
        return graph.op("Not", compared, hint=op.name) if negated else graph.op(
            "Identity", compared, hint=op.name)

    return write


_COMPARISONS = {"Less", "LessEqual", "Greater", "GreaterEqual", "Equal", "NotEqual"}
for _name, _op_type, _negated in (
    ("Less", "Less", False), ("LessEqual", "LessOrEqual", False), ("Greater", "Greater", False),
    ("GreaterEqual", "GreaterOrEqual", False), ("Equal", "Equal", False),
    ("NotEqual", "Equal", True),
):
    _writes(_name)(_comparison(_op_type, _negated))


def _as_bool(graph, x):
    return graph.op("Cast", x, to=graph.onnx.TensorProto.BOOL)


def _logical(op_type):
    def write(op, graph, *args):
        return graph.op(op_type, *(_as_bool(graph, _value(graph, a)) for a in args),
                        hint=op.name)

    return write


for _name, _op_type in (("LogicalAnd", "And"), ("LogicalOr", "Or"), ("LogicalNot", "Not")):
    _writes(_name, numbers=True)(_logical(_op_type))


def _any_or_all(reduce):
    """`ops.any` / `ops.all`: the booleans as 0/1 reduced by their max / min."""
    def write(op, graph, x, axis=None, keepdims=False):
        ones = graph.op("Cast", _as_bool(graph, x), to=graph.onnx.TensorProto.INT32)
        axes = [] if axis is None else [graph.axes(*([axis] if isinstance(axis, int) else axis))]
        return _as_bool(graph, graph.op(reduce, ones, *axes, keepdims=int(keepdims)))

    return write


_writes("Any")(_any_or_all("ReduceMax"))
_writes("All")(_any_or_all("ReduceMin"))


@_writes("OnesLike")
def _ones_like(op, graph, x, dtype=None):
    one = graph.constant(1, "one", dtype=np.int64)
    one = graph.op("CastLike", one, x) if dtype is None else graph.op(
        "Cast", one, to=graph.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))
    return graph.op("Expand", one, graph.op("Shape", x), hint=op.name)


@_writes("Square")
def _square(op, graph, x):
    return graph.op("Mul", x, x, hint=op.name)


def _integers(graph, x):
    dtype = graph.dtype_of(x)
    return dtype is not None and dtype.kind in "iu"


@_writes("FloorDivide", numbers=True)
def _floor_divide(op, graph, x, y):
    x, y = _value(graph, x), _value(graph, y)
    if _integers(graph, x):  # exactly: (x - x mod y) / y, ONNX's integer Div truncating
        return graph.op("Div", graph.op("Sub", x, graph.op("Mod", x, y)), y, hint=op.name)
    return graph.op("Floor", graph.op("Div", x, y), hint=op.name)


@_writes("Mod", numbers=True)
def _mod(op, graph, x, y):
    # Python's modulo (the divisor's sign): ONNX's integer Mod, and x - floor(x / y) * y.
    x, y = _value(graph, x), _value(graph, y)
    if _integers(graph, x):
        return graph.op("Mod", x, y, hint=op.name)
    quotient = graph.op("Floor", graph.op("Div", x, y))
    return graph.op("Sub", x, graph.op("Mul", quotient, y), hint=op.name)


@_writes("Softplus", "Silu")
def _activation(op, graph, x):
    function = {"Softplus": activations.softplus, "Silu": activations.silu}[type(op).__name__]
    return convert_activation(function, graph, x, graph.shape(x))


@_writes("Gelu")
def _gelu(op, graph, x, approximate=True):
    if not approximate:
        return convert_activation(activations.gelu, graph, x, graph.shape(x))
    # 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
    cube = graph.op("Mul", graph.op("Mul", x, x), x)
    inner = graph.op("Add", x, graph.op("Mul", cube, graph.constant(0.044715)))
    tanh = graph.op("Tanh", graph.op("Mul", inner, graph.constant(math.sqrt(2 / math.pi))))
    return graph.op("Mul", graph.op("Mul", x, graph.constant(0.5)),
                    graph.op("Add", tanh, graph.constant(1.0)), hint=op.name)


@_writes("Elu")
def _elu(op, graph, x, alpha=1.0):
    return graph.op("Elu", x, alpha=float(alpha), hint=op.name)


@_writes("LeakyRelu")
def _leaky_relu(op, graph, x, negative_slope=0.2):
    return graph.op("LeakyRelu", x, alpha=float(negative_slope), hint=op.name)


@_writes("Softmax", "LogSoftmax")
def _softmax(op, graph, x, axis=-1):
    return graph.op(type(op).__name__, x, axis=axis, hint=op.name)


@_writes("Transpose")
def _transpose(op, graph, x, axes=None):
    rank = len(graph.shape(x))
    perm = list(range(rank))[::-1] if axes is None else [a % rank for a in axes]
    return graph.op("Transpose", x, perm=perm, hint=op.name)


def _reduce(op_type):
    def write(op, graph, x, initial=None, axis=None, keepdims=False):
        # `initial` (of ops.max and ops.min) is the only call argument after `x`.
        if axis is None:
            y = graph.op(op_type, x, keepdims=int(keepdims), hint=op.name)
        else:
            axes = [axis] if isinstance(axis, int) else list(axis)
            y = graph.op(op_type, x, graph.axes(*axes), keepdims=int(keepdims), hint=op.name)
        if initial is not None:
            y = graph.op(op_type[len("Reduce"):], y, _value(graph, initial), hint=op.name)
        return y

    return write


for _name, _op_type in (("Mean", "ReduceMean"), ("Sum", "ReduceSum"), ("Max", "ReduceMax"),
                        ("Min", "ReduceMin")):
    _writes(_name, numbers=True)(_reduce(_op_type))


@_writes("Reshape")
def _reshape(op, graph, x, newshape):
    newshape = [newshape] if isinstance(newshape, int) else list(newshape)
    return graph.op("Reshape", x, graph.ints(newshape, "shape"), hint=op.name)


@_writes("Concatenate", numbers=True)
def _concatenate(op, graph, xs, axis=0):
    return graph.op("Concat", *(_value(graph, x) for x in xs), axis=axis, hint=op.name)


@_writes("Stack", numbers=True)
def _stack(op, graph, xs, axis=0):
    expanded = [graph.op("Unsqueeze", _value(graph, x), graph.axes(axis)) for x in xs]
    return graph.op("Concat", *expanded, axis=axis, hint=op.name)


@_writes("ExpandDims")
def _expand_dims(op, graph, x, axis):
    axes = [axis] if isinstance(axis, int) else list(axis)
    return graph.op("Unsqueeze", x, graph.axes(*axes), hint=op.name)


@_writes("Squeeze")
def _squeeze(op, graph, x, axis=None):
    if axis is None:
        return graph.op("Squeeze", x, hint=op.name)
    axes = [axis] if isinstance(axis, int) else list(axis)
    return graph.op("Squeeze", x, graph.axes(*axes), hint=op.name)


@_writes("Cast")
def _cast(op, graph, x, dtype):
    to = graph.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    return graph.op("Cast", x, to=to, hint=op.name)


@_writes("GetItem")
def _get_item(op, graph, x, key):
    """Basic indexing (integers, slices, None, Ellipsis) as one Slice, a Squeeze of the
    integer-indexed axes and an Unsqueeze of the new ones."""
    rank = len(graph.shape(x))
    key = list(key) if isinstance(key, (list, tuple)) else [key]
    if any(isinstance(k, str) or not (k is None or k is Ellipsis or isinstance(
            k, (int, np.integer, slice))) for k in key):
        raise cannot_export(op, f"only basic indexing (integers, slices, None, ...) is "
                                f"exported; received key={key!r}")
    real = sum(1 for k in key if k is not None and k is not Ellipsis)
    if Ellipsis in key:
        at = key.index(Ellipsis)
        key = key[:at] + [slice(None)] * (rank - real) + key[at + 1:]
    else:
        key = key + [slice(None)] * (rank - real)
    axes, starts, ends, steps, squeezed, unsqueezed = [], [], [], [], [], []
    axis = out_axis = 0
    for k in key:
        if k is None:
            unsqueezed.append(out_axis)
            out_axis += 1
            continue
        if isinstance(k, slice):
            if k != slice(None):
                step = 1 if k.step is None else k.step
                axes.append(axis)
                steps.append(step)
                starts.append(k.start if k.start is not None else (0 if step > 0 else -1))
                ends.append(k.stop if k.stop is not None else
                            (TO_THE_END if step > 0 else -TO_THE_END))
            out_axis += 1
        else:
            k = int(k)
            axes.append(axis)
            steps.append(1)
            starts.append(k)
            ends.append(k + 1 if k != -1 else TO_THE_END)
            squeezed.append(axis)
        axis += 1
    y = graph.slice(x, axes, starts, ends, steps) if axes else x
    if squeezed:
        y = graph.op("Squeeze", y, graph.axes(*squeezed))
    if unsqueezed:
        y = graph.op("Unsqueeze", y, graph.axes(*unsqueezed))
    return graph.op("Identity", y, hint=op.name) if y == x else y
