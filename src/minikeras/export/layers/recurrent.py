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


def _run_cell(layer, graph, cell, x, states, lengths=""):
    """One cell over time-major `x` (the first `lengths` steps of each sample, if given):
    `(sequence, final states)`, states `[h]` or `[h, c]`."""
    op_type, kernel, recurrent, bias, attributes = _cell_operator(layer, cell)
    prefix = f"{layer.name}/{cell.name}"
    inputs = [x, graph.constant(kernel, f"{prefix}/kernel"),
              graph.constant(recurrent, f"{prefix}/recurrent_kernel"),
              graph.constant(bias, f"{prefix}/bias"), lengths]
    inputs.extend(graph.op("Unsqueeze", s, graph.axes(0)) for s in states)
    outputs = graph.op(op_type, *inputs, outputs=3 if op_type == "LSTM" else 2, **attributes)
    sequence = graph.op("Squeeze", outputs[0], graph.axes(1))  # (steps, batch, units)
    finals = [graph.op("Squeeze", final, graph.axes(0)) for final in outputs[1:]]
    return sequence, finals


def _reverse_time(graph, x, axis):
    return graph.slice(x, [axis], [-1], [-TO_THE_END], [-1])


class _Compacted:
    """A Keras mask over time-major steps, as ONNX's recurrent operators can follow it.

    Keras skips a masked step (the states stay, the output repeats the previous one), which
    ONNX's `sequence_lens` does only for steps after a sample's end. So each sample's kept
    steps are moved to the front, in order (`ScatterElements` by their rank among the kept,
    the others after them), the operators run `lengths` steps, and each step's output is read
    back from the compacted outputs at the rank of the last kept step so far.
    """

    def __init__(self, graph, mask):
        self.graph = graph
        int64 = graph.onnx.TensorProto.INT64
        kept = graph.op("Cast", graph.op("Transpose", mask, perm=[1, 0]), to=int64)  # (T, B)
        self.kept = kept
        self.rank = graph.op("CumSum", kept, graph.ints([0], "axis"))  # kept steps so far
        self.count = graph.op("ReduceSum", kept, graph.axes(0), keepdims=0)  # (B,)
        steps = graph.op("CumSum", graph.op("Add", graph.op("Sub", kept, kept),
                                            graph.ints([1], "one")), graph.ints([0], "axis"))
        one = graph.ints([1], "one")
        skipped = graph.op("Sub", steps, self.rank)
        self.target = graph.op("Where", graph.op("Cast", kept, to=graph.onnx.TensorProto.BOOL),
                               graph.op("Sub", self.rank, one),
                               graph.op("Sub", graph.op("Add", self.count, skipped), one))
        # onnxruntime wants every length positive: a sample with no kept step runs one
        # (ignored) step, and its outputs and states are reset below.
        self.lengths = graph.op("Cast", graph.op("Max", self.count, one),
                                to=graph.onnx.TensorProto.INT32)
        self.any_kept = graph.op("Unsqueeze", graph.op("Greater", self.count,
                                                       graph.ints([0], "zero")), graph.axes(1))

    def compact(self, x):
        index = self.graph.op("Expand", self.graph.op("Unsqueeze", self.target,
                                                      self.graph.axes(-1)),
                              self.graph.op("Shape", x))
        return self.graph.op("ScatterElements", x, index, x, axis=0)

    def final(self, value, otherwise):
        """A sample's final state (or output), `otherwise` where it kept no step."""
        return self.graph.op("Where", self.any_kept, value, otherwise)

    def sequence(self, outputs, zero_output_for_mask):
        """Each step's output from the compacted `outputs` (T, B, units)."""
        graph = self.graph
        rank = graph.op("Max", graph.op("Sub", self.rank, graph.ints([1], "one")),
                        graph.ints([0], "zero"))
        index = graph.op("Expand", graph.op("Unsqueeze", rank, graph.axes(-1)),
                         graph.op("Shape", outputs))
        y = graph.op("GatherElements", outputs, index, axis=0)
        seen = self.kept if zero_output_for_mask else self.rank
        shown = graph.op("Unsqueeze", graph.op("Greater", seen, graph.ints([0], "zero")),
                         graph.axes(-1))
        return graph.op("Where", shown, y, graph.constant(0.0))


@register_converter(layers.RNN, takes_mask=True)
def _rnn(layer, graph, sequences, initial_state=None, mask=None):
    cells = _fused_cells(layer.cell)
    if cells is None:
        raise cannot_export(layer, "only SimpleRNN, LSTM and GRU cells (alone or in "
                                   "StackedRNNCells) are exported")
    if layer.stateful:
        raise cannot_export(layer, "a stateful RNN keeps its states between calls, which an "
                                   "ONNX graph cannot")
    x = sequences if layer.time_major else graph.op("Transpose", sequences, perm=[1, 0, 2])
    input_mask = mask
    if layer.go_backwards:
        x = _reverse_time(graph, x, 0)
        mask = None if mask is None else _reverse_time(graph, mask, 1)
    flat_states = [] if initial_state is None else tree.flatten(initial_state)
    states_per_cell = _per_cell(cells, flat_states) if flat_states else [[] for _ in cells]
    compacted = None if mask is None else _Compacted(graph, mask)
    if compacted is not None:
        x = compacted.compact(x)
    finals = []
    for cell, states in zip(cells, states_per_cell):
        x, cell_finals = _run_cell(layer, graph, cell, x, states,
                                   "" if compacted is None else compacted.lengths)
        if compacted is not None:
            cell_finals = [compacted.final(f, s if states else graph.constant(0.0))
                           for f, s in zip(cell_finals, states or cell_finals)]
        finals.extend(cell_finals)
    if layer.return_sequences:
        if compacted is not None:
            x = compacted.sequence(x, layer.zero_output_for_mask)
        output = x if layer.time_major else graph.op("Transpose", x, perm=[1, 0, 2])
    else:
        output = cell_finals[0]  # the last cell's h
        if compacted is not None:
            output = compacted.final(output, graph.constant(0.0))
    output = graph.op("Identity", output, hint=layer.name)
    if mask is not None and layer.return_sequences:  # Keras' rule: the input's mask
        graph.masks[output] = input_mask
    return [output, *finals] if layer.return_state else output


@register_converter(layers.Bidirectional, takes_mask=True)
def _bidirectional(layer, graph, sequences, initial_state=None, mask=None):
    # The inner layers find the sequences' mask themselves.
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
    if mask is not None and layer.return_sequences:
        for y in output:
            graph.masks[y] = mask
    result = [*output, *states]
    return result if len(result) > 1 else result[0]


@register_converter(layers.TimeDistributed, takes_mask=True)
def _time_distributed(layer, graph, x, mask=None):
    """The inner layer on `(batch * steps, ...)`, its outputs split back into batch, steps;
    a mask travels on (to an inner layer that takes none)."""
    if mask is not None and layer.layer._call_takes_mask:
        raise cannot_export(layer, "the mask of its input is not exported into "
                                   f"{type(layer.layer).__name__}")
    shape = graph.shape(x)
    inner_shape = (None, *shape[2:])
    # Sizes read at run time (any may be unknown at export): (batch * steps, ...) in, and
    # the output's (batch, steps, ...) back.
    merged = graph.op("Reshape", x, graph.op("Concat", graph.ints([-1], "merged"),
                                             graph.dims(x, 2, len(shape)), axis=0))
    graph.shapes[merged] = inner_shape
    y = convert_layer(layer.layer, graph, merged)
    out_rank = len(layer.layer.compute_output_shape(inner_shape))
    y = graph.op("Reshape", y, graph.op("Concat", graph.dims(x, 0, 2),
                                        graph.dims(y, 1, out_rank), axis=0))
    if mask is not None:
        graph.masks[y] = mask
    return y
