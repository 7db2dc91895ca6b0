"""The functional API's graph: `KerasTensor`, a symbolic tensor, and `Node`, one call of a layer
on symbolic tensors (Keras 3's `keras.src.ops.node`).

Calling a layer on `KerasTensor`s computes nothing: `symbolic_call` builds the layer from the
shapes, infers the outputs' shapes and dtypes, and records a `Node` in the layer's
`_inbound_nodes`; each output carries its `_keras_history` `(layer, node_index, tensor_index)`.
A `Functional` model walks those histories back from its outputs to find its graph.
"""

import collections

import numpy as np

from minikeras import backend, tree
from minikeras.layers.input_spec import assert_input_compatibility


class KerasHistory(collections.namedtuple("KerasHistory", ["operation", "node_index", "tensor_index"])):
    """Which call made a tensor: `operation._inbound_nodes[node_index].outputs[tensor_index]`."""

    __slots__ = ()


class KerasTensor:
    """A symbolic tensor: a shape (batch axis first, `None` where unknown) and a dtype, and the
    layer call that produced it. Python's operators, indexing and `minikeras.ops` functions on
    it are recorded as graph nodes, as Keras 3 records them."""

    _keras_history = None
    _keras_mask = None
    sparse = ragged = False

    # numpy must not treat it as an array: `ndarray + tensor` defers to `__radd__`.
    __array_ufunc__ = None

    def __init__(self, shape, dtype="float32", name=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = "string" if dtype == "string" else backend.standardize_dtype(dtype)
        self.name = name or backend.unique_name("keras_tensor")

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return (
            f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse=False, "
            f"ragged=False, name={self.name}>"
        )

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "A KerasTensor is symbolic: it's a placeholder for a shape an a dtype. It doesn't "
            "have any actual numerical value. You cannot convert it to a NumPy array."
        )

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor cannot be used as a boolean.")

    def __getitem__(self, key):
        from minikeras.layers import operation

        return operation.get_item(self, key)

    def __neg__(self):
        return _ops().negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops().absolute(self)

    @property
    def T(self):
        return _ops().transpose(self)

    __hash__ = object.__hash__


def is_keras_tensor(x):
    """Whether `x` is a symbolic tensor (a functional model's input or a layer's output on
    one), as `keras.utils.is_keras_tensor`."""
    return isinstance(x, KerasTensor)


def get_source_inputs(tensor):
    """The input tensors (`keras.Input`s) that `tensor`'s graph starts from, each once, in the
    order a depth-first walk over each call's inputs meets them (Keras' order); `tensor` itself
    in a list if no layer call made it, and returned as it is if it is not symbolic."""
    if not isinstance(tensor, KerasTensor):
        return tensor
    sources, seen, stack = [], set(), [tensor]
    while stack:  # a loop, not recursion: a graph may be deeper than Python's stack
        tensor = stack.pop()
        if id(tensor) in seen:
            continue
        seen.add(id(tensor))
        operation, index, _ = tensor._keras_history or (None, 0, 0)
        node = operation._inbound_nodes[index] if operation is not None \
            and operation._inbound_nodes else None
        if node is None or node.is_input:
            for source in [tensor] if node is None else node.outputs:
                if all(source is not known for known in sources):
                    sources.append(source)
        else:
            stack.extend(reversed(node.input_tensors))
    return sources


def _ops():
    from minikeras import ops

    return ops


def _operator(function, reflected=False):
    if reflected:
        return lambda self, other: getattr(_ops(), function)(other, self)
    return lambda self, other: getattr(_ops(), function)(self, other)


for _dunder, _function in {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide",
    "pow": "power", "matmul": "matmul", "mod": "mod", "floordiv": "floor_divide",
}.items():
    setattr(KerasTensor, f"__{_dunder}__", _operator(_function))
    setattr(KerasTensor, f"__r{_dunder}__", _operator(_function, reflected=True))
for _dunder, _function in {
    "lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal",
}.items():
    setattr(KerasTensor, f"__{_dunder}__", _operator(_function))


class Node:
    """One call of `operation` on symbolic tensors.

    Args:
        operation: the layer (or op layer) called.
        call_args, call_kwargs: what it was called with (KerasTensors and constants).
        outputs: the KerasTensors it returned (a structure); each gets its `_keras_history`.
    """

    def __init__(self, operation, call_args=(), call_kwargs=None, outputs=()):
        self.operation = operation
        self.args = tuple(call_args)
        self.kwargs = dict(call_kwargs or {})
        self.outputs = tree.flatten(outputs)
        self.input_tensors = [
            x for x in tree.flatten((self.args, self.kwargs)) if isinstance(x, KerasTensor)
        ]
        # A call on one tensor alone, as most layers' calls are: `fill_in` needs no walk.
        self._only_tensor = (
            self.args[0] if len(self.args) == 1 and not self.kwargs
            and isinstance(self.args[0], KerasTensor) else None)
        for tensor in self.input_tensors:
            if tensor._keras_history is None:
                tensor._keras_history = KerasHistory(None, 0, 0)
        operation._inbound_nodes.append(self)
        for tensor in self.input_tensors:
            if tensor._keras_history.operation is not None:
                tensor._keras_history.operation._outbound_nodes.append(self)
        index = len(operation._inbound_nodes) - 1
        for position, tensor in enumerate(self.outputs):
            tensor._keras_history = KerasHistory(operation, index, position)
        self.is_input = not self.input_tensors

    @property
    def output_tensors(self):
        return self.outputs

    @property
    def parent_nodes(self):
        """The nodes whose outputs this node takes."""
        parents = []
        for tensor in self.input_tensors:
            operation, index, _ = tensor._keras_history
            if operation is not None:
                parents.append(operation._inbound_nodes[index])
        return parents

    def fill_in(self, values):
        """This node's arguments with each KerasTensor replaced by `values[id(tensor)]`."""
        if self._only_tensor is not None:
            return [values[id(self._only_tensor)]], {}

        def swap(x):
            return values[id(x)] if isinstance(x, KerasTensor) else x

        args = tree.map_structure(swap, list(self.args)) if self.args else []
        kwargs = tree.map_structure(swap, self.kwargs) if self.kwargs else {}
        return args, kwargs

    def __repr__(self):
        return f"<Node operation={self.operation.name}, id={id(self)}>"


# ----------------------------------------------------------------------------------------------
# Calling a layer on symbolic tensors


def is_symbolic(args, kwargs):
    """Whether any argument of a call holds a KerasTensor (checked cheaply for arrays)."""
    for value in (*args, *kwargs.values()):
        if type(value) is np.ndarray:
            continue
        if isinstance(value, KerasTensor):
            return True
        if tree.is_nested(value) and any(isinstance(x, KerasTensor) for x in tree.flatten(value)):
            return True
    return False


def symbolic_call(layer, args, kwargs):
    """`layer(*args, **kwargs)` on KerasTensors: build it from their shapes, record the call as
    a Node and return KerasTensors of the outputs' shapes and dtypes."""
    if not args and "inputs" in kwargs:
        kwargs = dict(kwargs)
        args = (kwargs.pop("inputs"),)
    inputs = args[0]
    from minikeras.models.model import Model

    if layer._single_input and len(tree.flatten(inputs)) > 1:
        raise ValueError(
            f"Layer '{layer.name}' expects 1 input(s), but it received "
            f"{len(tree.flatten(inputs))} input tensors. Inputs received: {inputs}"
        )
    if layer.input_spec is not None:
        assert_input_compatibility(layer.input_spec, inputs, layer.name)
    if not layer.built:
        layer._build_for(tree.map_structure(_shape_of, inputs))
    if isinstance(inputs, KerasTensor) and not isinstance(layer, Model):
        layer._conform_input(inputs)
    if (layer._call_takes_mask and kwargs.get("mask") is None and len(args) == 1
            and not any(isinstance(x, KerasTensor) for x in tree.flatten(kwargs))):
        # As Keras 3: a layer whose call takes `mask` gets its input's mask, and the node
        # records it (None included), so the mask travels along a graph edge.
        kwargs = {**kwargs, "mask": tree.map_structure(_mask_of_tensor, inputs)}
    outputs = output_spec(layer, args, kwargs)
    Node(layer, args, kwargs, outputs)
    mask = kwargs["mask"] if "mask" in kwargs else tree.map_structure(_mask_of_tensor, inputs)
    if tree.is_nested(mask) and all(m is None for m in tree.flatten(mask)):
        mask = None
    _set_output_masks(layer, inputs, mask, outputs)
    return outputs


def _mask_of_tensor(x):
    return x._keras_mask if isinstance(x, KerasTensor) else None


def _set_output_masks(layer, inputs, mask, outputs):
    """The symbolic masks of a call's outputs, from the layer's `compute_mask` (its
    `minikeras.ops` calls on symbolic tensors become graph nodes, as Keras 3 records them)."""
    if not (layer._computes_mask or (mask is not None and layer.supports_masking)):
        return
    output_masks = layer.compute_mask(inputs, mask)
    if output_masks is None:
        return
    flat_outputs = tree.flatten(outputs)
    flat_masks = (tree.flatten(output_masks) if tree.is_nested(output_masks)
                  else [output_masks] * len(flat_outputs))
    for output, output_mask in zip(flat_outputs, flat_masks):
        if isinstance(output_mask, KerasTensor):
            output._keras_mask = output_mask


def _shape_of(x):
    return x.shape if isinstance(x, KerasTensor) else np.shape(x)


def output_spec(layer, args, kwargs):
    """KerasTensors for the outputs of `layer(*args, **kwargs)`: from Keras' hook
    `compute_output_spec(*args, **kwargs)` where a layer has one (its outputs depend on the
    call's arguments), from `compute_output_shape` for built-in layers (and layers that define
    it), else from running the layer on zeros."""
    from minikeras.layers.base import Layer

    cls = type(layer)
    if hasattr(cls, "compute_output_spec"):
        return layer.compute_output_spec(*args, **kwargs)
    if cls.call is Layer.call or cls.compute_output_shape is not Layer.compute_output_shape:
        shapes = layer.compute_output_shape(tree.map_structure(_shape_of, args[0]))
        return _tensors_of_shapes(shapes, layer.dtype)
    return probe_spec(layer, args, kwargs)


def _is_shape(value):
    return isinstance(value, (tuple, list)) and all(
        d is None or isinstance(d, (int, np.integer)) for d in value
    )


def _tensors_of_shapes(shapes, dtype):
    if _is_shape(shapes):
        return KerasTensor(shapes, dtype)
    if isinstance(shapes, dict):
        return {k: _tensors_of_shapes(v, dtype) for k, v in shapes.items()}
    return [_tensors_of_shapes(s, dtype) for s in shapes]


def probe_spec(layer, args, kwargs):
    """The outputs' specs found by running `layer` twice on zeros, unknown axes taken as 2 then
    3: an output axis that changes between the two runs is unknown (`None`), as Keras' symbolic
    trace would leave it."""
    runs = [_probe(layer, args, kwargs, size) for size in (2, 3)]
    flat = [tree.flatten(run) for run in runs]
    specs = []
    for first, second in zip(*flat):
        first, second = np.asarray(first), np.asarray(second)
        shape = [a if a == b else None for a, b in zip(first.shape, second.shape)]
        specs.append(KerasTensor(shape, first.dtype.name))
    return tree.pack_sequence_as(runs[0], specs) if tree.is_nested(runs[0]) else specs[0]


def _probe(layer, args, kwargs, size):
    from minikeras.core import tape

    def zeros(x):
        if not isinstance(x, KerasTensor):
            return x
        return np.zeros([size if d is None else d for d in x.shape], x.dtype)

    args = tree.map_structure(zeros, list(args))
    kwargs = tree.map_structure(zeros, kwargs) if kwargs else {}
    with np.errstate(all="ignore"):
        outputs = layer(*args, **kwargs)
    return tree.map_structure(tape.value_of, outputs)

