"""Converters of the recurrent layers: SimpleRNN, LSTM and GRU (and RNN over their cells,
stacked or not) as ONNX's `RNN`, `LSTM` and `GRU` operators, their gates reordered from
Keras' (LSTM: i f c o to ONNX's i o f c; GRU's z r h is ONNX's, `reset_after` its
`linear_before_reset`); Bidirectional and TimeDistributed around them."""

import numpy as np

from minikeras import activations, layers, tree
from minikeras.export.graph import TO_THE_END, cannot_export, convert_layer, register_converter
from minikeras.layers.rnn.rnn import _fused_cells, _per_cell

# Keras activation -> (ONNX's name in the recurrent operators, its alpha and beta if any).
_RECURRENT_ACTIVATIONS = {
    activations.tanh: ("Tanh", ()),
    activations.sigmoid: ("Sigmoid", ()),
    activations.relu: ("Relu", ()),
    activations.linear: ("Affine", (1.0, 0.0)),
    activations.hard_sigmoid: ("HardSigmoid", (1 / 6, 0.5)),
    activations._keras2_hard_sigmoid: ("HardSigmoid", (0.2, 0.5)),
    activations.softsign: ("Softsign", ()),
    activations.softplus: ("Softplus", ()),
    activations.elu: ("Elu", (1.0,)),
}


def _activation_attributes(layer, functions):
    names, alphas, betas = [], [], []
    for function in functions:
        if function not in _RECURRENT_ACTIVATIONS:
            name = getattr(function, "__name__", repr(function))
            raise cannot_export(layer, f"ONNX's recurrent operators have no activation {name!r}")
        onnx_name, parameters = _RECURRENT_ACTIVATIONS[function]
        names.append(onnx_name)
        alphas.extend(parameters[:1])
        betas.extend(parameters[1:])
    attributes = {"activations": names}
    if alphas:
        attributes["activation_alpha"] = alphas
    if betas:
        attributes["activation_beta"] = betas
    return attributes


def _lstm_order(matrix, units):
    """Keras' gate blocks i f c o (last axis) as ONNX's i o f c."""
    i, f, c, o = (matrix[..., k * units:(k + 1) * units] for k in range(4))
    return np.concatenate([i, o, f, c], axis=-1)


def _cell_operator(layer, cell):
    """`(op type, W, R, B, attributes)` of one cell, in ONNX's layouts."""
    units = cell.units
    kernel, recurrent = cell.kernel.numpy(), cell.recurrent_kernel.numpy()
    bias = cell.bias.numpy() if cell.bias is not None else None
    if isinstance(cell, layers.LSTMCell):
        op_type, gates = "LSTM", 4
        kernel, recurrent = _lstm_order(kernel, units), _lstm_order(recurrent, units)
        bias = None if bias is None else np.concatenate([_lstm_order(bias, units),
                                                         np.zeros_like(bias)])
        functions = [cell.recurrent_activation, cell.activation, cell.activation]
        attributes = {}
    elif isinstance(cell, layers.GRUCell):
        op_type, gates = "GRU", 3
        if bias is not None:
            bias = bias.reshape(-1) if cell.reset_after else np.concatenate(
                [bias, np.zeros_like(bias)])
        functions = [cell.recurrent_activation, cell.activation]
        attributes = {"linear_before_reset": int(cell.reset_after)}
    else:
        op_type, gates = "RNN", 1
        bias = None if bias is None else np.concatenate([bias, np.zeros_like(bias)])
        functions = [cell.activation]
        attributes = {}
    if bias is None:
        bias = np.zeros(2 * gates * units, kernel.dtype)
    attributes.update(_activation_attributes(layer, functions), hidden_size=units)
    return op_type, kernel.T[None], recurrent.T[None], bias[None], attributes


def _run_cell(layer, graph, cell, x, states):
    """One cell over time-major `x`: `(sequence, final states)`, states `[h]` or `[h, c]`."""
    op_type, kernel, recurrent, bias, attributes = _cell_operator(layer, cell)
    prefix = f"{layer.name}/{cell.name}"
    inputs = [x, graph.constant(kernel, f"{prefix}/kernel"),
              graph.constant(recurrent, f"{prefix}/recurrent_kernel"),
              graph.constant(bias, f"{prefix}/bias"), ""]
    inputs.extend(graph.op("Unsqueeze", s, graph.axes(0)) for s in states)
    outputs = graph.op(op_type, *inputs, outputs=3 if op_type == "LSTM" else 2, **attributes)
    sequence = graph.op("Squeeze", outputs[0], graph.axes(1))  # (steps, batch, units)
    finals = [graph.op("Squeeze", final, graph.axes(0)) for final in outputs[1:]]
    return sequence, finals


def _reverse_time(graph, x, axis):
    return graph.slice(x, [axis], [-1], [-TO_THE_END], [-1])


@register_converter(layers.RNN)
def _rnn(layer, graph, sequences, initial_state=None):
    cells = _fused_cells(layer.cell)
    if cells is None:
        raise cannot_export(layer, "only SimpleRNN, LSTM and GRU cells (alone or in "
                                   "StackedRNNCells) are exported")
    if layer.stateful:
        raise cannot_export(layer, "a stateful RNN keeps its states between calls, which an "
                                   "ONNX graph cannot")
    x = sequences if layer.time_major else graph.op("Transpose", sequences, perm=[1, 0, 2])
    if layer.go_backwards:
        x = _reverse_time(graph, x, 0)
    flat_states = [] if initial_state is None else tree.flatten(initial_state)
    states_per_cell = _per_cell(cells, flat_states) if flat_states else [[] for _ in cells]
    finals = []
    for cell, states in zip(cells, states_per_cell):
        x, cell_finals = _run_cell(layer, graph, cell, x, states)
        finals.extend(cell_finals)
    if layer.return_sequences:
        output = x if layer.time_major else graph.op("Transpose", x, perm=[1, 0, 2])
    else:
        output = cell_finals[0]  # the last cell's h
    if not layer.return_state:
        return graph.op("Identity", output, hint=layer.name)
    return [output, *finals]


@register_converter(layers.Bidirectional)
def _bidirectional(layer, graph, sequences, initial_state=None):
    forward_state = backward_state = None
    if initial_state is not None:
        half = len(initial_state) // 2
        forward_state, backward_state = list(initial_state[:half]), list(initial_state[half:])
    y = convert_layer(layer.forward_layer, graph, sequences, initial_state=forward_state)
    y_rev = convert_layer(layer.backward_layer, graph, sequences, initial_state=backward_state)
    states = []
    if layer.return_state:
        states = [*y[1:], *y_rev[1:]]
        y, y_rev = y[0], y_rev[0]
    if layer.return_sequences:
        y_rev = _reverse_time(graph, y_rev, 1)
    mode = layer.merge_mode
    if mode == "concat":
        output = [graph.op("Concat", y, y_rev, axis=-1, hint=layer.name)]
    elif mode == "sum":
        output = [graph.op("Add", y, y_rev, hint=layer.name)]
    elif mode == "ave":
        output = [graph.op("Mul", graph.op("Add", y, y_rev), graph.constant(0.5), hint=layer.name)]
    elif mode == "mul":
        output = [graph.op("Mul", y, y_rev, hint=layer.name)]
    else:
        output = [y, y_rev]
    result = [*output, *states]
    return result if len(result) > 1 else result[0]


@register_converter(layers.TimeDistributed)
def _time_distributed(layer, graph, x):
    """The inner layer on `(batch * steps, ...)`, its outputs split back into batch, steps."""
    shape = graph.shape(x)
    inner_shape = (None, *shape[2:])
    if None in shape[2:]:
        raise cannot_export(layer, "the sizes after the steps axis must be known")
    merged = graph.op("Reshape", x, graph.ints([-1, *shape[2:]], "shape"))
    graph.shapes[merged] = inner_shape
    y = convert_layer(layer.layer, graph, merged)
    out_shape = tuple(layer.layer.compute_output_shape(inner_shape))
    if None in out_shape[1:]:
        raise cannot_export(layer, "the inner layer's output sizes must be known")
    return graph.reshape_like(y, x, 2, out_shape[1:])
