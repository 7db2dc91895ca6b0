"""`Functional`: a model defined by a graph of layer calls on symbolic tensors, as Keras 3's.

`Functional(inputs, outputs)` walks the `_keras_history` of `outputs` back to `inputs`
(`map_graph`: depth-sorted nodes, Keras' operation order, "Graph disconnected" and duplicate
name errors). A call runs the nodes from the deepest up with a dict of values local to that
call, so that the layers keep nothing of it: the tape records it like any other computation.
Configs are Keras 3's node dicts; Keras 2's `inbound_nodes` lists are read too.
"""

import collections
import contextlib
import inspect
import threading
import warnings

import numpy as np

from minikeras import tree
from minikeras.core import tape
from minikeras.layers.base import Layer
from minikeras.layers.input_layer import Input, InputLayer
from minikeras.layers.node import KerasHistory, KerasTensor, Node
from minikeras.layers.operation import Operation
from minikeras.models.model import Model, static_shape
from minikeras.saving import registry


@registry.register("layer", module="keras.src.models.functional")
class Functional(Model):
    """A model made of a graph of layers (`keras.Model(inputs, outputs)`).

    Args:
        inputs: the `Input` tensors (or tensors computed from them), as a tensor, a list or a
            dict of them.
        outputs: the output tensors, as a tensor, a list or a dict.
        name: the model's name (default `functional`, `functional_1`, ...).
        trainable: whether the model's weights are trained.
    """

    _keeps_integer_inputs = True  # each input is converted to its own Input's dtype

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        if isinstance(inputs, dict):
            for key, value in inputs.items():
                if isinstance(value, KerasTensor) and key != value.name:
                    warnings.warn(
                        "When providing `inputs` as a dict, all keys in the dict must match the "
                        f"names of the corresponding tensors. Received key '{key}' mapping to "
                        f"value {value} which has name '{value.name}'. Change the tensor name "
                        f"to '{key}' (via `Input(..., name='{key}')`)",
                        stacklevel=2,
                    )
        _check_tensors("inputs", inputs)
        _check_tensors("outputs", outputs)
        if not all(_is_input_tensor(t) for t in tree.flatten(inputs)):
            inputs, outputs = clone_graph_nodes(inputs, outputs)
        Model.__init__(self, name=name, trainable=trainable, **kwargs)
        self._inputs_struct = tree.map_structure(lambda x: x, inputs)
        self._outputs_struct = tree.map_structure(lambda x: x, outputs)
        self._inputs = tree.flatten(inputs)
        self._outputs = tree.flatten(outputs)
        if not self._inputs:
            raise ValueError(
                f"`inputs` argument cannot be empty. Received:\ninputs={inputs}\noutputs={outputs}"
            )
        if not self._outputs:
            raise ValueError(
                f"`outputs` argument cannot be empty. Received:\ninputs={inputs}\noutputs={outputs}"
            )
        self._nodes, self._nodes_by_depth, self._operations = map_graph(self._inputs, self._outputs)
        # The order a call runs the nodes in: from the deepest up.
        self._nodes_in_order = [node for depth in sorted(self._nodes_by_depth, reverse=True)
                                for node in self._nodes_by_depth[depth]]
        self._run_through_graph([None] * len(self._inputs), _no_values)  # checks connectivity
        self.built = True
        # Inference plans (`call`, `_plan`) for a graph of one input and one output, on arrays
        # of the input's dtype and rank (not for a subclass's own `call`, which the fast entry
        # would skip).
        if len(self._inputs) == 1 and len(self._outputs) == 1 and type(self).call is Functional.call \
                and not tree.is_nested(self._outputs_struct) and self._inputs[0].dtype != "string":
            self._plans_dtype = np.dtype(self._inputs[0].dtype)
        self._input_rank = len(self._inputs[0].shape)
        self.output_names = [x._keras_history.operation.name for x in self._outputs]
        if not trainable:
            self.trainable = False

    # ------------------------------------------------------------------------------------------
    # Structure

    @property
    def operations(self):
        """The graph's layers and ops, inputs first, in Keras' order."""
        return list(self._operations)

    @property
    def layers(self):
        """The graph's layers (the ops recorded from `x + y` and the like excluded)."""
        return [op for op in self._operations if not isinstance(op, Operation)]

    def _sublayers(self):
        if "_operations" not in vars(self):  # during Layer.__init__
            return []
        return self.layers

    @property
    def inputs(self):
        return list(self._inputs)

    @property
    def outputs(self):
        return list(self._outputs)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_names(self):
        return [x._keras_history.operation.name for x in self._inputs]

    @property
    def input_shape(self):
        return _unpack_singleton([x.shape for x in self._inputs])

    @property
    def output_shape(self):
        return _unpack_singleton([x.shape for x in self._outputs])

    def layer_output_shapes(self):
        return [last_call_shapes(layer) for layer in self.layers]

    # ------------------------------------------------------------------------------------------
    # Computation

    def call(self, inputs, training=None, mask=None):
        if type(inputs) is np.ndarray and inputs.dtype is self._plans_dtype and mask is None \
                and (training is None or training is False) and not tape.recording() \
                and inputs.ndim == self._input_rank:
            return self._infer_planned(inputs, False)
        return self._infer_checked(inputs, training, False)

    def _infer_checked(self, inputs, training, checked):
        """The graph run node by node, each layer called as the graph records it (each reads
        `training` from the call context: the two arguments are Sequential's, unused here)."""
        return _unpack_singleton(self._run_through_graph(self._standardize_inputs(inputs)))

    def _plan(self, x, checked):
        """The general runner on `x`, keeping the plan of its shape (see `Model._run_plan`):
        each node's layer's `_inference_step` on the values of the node's inputs, if every node
        is a layer called on one tensor or on a list of tensors and nothing else (the
        arguments a step takes), whose `forward` would get training False from this call
        whether the model's `training` is False or None (its default is False), that took the
        values as they came (arrays of its dtype; `_conform_input` returning a lone one
        itself) and made one array of the shape its `compute_output_shape` gives; `NO_PLAN`
        otherwise."""
        slots, steps = {id(self._inputs[0]): 0}, []  # slots: each tensor's place in the plan

        def call(node, args, kwargs):
            nonlocal steps
            outputs = node.operation(*args, **kwargs)
            if steps is not None:
                step = _node_step(node, args, outputs, slots)
                if step is None:
                    steps = None
                else:
                    slots[id(node.outputs[0])] = len(slots)
                    steps.append(step)
            return outputs

        outputs = self._run_through_graph(self._standardize_inputs(x), call)
        output = None if steps is None else slots.get(id(self._outputs[0]))
        self._keep_plan(x.shape, None if output is None else _graph_plan(tuple(steps), output))
        return _unpack_singleton(outputs)

    def _call_unchecked(self, inputs):
        return self.call(inputs)

    def _run_through_graph(self, flat_inputs, call=None):
        """The outputs' values from the inputs' values, node by node from the deepest; every
        value lives in this call's own dict. `call(node, args, kwargs)`, if given, computes a
        node's outputs from its arguments (instead of calling its operation)."""
        values = {id(x): y for x, y in zip(self._inputs, flat_inputs)}
        for node in self._nodes_in_order:
            if node.is_input or any(id(x) not in values for x in node.input_tensors):
                continue
            args, kwargs = node.fill_in(values)
            if call is None:
                outputs = node.operation(*args, **kwargs)
            else:
                outputs = call(node, args, kwargs)
            for x, y in zip(node.outputs, tree.flatten(outputs)):
                values[id(x)] = y
        flat = []
        for path, x in zip(_paths(self._outputs_struct), self._outputs):
            if id(x) not in values:
                raise ValueError(f"Output with path `{path}` is not connected to `inputs`")
            flat.append(values[id(x)])
        return tree.pack_sequence_as(self._outputs_struct, flat)

    @property
    def _takes_strings(self):
        # Strings pass to the graph when an Input is declared as strings (for the lookups and
        # vectorizers it feeds); the graph's layers check their own inputs.
        return any(x.dtype == "string" for x in self._inputs)

    def _standardize_inputs(self, inputs):
        """The call's inputs as a flat list in the order of `self.inputs`, each in its Input's
        dtype and adjusted to its rank as Keras 3 does (a trailing axis of 1 dropped or added)."""
        struct = self._inputs_struct
        if isinstance(inputs, dict) and not isinstance(struct, dict):
            names = [x.name for x in self._inputs]
            if not set(names) <= set(inputs):
                raise ValueError(
                    "The structure of `inputs` doesn't match the expected structure.\nExpected: "
                    f"{tree.map_structure(lambda x: x.name, struct)}\nReceived: inputs="
                    f"{sorted(inputs)}"
                )
            flat = [inputs[name] for name in names]
        else:
            flat = tree.flatten(inputs)
        if len(flat) != len(self._inputs):
            raise ValueError(
                f"Layer \"{self.name}\" expects {len(self._inputs)} input(s), but it received "
                f"{len(flat)} input tensors. Inputs received: {inputs}"
            )
        return [self._adjust_input(x, ref) for x, ref in zip(flat, self._inputs)]

    def _adjust_input(self, x, ref):
        if isinstance(x, KerasTensor):
            return x
        x = _as_input_dtype(x, ref.dtype)
        rank, expected = len(x.shape), len(ref.shape)
        if rank == expected:
            return x
        if rank == expected + 1 and x.shape[-1] == 1:
            return x[..., 0]
        if rank == expected - 1 and ref.shape[-1] == 1:
            return x[..., None]
        raise ValueError(
            f"Invalid input shape for input {x} with name '{ref.name}'. Expected shape "
            f"{ref.shape}, but input has incompatible shape {tuple(x.shape)}"
        )

    def compute_output_shape(self, input_shape):
        from minikeras.layers import node as graph

        shapes = input_shape
        if isinstance(shapes, dict):
            shapes = [shapes[x.name] for x in self._inputs]
        flat_shapes = _flat_shapes(shapes)
        if all(tuple(s) == x.shape for s, x in zip(flat_shapes, self._inputs)):
            return _unpack_singleton(tree.map_structure(lambda x: x.shape, self._outputs_struct))
        specs = [KerasTensor(s, x.dtype) for s, x in zip(flat_shapes, self._inputs)]
        outputs = self._run_through_graph(
            specs, lambda node, args, kwargs: graph.output_spec(node.operation, args, kwargs)
        )
        return _unpack_singleton(tree.map_structure(lambda x: x.shape, outputs))

    # ------------------------------------------------------------------------------------------
    # Config

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable}
        # A layer's kept nodes are renumbered among those this model owns (Keras' rule: a
        # nested Functional counts from 1, its own graph being node 0 in Keras' numbering).
        reindexed = {}
        for operation in self._operations:
            kept = 1 if isinstance(operation, Functional) else 0
            for index, _ in enumerate(operation._inbound_nodes):
                if (id(operation), index) in self._nodes:
                    reindexed[(id(operation), index)] = kept
                    kept += 1
        layer_configs = []
        for operation in self._operations:
            nodes = [
                serialize_node(node, self._nodes)
                for index, node in enumerate(operation._inbound_nodes)
                if (id(operation), index) in self._nodes and not node.is_input
            ]
            entry = registry.serialize(operation)
            entry["name"] = operation.name
            entry["inbound_nodes"] = nodes
            layer_configs.append(entry)
        config["layers"] = layer_configs

        def tensor_config(tensor):
            operation, node_index, tensor_index = tensor._keras_history
            return [operation.name, reindexed[(id(operation), node_index)], tensor_index]

        config["input_layers"] = tree.map_structure(tensor_config, self._inputs_struct)
        config["output_layers"] = tree.map_structure(tensor_config, self._outputs_struct)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return functional_from_config(cls, config, custom_objects)

    def __repr__(self):
        return f"<Functional name={self.name}, built={self.built}>"


# ----------------------------------------------------------------------------------------------
# The graph


def _node_step(node, args, outputs, slots):
    """`(step, reads)` of a plan for `node`'s call on `args` that gave `outputs`: its layer's
    `_inference_step` and the slot of its input (or the slots of its list of inputs) among the
    plan's values; None if the call is not one a step makes (see `Functional._plan`)."""
    layer = node.operation
    if node.kwargs or len(node.args) != 1 or type(outputs) is not np.ndarray \
            or len(node.outputs) != 1 or layer._call_takes_training \
            and layer._default_training is not False:
        return None
    step = layer._inference_step()
    if step is None:
        return None
    (arg,), (value,) = node.args, args
    if node._only_tensor is not None:
        if type(value) is not np.ndarray or value.dtype != layer._np_dtype \
                or layer._conform_input(value) is not value:
            return None
        reads, shape = slots.get(id(arg)), value.shape
    elif type(arg) is list and arg and all(isinstance(x, KerasTensor) for x in arg):
        if type(value) is not list or any(
                type(v) is not np.ndarray or v.dtype != layer._np_dtype for v in value):
            return None
        reads = tuple(slots.get(id(x)) for x in arg)
        if None in reads:
            return None
        shape = [v.shape for v in value]
    else:
        return None
    if reads is None or static_shape(layer, shape) != outputs.shape:
        return None
    return step, reads


def _graph_plan(steps, output):
    """A functional model's plan: each node's step on the values of its inputs (`reads`: a
    slot, or a tuple of slots for a list), its output appended; the model's output is the
    value in slot `output`."""
    def run(x):
        values = [x]
        for step, reads in steps:
            values.append(step(values[reads]) if type(reads) is int
                          else step([values[slot] for slot in reads]))
        return values[output]

    return run


def _no_values(node, args, kwargs):
    return [None] * len(node.outputs)


def _paths(structure, prefix=()):
    """Keras' paths of a structure's leaves, in flat order: `0`, `1.key`, `` for a leaf."""
    if isinstance(structure, dict):
        return [p for key in sorted(structure) for p in _paths(structure[key], (*prefix, key))]
    if isinstance(structure, (list, tuple)):
        return [p for i, item in enumerate(structure) for p in _paths(item, (*prefix, i))]
    return [".".join(str(p) for p in prefix)]


def _check_tensors(what, structure):
    for x in tree.flatten(structure):
        if not isinstance(x, KerasTensor):
            raise ValueError(
                f"All `{what}` values must be KerasTensors. Received: {what}={structure} "
                f"including invalid value {x} of type {type(x)}"
            )


def _is_input_tensor(x):
    operation, node_index, _ = x._keras_history
    return operation._inbound_nodes[node_index].is_input


def _unpack_singleton(x):
    return x[0] if isinstance(x, (list, tuple)) and len(x) == 1 else x


def _flat_shapes(shapes):
    if isinstance(shapes, (list, tuple)) and shapes and isinstance(shapes[0], (list, tuple)):
        return [tuple(s) for s in shapes]
    return [tuple(shapes)]


def _as_input_dtype(x, dtype):
    if type(x) is tape.Node:  # traced: the call converted it already
        return x
    array = np.asarray(x)
    return array if array.dtype == dtype or array.dtype.kind not in "fiub" else array.astype(dtype)


def last_call_shapes(operation):
    """The output shape of `operation`'s last call on symbolic tensors (a list of shapes for
    several outputs; None if never called), what Keras 3's summary shows."""
    if not operation._inbound_nodes:
        return None
    shapes = [x.shape for x in operation._inbound_nodes[-1].outputs]
    return shapes[0] if len(shapes) == 1 else shapes


def map_graph(inputs, outputs):
    """`(nodes, nodes_by_depth, operations)` of the graph from `inputs` to `outputs`: the keys
    `(id(operation), node_index)` of its nodes, its nodes by depth (outputs at depth 0), and
    its operations from the inputs on, ties broken by the order a depth-first walk meets them.
    """
    ordered, traversal_index = _build_map(inputs, outputs)
    in_graph = set(map(id, ordered))
    keys = {(id(n.operation), n.operation._inbound_nodes.index(n)) for n in ordered}
    node_depth, operation_depth = {}, {}
    for node in reversed(ordered):
        depth = max(node_depth.setdefault(id(node), 0), operation_depth.get(node.operation, 0))
        operation_depth[node.operation] = node_depth[id(node)] = depth
        for parent in node.parent_nodes:
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    nodes_of = {id(n): n for n in ordered}
    for x in inputs:
        operation, node_index, _ = x._keras_history
        if operation not in operation_depth:
            node = operation._inbound_nodes[node_index]
            if node.is_input:
                operation_depth[operation] = 0
                traversal_index[operation] = -1
                node_depth[id(node)] = 0
                nodes_of[id(node)] = node
                keys.add((id(operation), node_index))
    nodes_by_depth = collections.defaultdict(list)
    for key, depth in node_depth.items():
        nodes_by_depth[depth].append(nodes_of[key])
    operations_by_depth = collections.defaultdict(list)
    for operation, depth in operation_depth.items():
        operations_by_depth[depth].append(operation)
    operations = []
    for depth in sorted(operations_by_depth, reverse=True):
        operations.extend(sorted(operations_by_depth[depth], key=traversal_index.__getitem__))
    _check_connected(inputs, nodes_by_depth)
    names = [operation.name for operation in operations]
    for name in names:
        if names.count(name) != 1:
            raise ValueError(
                f'The name "{name}" is used {names.count(name)} times in the model. All '
                "operation names should be unique."
            )
    return keys, dict(nodes_by_depth), operations


def _check_connected(inputs, nodes_by_depth):
    computable = set(map(id, inputs))
    accessed = []
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            for x in node.input_tensors:
                if id(x) not in computable:
                    raise ValueError(
                        f"Graph disconnected: cannot find parent for tensor {x} at operation "
                        f"'{node.operation}'. The following previous operations were accessed "
                        f"without issue: {accessed}"
                    )
                accessed.append(node.operation.name)
            computable.update(map(id, node.outputs))


def _build_map(inputs, outputs):
    """The nodes leading from `inputs` to `outputs`, each after its parents (Keras' depth-first
    walk), and each operation's index in the order the walk first meets it."""
    finished, in_progress, ordered, traversal_index = set(), set(), [], {}
    input_ids = set(map(id, inputs))

    def visit(tensor):
        operation, node_index, _ = tensor._keras_history
        if operation is None:
            return
        node = operation._inbound_nodes[node_index]
        if id(node) in finished:
            return
        if not node.is_input and id(tensor) in input_ids:
            finished.add(id(node))
            return
        if id(node) in in_progress:
            raise ValueError(
                f"Tensor {tensor} from operation '{operation.name}' is part of a cycle."
            )
        traversal_index.setdefault(operation, len(traversal_index))
        in_progress.add(id(node))
        if not node.is_input:
            for x in node.input_tensors:
                visit(x)
        finished.add(id(node))
        in_progress.discard(id(node))
        ordered.append(node)

    for output in tree.flatten(outputs):
        visit(output)
    return ordered, traversal_index


def clone_graph_nodes(inputs, outputs):
    """New inputs and outputs for a model cut out of a graph at tensors that are not `Input`s
    (Keras' `clone_graph_nodes`): a fresh `Input` stands for each such tensor and every node
    in between is recorded again on its layer."""
    nodes, _ = _build_map(tree.flatten(inputs), outputs)
    swapped, replaced_operations = {}, {}
    cloned_inputs = []
    for x in tree.flatten(inputs):
        if _is_input_tensor(x):
            cloned_inputs.append(x)
            swapped[id(x)] = x
            continue
        clone = Input(batch_shape=x.shape, dtype=x.dtype, name=f"{x.name}CLONE")
        cloned_inputs.append(clone)
        swapped[id(x)] = clone
        replaced_operations[id(x._keras_history.operation)] = clone._keras_history.operation
    cloned_outputs = []
    for x in tree.flatten(outputs):
        copy = KerasTensor(x.shape, x.dtype, name=f"{x.name}_clone")
        copy._keras_history = x._keras_history
        cloned_outputs.append(copy)
        swapped[id(x)] = copy

    def clone(structure):
        def swap(x):
            if not isinstance(x, KerasTensor):
                return x
            if id(x) not in swapped:
                swapped[id(x)] = KerasTensor(x.shape, x.dtype, name=f"{x.name}_clone")
            return swapped[id(x)]

        return tree.map_structure(swap, structure)

    for node in nodes:
        operation = replaced_operations.get(id(node.operation), node.operation)
        outputs_copy = clone(node.outputs)
        if isinstance(operation, InputLayer):
            Node(operation, (), {}, outputs_copy)
        else:
            Node(operation, clone(list(node.args)), clone(node.kwargs), outputs_copy)
    return (tree.pack_sequence_as(inputs, cloned_inputs),
            tree.pack_sequence_as(outputs, cloned_outputs))


# ----------------------------------------------------------------------------------------------
# Node configs: Keras 3's dicts and Keras 2's lists, both written and read


def serialize_node(node, own_nodes):
    """A node's `{"args": ..., "kwargs": ...}`, its tensors' node indices counted among the
    nodes `own_nodes` holds."""
    def tensor_config(x):
        operation, node_index, tensor_index = x._keras_history
        skipped = sum(
            1 for i in range(node_index) if (id(operation), i) not in own_nodes
        )
        return {
            "class_name": "__keras_tensor__",
            "config": {
                "shape": list(x.shape),
                "dtype": x.dtype,
                "keras_history": [operation.name, node_index - skipped, tensor_index],
            },
        }

    return {
        "args": _serialize_argument(list(node.args), tensor_config),
        "kwargs": _serialize_argument(node.kwargs, tensor_config),
    }


def _serialize_argument(value, tensor_config):
    if isinstance(value, KerasTensor):
        return tensor_config(value)
    if isinstance(value, (list, tuple)):
        return [_serialize_argument(v, tensor_config) for v in value]
    if isinstance(value, dict):
        return {k: _serialize_argument(v, tensor_config) for k, v in value.items()}
    if isinstance(value, slice):
        return {"class_name": "__slice__", "config": {
            "start": value.start, "stop": value.stop, "step": value.step}}
    if value is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(value, np.ndarray):
        return {"class_name": "__tensor__", "config": {
            "value": value.tolist(), "dtype": value.dtype.name}}
    if isinstance(value, np.generic):
        return value.item()
    return registry.serialize(value)


def _deserialize_argument(value, created_layers):
    if isinstance(value, list):
        return [_deserialize_argument(v, created_layers) for v in value]
    if not isinstance(value, dict):
        return value
    kind, config = value.get("class_name"), value.get("config")
    if kind == "__keras_tensor__":
        return _node_output(created_layers, *config["keras_history"])
    if kind == "__slice__":
        return slice(config["start"], config["stop"], config["step"])
    if kind == "__ellipsis__":
        return Ellipsis
    if kind in ("__tensor__", "__numpy__"):
        return np.asarray(config["value"], dtype=config.get("dtype"))
    if kind is None:
        return {k: _deserialize_argument(v, created_layers) for k, v in value.items()}
    return registry.deserialize_any(value)


def _node_output(created_layers, layer_name, node_index, tensor_index):
    """The output `tensor_index` of node `node_index` of layer `layer_name`; IndexError while
    that node is not made yet (the caller retries it later)."""
    if layer_name not in created_layers:
        raise ValueError(f"Invalid Functional model configuration. Missing node: {layer_name}")
    layer = created_layers[layer_name]
    if len(layer._inbound_nodes) <= node_index:
        raise IndexError(f"Layer node index out of bounds: {layer_name}[{node_index}]")
    return layer._inbound_nodes[node_index].outputs[tensor_index]


def _legacy_node_index(created_layers, layer_name, node_index):
    """Keras 2 numbers a nested model's calls from 1: its own graph is its node 0."""
    layer = created_layers.get(layer_name)
    return node_index - 1 if isinstance(layer, Model) and node_index > 0 else node_index


def deserialize_node(node_data, created_layers, layer=None):
    """`(args, kwargs)` of a node's call, from Keras 3's dict or Keras 2's list form."""
    if not node_data:
        return [], {}
    if isinstance(node_data, list):
        return _deserialize_legacy_node(node_data, created_layers, layer)
    args = _deserialize_argument(node_data.get("args", []), created_layers)
    kwargs = _deserialize_argument(node_data.get("kwargs", {}), created_layers)
    return args, kwargs


_CONSTANT_VALUE = "_CONSTANT_VALUE"  # Keras 2's layer name for a constant first argument


def _is_legacy_entry(value):
    return (isinstance(value, list) and len(value) in (3, 4) and isinstance(value[0], str)
            and isinstance(value[1], int) and (len(value) == 3 or isinstance(value[3], dict)))


def _deserialize_legacy_node(node_data, created_layers, layer):
    """A Keras 2 node: the first call argument's structure with `[layer, node, tensor,
    kwargs]` at each tensor (`[_CONSTANT_VALUE, -1, value, kwargs]` at a constant), the call's
    other arguments in `kwargs`. A single tensor is unwrapped from its list unless the layer
    keeps its input's structure (TFOpLambda)."""
    kwargs = {}

    def entry_value(entry):
        nonlocal kwargs
        if len(entry) == 4:
            kwargs = entry[3]
        if entry[0] == _CONSTANT_VALUE:
            return entry[2]
        index = _legacy_node_index(created_layers, entry[0], entry[1])
        return _node_output(created_layers, entry[0], index, entry[2])

    def walk(structure):
        if _is_legacy_entry(structure):
            return entry_value(structure)
        if isinstance(structure, list):
            return [walk(item) for item in structure]
        if isinstance(structure, dict):
            return {key: walk(item) for key, item in structure.items()}
        raise ValueError("Cannot deserialize the model (invalid config data?)")

    inputs = walk(node_data)
    if not getattr(layer, "_preserve_input_structure_in_config", False):
        inputs = _unpack_singleton(inputs)
    return [inputs], _legacy_kwargs(kwargs, created_layers)


def _legacy_kwargs(kwargs, created_layers):
    """Keras 2 call kwargs; a tensor among them (at any depth) is `[layer, node, tensor]`."""
    def convert(value):
        if (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
                and value[0] in created_layers and isinstance(value[1], int)):
            index = _legacy_node_index(created_layers, value[0], value[1])
            return _node_output(created_layers, value[0], index, value[2])
        if isinstance(value, list):
            return [convert(item) for item in value]
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        return value

    return {k: convert(v) for k, v in (kwargs or {}).items()}


def keras2_config(model, layer_entry):
    """`model`'s config as tf_keras writes it (`inbound_nodes` lists, Keras 2's node numbers:
    a nested model's own graph is its node 0; ops as TFOpLambda layers). `layer_entry(layer)`
    gives a layer's Keras 2 `{class_name, config}`."""
    from minikeras.layers.core import tf_op_layer

    def history(x):
        operation, node_index, tensor_index = x._keras_history
        kept = [i for i in range(len(operation._inbound_nodes))
                if (id(operation), i) in model._nodes]
        return [operation.name, kept.index(node_index) + isinstance(operation, Model),
                tensor_index]

    def references(value):
        if isinstance(value, KerasTensor):
            return history(value)
        if isinstance(value, (list, tuple)):
            return [references(v) for v in value]
        if isinstance(value, dict):
            return {k: references(v) for k, v in value.items()}
        return value.tolist() if isinstance(value, (np.ndarray, np.generic)) else value

    def first_argument(structure, kwargs, wrap):
        def leaf(x):
            if isinstance(x, KerasTensor):
                return [*history(x), kwargs]
            return [_CONSTANT_VALUE, -1, references(x), kwargs]

        if isinstance(structure, (list, tuple)):
            return [leaf(x) for x in structure]
        if isinstance(structure, dict):
            return {k: leaf(x) for k, x in structure.items()}
        return [leaf(structure)] if wrap else leaf(structure)

    # tf_keras carries masks beside the graph: the mask kwargs and the ops computing them
    # (Embedding's NotEqual, ...) are left out.
    needed = set()
    pending = list(model._outputs)
    while pending:
        operation, node_index, _ = pending.pop()._keras_history
        node = operation._inbound_nodes[node_index]
        if id(node) not in needed:
            needed.add(id(node))
            pending += [x for x in tree.flatten((node.args, _without_mask(node.kwargs)))
                        if isinstance(x, KerasTensor)]
    layers = []
    for operation in model._operations:
        nodes = [node for index, node in enumerate(operation._inbound_nodes)
                 if (id(operation), index) in model._nodes and not node.is_input
                 and id(node) in needed]
        if not nodes and not isinstance(operation, InputLayer):
            continue
        node_configs = []
        if isinstance(operation, Operation):
            for node in nodes:
                class_name, function, first, kwargs = tf_op_layer.keras2_form(
                    operation, node.args)
                node_configs.append(first_argument(first, references(kwargs), wrap=False))
            entry = {"class_name": class_name, "config": {
                "name": operation.name, "trainable": True, "dtype": "float32",
                "function": function}}
        else:
            for node in nodes:
                kwargs = _keras2_keywords(operation, node.args, node.kwargs)
                node_configs.append(first_argument(node.args[0], references(kwargs), wrap=True))
            entry = layer_entry(operation)
        layers.append({**entry, "name": operation.name, "inbound_nodes": node_configs})

    def ends(structure):
        listed = tree.map_structure(history, structure)
        return listed if isinstance(structure, (list, tuple, dict)) else [listed]

    # A subclass is written under its own name, as tf_keras does (loaded by `custom_objects`).
    class_name = "Functional" if type(model) is Functional else type(model).__name__
    return {"class_name": class_name, "config": {
        "name": model.name, "trainable": model.trainable, "layers": layers,
        "input_layers": ends(model._inputs_struct), "output_layers": ends(model._outputs_struct)}}


def _without_mask(kwargs):
    return {k: v for k, v in kwargs.items() if k != "mask"}


def _keras2_keywords(layer, args, kwargs):
    """A call's arguments after the first as keywords, as tf_keras records them: its nodes keep
    only the first argument positional (`mha(x, x)` is `x` with `{"value": x}`)."""
    cls = type(layer)
    call = cls.forward if cls.call is Layer.call else cls.call
    names = list(inspect.signature(call).parameters)[2:]  # past `self` and the first argument
    return {**dict(zip(names, args[1:])), **_without_mask(kwargs)}


_preparation = threading.local()


@contextlib.contextmanager
def preparing_layers(prepare):
    """Within it, `functional_from_config` hands each layer it creates to `prepare` before
    calling it on the graph's tensors (the loader's placeholder weights: a planned model is
    built without allocating what its config declares)."""
    outer = getattr(_preparation, "prepare", None)
    _preparation.prepare = prepare
    try:
        yield
    finally:
        _preparation.prepare = outer


def functional_from_config(cls, config, custom_objects=None):
    """A Functional model from its config: the layers first, then their calls, in order of the
    layers, a call whose inputs do not exist yet (a layer shared at several depths) retried
    after the others, until all are made (Keras' algorithm)."""
    prepare = getattr(_preparation, "prepare", None)
    config = dict(config)
    layer_entries = config.pop("layers")
    input_layers, output_layers = config.pop("input_layers"), config.pop("output_layers")
    name, trainable = config.pop("name", None), config.pop("trainable", True)
    created, pending = {}, {}
    legacy = any(isinstance(node, list) for entry in layer_entries if isinstance(entry, dict)
                 for node in entry.get("inbound_nodes", []))
    for entry in layer_entries:
        if not isinstance(entry, dict):
            raise ValueError(f"Invalid Functional model configuration: layer entry {entry!r}")
        entry = dict(entry)
        nodes = entry.pop("inbound_nodes", [])
        layer_name = entry.pop("name", None) or entry.get("config", {}).get("name")
        # Planned (a loader's check): the layer builds from its build_config only once
        # `prepare` has given it placeholder weights, which take no memory.
        build_config = entry.pop("build_config", None) if prepare is not None else None
        layer = registry.deserialize("layer", entry, custom_objects)
        if not isinstance(layer, Layer):
            raise ValueError(
                "Unexpected object from deserialization, expected a layer or operation, got a "
                f"{type(layer)}"
            )
        if prepare is not None:
            prepare(layer)
            if isinstance(build_config, dict):
                layer.build_from_config(build_config)
        created[layer_name] = layer
        pending[layer_name] = list(nodes)
    while any(pending.values()):
        progressed = False
        for layer_name, nodes in pending.items():
            done = 0
            for node_data in nodes:
                try:
                    args, kwargs = deserialize_node(node_data, created, created[layer_name])
                except IndexError:
                    break
                created[layer_name](*args, **kwargs)
                done += 1
            if done:
                progressed = True
                pending[layer_name] = nodes[done:]
        if not progressed:
            raise ValueError(
                "Invalid Functional model configuration. The graph of the Functional model "
                "either has loops or disconnected nodes. The following nodes failed to be "
                f"resolved: {[k for k, v in pending.items() if v]}"
            )

    def tensor(layer_name, node_index, tensor_index):
        layer = created.get(layer_name)
        if layer is None:
            raise ValueError(f"Invalid Functional model configuration: no layer '{layer_name}'.")
        if isinstance(layer, Functional) or (legacy and isinstance(layer, Model)):
            node_index -= 1  # a nested model's own graph counts as its node 0
        return layer._inbound_nodes[node_index].outputs[tensor_index]

    def tensors(structure):
        if (isinstance(structure, list) and len(structure) == 3
                and isinstance(structure[0], str)):
            return tensor(*structure)
        if isinstance(structure, dict):
            return {k: tensors(v) for k, v in structure.items()}
        return [tensors(v) for v in structure]

    config.pop("dtype", None)
    return cls(inputs=tensors(input_layers), outputs=tensors(output_layers), name=name,
               trainable=trainable if trainable is not None else True, **config)


def clone_functional(model, input_tensors=None, clone_function=None):
    """A new Functional model of the same graph: each layer cloned once by `clone_function`
    (default: from its config, fresh weights; a shared layer stays shared), the ops reused,
    new `Input`s unless `input_tensors` are given (Keras' `clone_model`)."""
    clone_function = clone_function or (lambda layer: type(layer).from_config(layer.get_config()))
    if input_tensors is None:
        input_tensors = [Input(batch_shape=x.shape, dtype=x.dtype, name=x.name)
                         for x in model.inputs]
    clones = {}

    def call(node, args, kwargs):
        operation = node.operation
        if not isinstance(operation, Operation) and id(operation) not in clones:
            clones[id(operation)] = clone_function(operation)
        return clones.get(id(operation), operation)(*args, **kwargs)

    outputs = model._run_through_graph(tree.flatten(input_tensors), call)
    inputs = tree.pack_sequence_as(model._inputs_struct, tree.flatten(input_tensors))
    return Functional(inputs, outputs, name=model.name, trainable=model.trainable)


__all__ = ["Functional", "KerasHistory", "clone_functional"]
