"""The ONNX graph being written, and the registry of converters that write into it.

A converter turns one layer into ONNX nodes: `converter(layer, graph, x)` takes the name of
the layer's input in the graph and returns the name of its output. Converters are registered
by layer class (`register_converter(Dense)`); a new layer joins the export by registering
one, and reads only the layer's public attributes and `get_weights()`.
"""

import numpy as np

_CONVERTERS = {}


def register_converter(layer_class):
    """Decorator: the function converts layers of `layer_class` (and of its subclasses that
    keep its `call`)."""

    def register(converter):
        _CONVERTERS[layer_class] = converter
        return converter

    return register


def convert_layer(layer, graph, x):
    """Write `layer` applied to the graph value `x`; returns the output's name."""
    cls = next((c for c in type(layer).__mro__ if c in _CONVERTERS), None)
    # A subclass that computes something else (its own `call`) needs its own converter.
    if cls is None or type(layer).call is not cls.call:
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}) cannot be exported to ONNX: no "
            "converter is registered for its class. Register one with "
            f"`minikeras.export.register_converter({type(layer).__name__})`."
        )
    return _CONVERTERS[cls](layer, graph, x)


class Graph:
    """ONNX nodes and constants in the making, every value of the model's float type.

    Args:
        onnx: the `onnx` module.
        dtype: the numpy float type of the model's values.
    """

    def __init__(self, onnx, dtype):
        self.onnx = onnx
        self.dtype = np.dtype(dtype)
        self.nodes = []
        self.initializers = []
        self.shapes = {}  # value name -> shape (None for unknown axes), where converters set it
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
        return name

    def op(self, op_type, *inputs, outputs=1, hint=None, **attributes):
        """A node `op_type(*inputs)`; returns its output's name (a tuple for several)."""
        names = [self.name(hint or op_type.lower()) for _ in range(outputs)]
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), names, **attributes))
        return names[0] if outputs == 1 else tuple(names)

    def axes(self, *axes):
        """An int64 constant of axes, as the Reduce and Split operators take them."""
        return self.constant(list(axes), "axes", dtype=np.int64)
