"""`RecurrentCell`: what the built-in cells (SimpleRNN, LSTM, GRU) share.

A built-in cell is a layer computing one step, `cell(inputs, states) -> (output, new_states)`,
and also the arithmetic that `recurrence.run` loops over a sequence: `_project` (the input
products of every step at once), `_step`, `_step_backward` and `_backward_weights`, and the
whole-sequence loops `_run_sequence` and `_run_sequence_backward` that calls with elementwise
activations take, masked or not, with dropout or not (see `recurrence`). Its own call is that loop over a sequence of one
step, so a cell called alone, in `StackedRNNCells` or in `RNN` is the same arithmetic with the
same hand-written gradient.
"""

import numpy as np

from minikeras import activations, backend, constraints, initializers, regularizers, tree
from minikeras.core import tape
from minikeras.layers.base import Layer
from minikeras.layers.rnn import recurrence


def constructor_arguments(arguments, *dropped):
    """A constructor's `locals()` as the keyword arguments to hand on: without `self`,
    `__class__` and `dropped`, its `**kwargs` merged in."""
    arguments = dict(arguments)
    kwargs = arguments.pop("kwargs", {})
    for name in ("self", "__class__", *dropped):
        arguments.pop(name, None)
    return {**arguments, **kwargs}


class RecurrentCell(Layer):
    """The base of the built-in cells.

    Subclasses set `_gates` (the number of blocks of `units` columns in the kernels) and
    `_state_count`, build their weights in `build`, and write the step arithmetic.
    """

    _gates = 1
    _state_count = 1

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        **kwargs,
    ):
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(
                "Received an invalid value for argument `units`, expected a positive integer, "
                f"got {units}."
            )
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        # Keras clips both rates into [0, 1].
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self._rng = np.random.default_rng(seed if seed is not None else backend.draw_seed())
        self.kernel = self.recurrent_kernel = self.bias = None
        self.output_size = self.units

    @property
    def state_size(self):
        return self.units if self._state_count == 1 else [self.units] * self._state_count

    def _state_sizes(self):
        return [self.units] * self._state_count

    def _add_kernels(self, input_dim):
        self.kernel = self.add_weight(
            shape=(input_dim, self.units * self._gates), name="kernel",
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units * self._gates), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )

    def _add_bias(self, shape, initializer=None):
        self.bias = self.add_weight(
            shape=shape, name="bias", initializer=initializer or self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint,
        )

    def get_initial_state(self, batch_size=None):
        states = [np.zeros((batch_size, size), self._np_dtype) for size in self._state_sizes()]
        return states

    # ------------------------------------------------------------------------------------------
    # Dropout: one set of masks per call, the same for every step (Keras' DropoutRNNCell)

    def _mask_count(self):
        """How many dropout masks a call draws per input: 1, or one per gate (Keras'
        `implementation=1`, which recurrent dropout implies for LSTM and GRU)."""
        return 1

    def _draw(self, rate, batch, dim):
        if not 0.0 < rate < 1.0:
            return None
        keep = self._rng.random((self._mask_count(), batch, dim), dtype=np.float32) >= rate
        return keep.astype(self._np_dtype) * self._np_dtype.type(1.0 / (1.0 - rate))

    def _dropout_masks(self, batch, input_dim, training):
        """`(input_masks, recurrent_masks)` for one call (None where no dropout applies)."""
        if not training:
            return None, None
        return (self._draw(self.dropout, batch, input_dim),
                self._draw(self.recurrent_dropout, batch, self.units))

    # ------------------------------------------------------------------------------------------
    # The cell's own call: one step

    def call(self, inputs, states, training=False):
        flat_states = [self._state_input(s) for s in tree.flatten(states)]
        step = Layer.call(self, [inputs, *flat_states], training=training)
        output, new_states = step[0], list(step[1:])
        if not tree.is_nested(states) and len(new_states) == 1:
            return output, new_states[0]
        return output, new_states

    def _state_input(self, state):
        state = tape.lift(state)
        if type(state) is tape.Node:
            return state
        return np.asarray(state, self._np_dtype)

    def forward(self, inputs, training=False):
        x, *states = inputs
        masks = self._dropout_masks(x.shape[0], x.shape[-1], training)
        output, new_states, ctx = recurrence.run(self, x[None], states, None, masks, False, False)
        return [output, *new_states], ctx

    def backward(self, ctx, grad, grads):
        grad_x, grad_states = recurrence.run_backward(
            self, ctx, grad[0], list(grad[1:]), grads, grads.needs_input)
        return [None if grad_x is None else grad_x[0], *grad_states]

    # ------------------------------------------------------------------------------------------
    # Shared pieces of the step arithmetic

    def _runs_sequences(self):
        """Whether calls take `_run_sequence` (see `recurrence`): its backward pass needs
        elementwise activations."""
        return recurrence.elementwise(self.activation)

    def _project(self, x, input_masks):
        """The input products of every step: `(timesteps, batch, gates * units)`."""
        projected = recurrence.gated_matmul(x, self.kernel.value, input_masks)
        if self.bias is not None:
            projected += self._input_bias()
        return projected

    def _input_bias(self):
        return self.bias.value

    def _backward_weights(self, x, input_masks, recurrent_masks, trace, work, grads, need_input):
        """The weights' gradients from the whole sequence's pre-activation gradients
        `work["dz"]` (one product per weight), and the gradient of `x` when needed: for cells
        whose recurrent product and input product add up before the activations."""
        dz = work["dz"]
        if grads.wants(self.recurrent_kernel):
            grads.add(self.recurrent_kernel,
                      recurrence.gated_matmul_kernel_grad(trace["h_prev"], dz, recurrent_masks))
        if self.bias is not None and grads.wants(self.bias):
            grads.add(self.bias, sum_over_steps(dz))
        return self._kernel_and_input_grads(x, input_masks, dz, grads, need_input)

    def _kernel_and_input_grads(self, x, input_masks, grad_projected, grads, need_input):
        """The gradients of the kernel and input bias from that of the projections, and the
        gradient of `x` (when needed)."""
        if grads.wants(self.kernel):
            grads.add(self.kernel,
                      recurrence.gated_matmul_kernel_grad(x, grad_projected, input_masks))
        if not need_input:
            return None
        return recurrence.gated_matmul_input_grad(grad_projected, self.kernel.value, input_masks)

    def get_config(self):
        config = {**super().get_config(), "units": self.units,
                  "activation": activations.serialize(self.activation)}
        if hasattr(self, "recurrent_activation"):
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        return {**config, "use_bias": self.use_bias, **self._own_config(), **self._config(),
                "seed": self.seed}

    def _own_config(self):
        """A cell's own arguments' config (LSTM's `unit_forget_bias`, GRU's `reset_after`)."""
        return {}

    def _config(self):
        """The arguments every built-in cell and its layer share, in Keras' order."""
        return {
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
        }


class GatedCell(RecurrentCell):
    """LSTM's and GRU's common ground: gates through `recurrent_activation`, and Keras 2's
    `implementation` (1 draws one dropout mask per gate, as recurrent dropout implies; 2 one
    mask for all gates; the results are otherwise the same)."""

    def __init__(self, units, recurrent_activation="sigmoid", implementation=2, **kwargs):
        super().__init__(units, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.implementation = 1 if self.recurrent_dropout else int(implementation)

    def _mask_count(self):
        return self._gates if self.implementation == 1 else 1

    def _runs_sequences(self):
        return super()._runs_sequences() and recurrence.elementwise(self.recurrent_activation)


def sum_over_steps(array):
    """`array` summed over its time and batch axes (a bias gradient)."""
    return array.reshape(-1, array.shape[-1]).sum(axis=0)
