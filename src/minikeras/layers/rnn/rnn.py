"""`RNN`: a cell run over the time axis of a sequence, and the base of SimpleRNN, LSTM and GRU.

With a built-in cell (or a `StackedRNNCells` of them) a call is one node of the tape: the loop
and backpropagation through time are written by hand (`recurrence`), the initial states given
with `initial_state` getting their gradients like the sequence. Any other cell is called step
by step, its operations recorded by the tape.

Masked steps (False in the mask of an `Embedding(mask_zero=True)`, a `Masking` layer or an
explicit `mask=`) leave a sample's states unchanged and repeat its previous output (zeros with
`zero_output_for_mask`), as Keras' rnn does.
"""

import numpy as np

from minikeras import ops, regularizers, tree
from minikeras.core import tape
from minikeras.layers.base import Layer
from minikeras.layers.rnn import recurrence
from minikeras.layers.rnn.cell import RecurrentCell, constructor_arguments
from minikeras.layers.rnn.stacked_rnn_cells import StackedRNNCells
from minikeras.saving import registry

# The arguments of SimpleRNN/LSTM/GRU that are the layer's own; the others are the cell's.
_LAYER_ARGUMENTS = frozenset({
    "return_sequences", "return_state", "go_backwards", "stateful", "unroll",
    "activity_regularizer", "time_major", "zero_output_for_mask", "name", "dtype", "trainable",
    "input_shape", "input_dim", "batch_input_shape", "batch_size", "autocast", "input_dtype",
})


def cell_arguments(arguments):
    """Split the constructor arguments of a built-in RNN layer (its `locals()`) into `(the
    cell's, the layer's)`. The cell shares the layer's dtype and trainability, and takes
    Keras 2's `implementation`; numpy has no cuDNN, so `use_cudnn` stays with the layer."""
    arguments = constructor_arguments(arguments, "use_cudnn")
    cell = {k: v for k, v in arguments.items() if k not in _LAYER_ARGUMENTS}
    layer = {k: v for k, v in arguments.items() if k in _LAYER_ARGUMENTS}
    for shared in ("dtype", "trainable"):
        if shared in layer:
            cell[shared] = layer[shared]
    return cell, layer


def check_use_cudnn(use_cudnn):
    """LSTM's and GRU's `use_cudnn`, checked as Keras checks it (and otherwise moot here)."""
    if use_cudnn not in ("auto", True, False):
        raise ValueError(
            "Invalid valid received for argument `use_cudnn`. Expected one of "
            f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn}"
        )


class _StateHolder:
    """Holds a stateful layer's state variables out of sight of weight tracking: Keras keeps
    them out of `weights` and out of files."""

    def __init__(self, variables):
        self.variables = variables


@registry.register("layer", module="keras.layers")
class RNN(Layer):
    """A recurrent layer running `cell` over the time axis of `(batch, timesteps, ...)` inputs.

    Args:
        cell: an RNN cell (a layer with `call(inputs, states)` and `state_size`), or a list of
            cells, stacked.
        return_sequences: return every step's output `(batch, timesteps, units)`, else the last.
        return_state: also return the final states, after the output.
        go_backwards: process the sequence in reverse (outputs come in processing order).
        stateful: each batch starts from the final states of the previous one (`reset_states`
            zeros them); needs a fixed batch size.
        unroll: accepted for compatibility (the loop is the same either way).
        zero_output_for_mask: masked steps output zeros instead of the previous output.
        time_major: Keras 2's `(timesteps, batch, ...)` inputs and outputs.
    """

    _single_input = True

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, time_major=False,
                 **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not callable(getattr(cell, "call", None)):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell}")
        state_size = getattr(cell, "state_size", None)
        if state_size is None:
            raise ValueError(
                "The RNN cell should have a `state_size` attribute (single integer or list of "
                f"integers, one integer per RNN state). Received: cell={cell}"
            )
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.time_major = bool(time_major)
        self.state_size = list(state_size) if isinstance(state_size, (list, tuple)) \
            else [state_size]
        self._states = None
        self.supports_masking = True

    # ------------------------------------------------------------------------------------------
    # State

    def build(self, sequences_shape, initial_state_shape=None):
        if sequences_shape and isinstance(sequences_shape[0], (list, tuple)):
            sequences_shape = sequences_shape[0]  # Keras 2's `[sequences, *initial states]`
        shape = tuple(sequences_shape)
        batch = shape[1] if self.time_major else shape[0]
        cell = self.cell
        if isinstance(cell, Layer) and not cell.built:
            cell._path_prefix = f"{self._path_prefix}{self.name}/"
            cell._build_for((batch, *shape[2:]))
        if self.stateful:
            if batch is None:
                raise ValueError(
                    "When using `stateful=True` in a RNN, the batch size must be static. Found "
                    f"dynamic batch size: sequence.shape={shape}"
                )
            from minikeras.core.variables import Variable

            self._states = _StateHolder([
                Variable(s, name="rnn_state", path=f"{self.name}/rnn_state", trainable=False)
                for s in self._zero_states(batch)
            ])

    @property
    def states(self):
        return None if self._states is None else list(self._states.variables)

    def reset_states(self):
        self.reset_state()

    def reset_state(self):
        for variable in self.states or ():
            variable.assign(np.zeros_like(variable.value))

    def get_initial_state(self, batch_size):
        get = getattr(self.cell, "get_initial_state", None)
        if get is None:
            return self._zero_states(batch_size)
        states = get(batch_size=batch_size)
        return list(states) if tree.is_nested(states) else [states]

    def _zero_states(self, batch_size):
        return [np.zeros((batch_size, size), self._np_dtype) for size in _flat_sizes(self.cell)]

    # ------------------------------------------------------------------------------------------
    # Call

    def _conform_input(self, x):
        if x.ndim < 3:
            raise self._incompatible(
                f"expected ndim=3, found ndim={x.ndim}. Full shape received: {x.shape}", x)
        return x

    def __call__(self, inputs, *args, **kwargs):
        # Keras 2 files call an RNN on `[sequences, *initial states]`.
        if isinstance(inputs, (list, tuple)) and len(inputs) > 1 and not args \
                and kwargs.get("initial_state") is None:
            inputs, kwargs["initial_state"] = inputs[0], list(inputs[1:])
        return super().__call__(inputs, *args, **kwargs)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        batch = sequences.shape[1] if self.time_major else sequences.shape[0]
        if initial_state is None:
            states = list(self._states.variables) if self.stateful else None
            if states is not None:
                states = [v.value for v in states]
                self._check_stateful_batch(batch, states[0].shape[0])
        else:
            states = [self._state_input(s) for s in tree.flatten(initial_state)]
        if mask is not None:
            mask = np.asarray(tape.value_of(tree.flatten(mask)[0]), bool)
        if _fused_cells(self.cell) is not None:
            inputs = sequences if states is None else [sequences, *states]
            outputs = Layer.call(self, inputs, training=training, mask=mask)
        else:
            outputs = self._call_cell_by_step(sequences, states, mask, training)
        if not self._returns_states():
            return outputs
        if self.stateful:
            for variable, value in zip(self._states.variables, outputs[1:]):
                variable.assign(np.asarray(tape.value_of(value)))
        if not self.return_state:
            return outputs[0]
        if isinstance(self.cell, StackedRNNCells):  # Keras: each cell's states as a list
            return [outputs[0], *_per_cell(self.cell.cells, outputs[1:])]
        return outputs

    def _returns_states(self):
        """Whether a call computes its final states as outputs: to return them, or to keep
        them for the next batch."""
        return self.return_state or self.stateful

    def _check_stateful_batch(self, actual, expected):
        if actual != expected:
            raise ValueError(
                "If an RNN is stateful, the batch size of the input sequences must be the same "
                f"as the batch size of the initial state. \n- Expected batch size: {expected}\n"
                f"- Received batch size: {actual}"
            )

    def _state_input(self, state):
        state = tape.lift(state)
        if type(state) is tape.Node:
            return state if state.dtype == self._np_dtype else ops.cast(state, self._np_dtype)
        return np.asarray(state, self._np_dtype)

    # The hand-written path: the whole call as one node -------------------------------------

    def _backward_variables(self):
        return tuple(self.trainable_weights)  # the cells' weights

    def forward(self, inputs, training=False, mask=None):
        if isinstance(inputs, list):
            sequences, states = inputs[0], list(inputs[1:])
        else:
            sequences, states = inputs, None
        x = sequences if self.time_major else sequences.transpose(1, 0, *range(2, sequences.ndim))
        batch = x.shape[1]
        if mask is not None:
            mask = mask if self.time_major else mask.T
            if mask.all():
                mask = None
        if self.go_backwards:
            x = x[::-1]
            mask = None if mask is None else mask[::-1]
        x = np.ascontiguousarray(x)
        cells = _fused_cells(self.cell)
        if states is None:
            states = self._zero_states(batch)
        states_per_cell = _per_cell(cells, states)
        contexts, finals = [], []
        for index, (cell, cell_states) in enumerate(zip(cells, states_per_cell)):
            last = index == len(cells) - 1
            masks = cell._dropout_masks(batch, x.shape[-1], training)
            x, cell_finals, ctx = recurrence.run(
                cell, x, cell_states, mask, masks, keep_sequence=not last or self.return_sequences,
                zero_output_for_mask=self.zero_output_for_mask and last,
            )
            contexts.append(ctx)
            finals.extend(cell_finals)
        output = x
        if self.return_sequences and not self.time_major:
            output = output.transpose(1, 0, 2)
        ctx = (contexts, isinstance(inputs, list))
        if self._returns_states():
            return [output, *finals], ctx
        return output, ctx

    def backward(self, ctx, grad, grads):
        contexts, with_states = ctx
        cells = _fused_cells(self.cell)
        if self._returns_states():
            grad_output, grad_finals = grad[0], list(grad[1:])
        else:
            grad_output, grad_finals = grad, [None] * sum(c._state_count for c in cells)
        if self.return_sequences and not self.time_major:
            grad_output = grad_output.transpose(1, 0, 2)
        per_cell = _per_cell(cells, grad_finals)
        grad_initial = []
        for index in reversed(range(len(cells))):
            need_input = index > 0 or grads.needs_input
            grad_output, grad_states = recurrence.run_backward(
                cells[index], contexts[index], grad_output, per_cell[index], grads, need_input)
            grad_initial[:0] = grad_states
        grad_x = grad_output
        if grad_x is not None:
            if self.go_backwards:
                grad_x = grad_x[::-1]
            if not self.time_major:
                grad_x = grad_x.transpose(1, 0, *range(2, grad_x.ndim))
        return [grad_x, *grad_initial] if with_states else grad_x

    # Any other cell: step by step, through the tape --------------------------------------

    def _call_cell_by_step(self, sequences, states, mask, training):
        time_axis = 0 if self.time_major else 1
        steps = sequences.shape[time_axis]
        batch = sequences.shape[1 - time_axis]
        if states is None:
            states = self.get_initial_state(batch)
        states = _nest_like(self.cell.state_size, list(tree.flatten(states)))
        takes_training = isinstance(self.cell, Layer) and self.cell._call_takes_training
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        output, outputs = None, []
        for t in order:
            x_t = sequences[t] if self.time_major else sequences[:, t]
            kwargs = {"training": training} if takes_training else {}
            step_output, new_states = self.cell(x_t, states, **kwargs)
            new_states = list(new_states) if tree.is_nested(new_states) else [new_states]
            if mask is not None:
                keep = (mask[t] if self.time_major else mask[:, t])[:, None]
                new_states = tree.map_structure(
                    lambda n, s: ops.where(keep, n, s), new_states, list(states))
                previous = ops.zeros_like(step_output) if output is None or \
                    self.zero_output_for_mask else output
                step_output = ops.where(keep, step_output, previous)
            states, output = new_states, step_output
            outputs.append(output)
        if self.return_sequences:
            output = ops.stack(outputs, axis=time_axis)
        return [output, *tree.flatten(states)] if self._returns_states() else output

    # ------------------------------------------------------------------------------------------
    # Shapes, masks, config

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = tuple(sequences_shape)
        batch, steps = (shape[1], shape[0]) if self.time_major else (shape[0], shape[1])
        units = getattr(self.cell, "output_size", None) or _flat_sizes(self.cell)[0]
        if self.return_sequences:
            output = (steps, batch, units) if self.time_major else (batch, steps, units)
        else:
            output = (batch, units)
        if self.return_state:
            return (output, *[(batch, size) for size in _flat_sizes(self.cell)])
        return output

    def compute_mask(self, inputs, mask):
        if mask is not None:
            mask = tree.flatten(mask)[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(_flat_sizes(self.cell))
        return output_mask

    def get_config(self):
        config = {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        }
        if self.time_major:  # Keras 2 only: Keras 3 has no such argument
            config["time_major"] = True
        config["cell"] = registry.serialize(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = registry.deserialize("layer", config.pop("cell"), custom_objects)
        return cls(cell, **config)


class BuiltinRNN(RNN):
    """SimpleRNN, LSTM and GRU: an RNN whose cell they make from their own arguments, whose
    config is flat (the cell's arguments beside the layer's) and which expose the cell's
    arguments as attributes."""

    _cell_class = None
    _cell_name = None

    def __init__(self, arguments):
        """`arguments`: the subclass constructor's `locals()`."""
        cell_kwargs, kwargs = cell_arguments(arguments)
        super().__init__(self._cell_class(**cell_kwargs, name=self._cell_name), **kwargs)
        if "use_cudnn" in arguments:
            check_use_cudnn(arguments["use_cudnn"])
            self.use_cudnn = arguments["use_cudnn"]

    def _conform_input(self, x):
        if x.ndim != 3:
            raise self._incompatible(
                f"expected ndim=3, found ndim={x.ndim}. Full shape received: {x.shape}", x)
        return x

    def __getattr__(self, name):
        # Only reached when normal lookup fails: the cell's arguments (`units`, `dropout`...).
        cell = self.__dict__.get("cell")
        if cell is not None and name in _CELL_ATTRIBUTES:
            return getattr(cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def get_config(self):
        config = super().get_config()
        cell_config = config.pop("cell")["config"]
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        config.update(cell_config)
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


_CELL_ATTRIBUTES = frozenset({
    "units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias",
    "kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
    "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
    "bias_constraint", "dropout", "recurrent_dropout", "reset_after", "implementation", "seed",
})


def _fused_cells(cell):
    """The built-in cells the hand-written path runs in turn, or None if `cell` is (or
    stacks) any other cell."""
    if isinstance(cell, RecurrentCell):
        return [cell]
    if isinstance(cell, StackedRNNCells) and all(
            isinstance(c, RecurrentCell) for c in cell.cells):
        return list(cell.cells)
    return None


def _flat_sizes(cell):
    return [int(s) for s in tree.flatten(cell.state_size)]


def _per_cell(cells, flat):
    """Flat states as one list per cell."""
    per_cell, start = [], 0
    for cell in cells:
        count = len(tree.flatten(cell.state_size))
        per_cell.append(list(flat[start:start + count]))
        start += count
    return per_cell


def _nest_like(state_size, flat):
    """Flat states in the structure of `state_size` (a StackedRNNCells' per-cell lists)."""
    if not isinstance(state_size, (list, tuple)):
        return flat
    nested, start = [], 0
    for size in state_size:
        count = len(tree.flatten(size))
        part = flat[start:start + count]
        nested.append(part if isinstance(size, (list, tuple)) else part[0])
        start += count
    return nested
