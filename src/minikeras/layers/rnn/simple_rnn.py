"""`SimpleRNNCell` and `SimpleRNN`:
`h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)`."""

import numpy as np

from minikeras.layers.base import activation_backward
from minikeras.layers.rnn import recurrence
from minikeras.layers.rnn.cell import RecurrentCell
from minikeras.layers.rnn.rnn import BuiltinRNN
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class SimpleRNNCell(RecurrentCell):
    """The cell of a fully connected RNN whose output is fed back as its input.

    Args:
        units: positive integer, the size of the output (and state).
        activation: applied to the sum (default `tanh`).
        use_bias: whether to add a bias vector.
        kernel_initializer, recurrent_initializer, bias_initializer: the weights' initializers.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: their regularizers.
        kernel_constraint, recurrent_constraint, bias_constraint: their constraints.
        dropout: fraction of the inputs dropped in training (one mask per call).
        recurrent_dropout: fraction of the previous state dropped in training.
        seed: seed of the dropout masks.
    """


    def build(self, input_shape):
        self._add_kernels(input_shape[-1])
        if self.use_bias:
            self._add_bias((self.units,))

    def _new_trace(self, steps, batch, dtype):
        return {"h_prev": np.empty((steps, batch, self.units), dtype),
                "z": np.empty((steps, batch, self.units), dtype),
                "h": np.empty((steps, batch, self.units), dtype)}

    def _step(self, t, projected, states, recurrent_masks, trace):
        h_prev = states[0]
        z = projected + recurrence.gated_matmul(h_prev, self.recurrent_kernel.value,
                                                recurrent_masks)
        h = self.activation(z)
        trace["h_prev"][t], trace["z"][t], trace["h"][t] = h_prev, z, h
        return h, [h]

    def _new_work(self, steps, batch, dtype):
        return {"dz": np.empty((steps, batch, self.units), dtype)}

    def _step_backward(self, t, grad_output, grad_states, recurrent_masks, trace, work):
        dz = activation_backward(self.activation, trace["z"][t], trace["h"][t],
                                 grad_output + grad_states[0])
        work["dz"][t] = dz
        return [recurrence.gated_matmul_input_grad(dz, self.recurrent_kernel.value,
                                                   recurrent_masks)]

    def _run_sequence(self, x, states, masks, held, keep_trace):
        recurrent_masks = masks[1]
        projected = self._project(x, masks[0])
        kernel, activate = self.recurrent_kernel.value, recurrence.writer(self.activation)
        h = np.empty((len(projected) + 1, *states[0].shape), projected.dtype)
        h[0] = states[0]
        product, dropped = np.empty_like(h[0]), np.empty_like(h[0])
        for z, h_prev, h_next, held_t in zip(projected, h[:-1], h[1:],
                                             recurrence.held_rows(held, len(projected))):
            source = h_prev
            if recurrent_masks is not None:
                source = np.multiply(h_prev, recurrent_masks[0], out=dropped)
            np.matmul(source, kernel, out=product)
            z += product  # the projections become z
            activate(z, h_next)
            if held_t is not None:  # masked samples keep their state
                np.copyto(h_next, h_prev, where=held_t)
        return h[1:], [h[-1]], {"sequence": h, "h_prev": h[:-1], "z": projected, "held": held}

    def _run_sequence_backward(self, x, masks, trace, grad_outputs, grad_states, grads,
                               need_input):
        recurrent_masks = masks[1]
        h, z, held = trace["sequence"], trace["z"], trace["held"]
        slope = recurrence.slope_writer(self.activation)
        dz = np.empty_like(z)
        kernel_t = self.recurrent_kernel.value.T
        grad_h = np.array(grad_states[0], z.dtype)  # the gradient reaching h_t, in place
        passed = np.empty_like(grad_h)
        for t in reversed(range(len(z))):
            if grad_outputs is not None:
                grad_h += grad_outputs[t]
            if held is not None:  # a masked sample's gradient passes by the step
                np.copyto(passed, grad_h)
                np.copyto(grad_h, 0.0, where=held[t])
            slope(z[t], h[t + 1], dz[t])
            dz[t] *= grad_h
            np.matmul(dz[t], kernel_t, out=grad_h)
            if recurrent_masks is not None:
                grad_h *= recurrent_masks[0]
            if held is not None:
                np.copyto(grad_h, passed, where=held[t])
        return self._backward_weights(x, *masks, trace, {"dz": dz}, grads, need_input), [grad_h]


@registry.register("layer", module="keras.layers")
class SimpleRNN(BuiltinRNN):
    """A fully connected RNN: `SimpleRNNCell` run over a sequence (see `RNN` for
    `return_sequences`, `return_state`, `go_backwards`, `stateful`, `unroll`, masks and
    `initial_state`; the other arguments are the cell's)."""

    _cell_class = SimpleRNNCell
    _cell_name = "simple_rnn_cell"

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False, seed=None,
                 **kwargs):
        super().__init__(locals())
        # Keras 3's SimpleRNN drops its activity regularizer (never applied, None in its config):
        # so does this one, so that losses and files are Keras'.
        self.activity_regularizer = None

    def get_config(self):
        config = super().get_config()
        del config["seed"]  # Keras 3's SimpleRNN leaves its cell's seed out of its config
        return config
