"""The ONNX graph being written, and the registry of converters that write into it.

A converter turns one layer call into ONNX nodes: `converter(layer, graph, *args, **kwargs)`
takes the call's arguments with each tensor replaced by the name of its value in the graph,
and returns the name of its output (a list of names for several outputs). Converters are
registered by layer class (`register_converter(Dense)`); a new layer joins the export by
registering one, and reads only the layer's public attributes and `get_weights()`.
"""

import numpy as np

from minikeras import tree

_CONVERTERS = {}
_MASK_TAKERS = set()
# A Slice end past any size (negated: before any start, for negative steps).
TO_THE_END = 2**62
# Call arguments that change nothing at inference.
_INFERENCE_ARGUMENTS = ("training",)


def register_converter(layer_class, takes_mask=False):
    """Decorator: the function converts layers of `layer_class` (and of its subclasses that
    keep its `call`). With `takes_mask`, it is given the Keras mask of its input as `mask=`
    (the graph value of the booleans, a list of them or of None for a list of inputs, or
    None) and sets its outputs' masks in `graph.masks`."""

    def register(converter):
        _CONVERTERS[layer_class] = converter
        if takes_mask:
            _MASK_TAKERS.add(layer_class)
        return converter

    return register


def cannot_export(layer, why):
    """The error for a layer the export cannot write, naming it and saying why."""
    return ValueError(f"Layer '{layer.name}' ({type(layer).__name__}) cannot be exported to "
                      f"ONNX: {why}.")


def convert_layer(layer, graph, *args, **kwargs):
    """Write `layer` called on the graph values `args`; returns the output's name (names)."""
    cls = next((c for c in type(layer).__mro__ if c in _CONVERTERS), None)
    # A subclass that computes something else (its own `call`) needs its own converter.
    if cls is None or type(layer).call is not cls.call:
        raise cannot_export(
            layer, "no converter is registered for its class. Register one with "
                   f"`minikeras.export.register_converter({type(layer).__name__})`")
    for name in _INFERENCE_ARGUMENTS:
        kwargs.pop(name, None)
    if args and not isinstance(layer, _model_class()):  # a model leaves them to its layers
        args = (tree.map_structure(lambda x: _computed_type(layer, graph, x), args[0]),
                *args[1:])
    mask = _input_mask(layer, graph, args, kwargs.pop("mask", None))
    if cls in _MASK_TAKERS:
        return _CONVERTERS[cls](layer, graph, *args, mask=mask, **kwargs)
    if mask is not None and (isinstance(mask, list) or layer._call_takes_mask or
                             type(layer).compute_mask is not _base_compute_mask()):
        raise cannot_export(layer, "the mask of its input (from `mask_zero`, `Masking` or the "
                                   "call) is not exported through this layer")
    outputs = _CONVERTERS[cls](layer, graph, *args, **kwargs)
    if mask is not None and layer.supports_masking and isinstance(outputs, str):
        graph.masks.setdefault(outputs, mask)  # Keras' default: the mask travels on
    return outputs


def _input_mask(layer, graph, args, explicit):
    """The mask of the call's input (its first argument): the call's `mask` argument where it
    is given, else the inputs' own (`graph.masks`); a list of masks (None where an input has
    none) for a list of inputs; None when there is no mask at all."""
    if explicit is not None:
        # A functional graph records the inputs' masks with every call that takes one, as a
        # structure of Nones where there are none.
        if all(m is None for m in tree.flatten(explicit)):
            explicit = None
        elif not all(m is None or isinstance(m, str) for m in tree.flatten(explicit)):
            raise cannot_export(layer, "a mask passed in a call is exported as an array or a "
                                       "value of the model (an input or a layer's output)")
        else:  # taken as booleans, as the layers read them (nonzero: kept)
            masks = [None if m is None else _as_bool(graph, m) for m in tree.flatten(explicit)]
            return masks if isinstance(explicit, (list, tuple)) else masks[0]
    if not args:
        return None
    if isinstance(args[0], str):
        return graph.masks.get(args[0])
    if isinstance(args[0], (list, tuple)):
        masks = [graph.masks.get(x) if isinstance(x, str) else None for x in args[0]]
        return masks if any(m is not None for m in masks) else None
    return None


def _computed_type(layer, graph, x):
    """The value `x` of a call's input as the layer computes with it (`Layer._convert_leaf`):
    floats in the layer's dtype, integers and booleans too unless it keeps them (Embedding,
    the lookups, the ops); strings as they are."""
    dtype = graph.dtype_of(x) if isinstance(x, str) else None
    if dtype is None or dtype == layer._np_dtype or not (
            dtype.kind == "f" or (dtype.kind in "iub" and not layer._keeps_integer_inputs)):
        return x
    return graph.cast(x, layer._np_dtype)


def _as_bool(graph, x):
    return graph.cast(x, bool)


def mask_rank(graph, mask, x):
    """The rank of `mask`, the Keras mask of `x`: its shape's where the graph knows it (a mask
    passed to a call), else `x`'s without the last axis (`mask_zero`, `Masking`)."""
    return len(graph.shapes[mask]) if mask in graph.shapes else len(graph.shape(x)) - 1


def _model_class():
    from minikeras.models.model import Model

    return Model


def _base_compute_mask():
    from minikeras.layers.base import Layer

    return Layer.compute_mask


class Graph:
    """ONNX nodes and constants in the making, every value of the model's float type.

    Args:
        onnx: the `onnx` module.
        dtype: the numpy float type of the model's values.
        opsets: `(domain, version)` of the operator sets, ONNX's first.
        opset_given: whether the caller chose ONNX's opset (which `require_opset` then
            never raises).
    """

    def __init__(self, onnx, dtype, opsets=(("", 18),), opset_given=False):
        self.onnx = onnx
        self.dtype = np.dtype(dtype)
        self.opsets = list(opsets)  # `(domain, version)` of the operator sets written
        self._opset_given = opset_given  # by the caller (`opset_version=`): never raised
        self.nodes = []
        self.initializers = []
        self.shapes = {}  # value name -> shape (None for unknown axes), where converters set it
        self.masks = {}  # value name -> the name of its Keras mask (booleans), where it has one
        self.dtypes = {}  # value name -> numpy dtype (object for strings), where known
        self._typed_nodes = 0  # the nodes whose outputs' types `dtypes` holds
        self._used = set()

    def name(self, hint):
        """A value name not used yet in the graph: `hint`, else `hint_1`, `hint_2`, ..."""
        name, count = hint, 0
        while name in self._used:
            count += 1
            name = f"{hint}_{count}"
        self._used.add(name)
        return name

    def shape(self, name):
        return self.shapes[name]

    def constant(self, value, hint="const", dtype=None):
        """A constant (the graph's float type unless `dtype` is given); returns its name."""
        array = np.asarray(value, dtype=dtype or self.dtype)
        name = self.name(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        self.dtypes[name] = array.dtype
        return name

    def cast(self, x, dtype, hint=None):
        """`x` as the numpy `dtype` (of `x`'s shape)."""
        y = self.op("Cast", x, to=self.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype)),
                    hint=hint)
        if x in self.shapes:
            self.shapes[y] = self.shapes[x]
        return y

    def require_opset(self, version, layer, operator):
        """Declare ONNX's opset `version` at least, which `operator` (of `layer`'s converter)
        needs: raised from the default, an error if the caller asked for an earlier one."""
        domain, current = self.opsets[0]
        if current >= version:
            return
        if self._opset_given:
            raise cannot_export(layer, f"it needs ONNX's `{operator}`, of opset {version}: "
                                       f"pass opset_version={version} or later (or leave it "
                                       "out)")
        self.opsets[0] = (domain, version)

    def dtype_of(self, name):
        """The element type of the graph value `name` (numpy's; object for strings), as ONNX's
        type inference gives it from the operators written so far; None if it cannot."""
        if name not in self.dtypes:
            self._infer_types()
        return self.dtypes.get(name)

    def _infer_types(self):
        """The types of the outputs of the nodes written since the last inference, inferred
        from those nodes alone (the values they read declared with their known types)."""
        helper = self.onnx.helper
        nodes = self.nodes[self._typed_nodes:]
        made = {name for node in nodes for name in node.output}
        read = {name for node in nodes for name in node.input if name and name not in made}
        inputs = [helper.make_tensor_value_info(
            name, helper.np_dtype_to_tensor_dtype(self.dtypes[name]), None)
            for name in sorted(read) if name in self.dtypes]
        model = helper.make_model(helper.make_graph(nodes, "types", inputs, []),
                                  opset_imports=[helper.make_opsetid(*o) for o in self.opsets])
        inferred = self.onnx.shape_inference.infer_shapes(model)
        for info in inferred.graph.value_info:
            if info.type.tensor_type.elem_type:
                self.dtypes[info.name] = np.dtype(helper.tensor_dtype_to_np_dtype(
                    info.type.tensor_type.elem_type))
        self._typed_nodes += len(nodes)

    def ints(self, values, hint="ints"):
        """An int64 constant (shapes, starts, ends, pads as the operators take them)."""
        return self.constant(list(values), hint, dtype=np.int64)

    def op(self, op_type, *inputs, outputs=1, hint=None, **attributes):
        """A node `op_type(*inputs)`; returns its output's name (a tuple for several). An
        input of `""` is an optional input left out."""
        names = [self.name(hint or op_type.lower()) for _ in range(outputs)]
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), names, **attributes))
        if op_type == "Cast":  # its type is known without inference
            self.dtypes[names[0]] = np.dtype(self.onnx.helper.tensor_dtype_to_np_dtype(
                attributes["to"]))
        return names[0] if outputs == 1 else tuple(names)

    def axes(self, *axes):
        """An int64 constant of axes, as the Reduce and Split operators take them."""
        return self.ints(axes, "axes")

    def transpose(self, x, perm):
        if list(perm) == sorted(perm):
            return x
        return self.op("Transpose", x, perm=list(perm))

    def slice(self, x, axes, starts, ends, steps=None):
        """`x[start:end:step]` on each of `axes`."""
        inputs = [x, self.ints(starts, "starts"), self.ints(ends, "ends"), self.ints(axes, "axes")]
        if steps is not None:
            inputs.append(self.ints(steps, "steps"))
        return self.op("Slice", *inputs)

    def dims(self, x, start, end):
        """The sizes of axes `start:end` of `x`, as a 1-D int64 value (known at run time)."""
        return self.op("Shape", x, start=start, end=end)

