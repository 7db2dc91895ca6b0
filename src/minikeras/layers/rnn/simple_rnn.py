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
        projected = self._project(x, masks[0])
        kernel, activate = self.recurrent_kernel.value, recurrence.writer(self.activation)
        h = np.empty((len(projected) + 1, *states[0].shape), projected.dtype)
        h[0] = states[0]
        product = np.empty_like(h[0])
        for z, h_prev, h_next in zip(projected, h[:-1], h[1:]):  # the projections become z
            np.matmul(h_prev, kernel, out=product)
            z += product
            activate(z, h_next)
        return h[1:], [h[-1]], {"sequence": h, "h_prev": h[:-1], "z": projected}

    def _run_sequence_backward(self, x, masks, trace, grad_outputs, grad_states, grads,
                               need_input):
        h, z = trace["sequence"], trace["z"]
        slope = recurrence.slope_writer(self.activation)
        dz = np.empty_like(z)
        kernel_t = self.recurrent_kernel.value.T
        grad_h = np.array(grad_states[0], z.dtype)  # the gradient reaching h_t, in place
        for t in reversed(range(len(z))):
            if grad_outputs is not None:
                grad_h += grad_outputs[t]
            slope(z[t], h[t + 1], dz[t])
            dz[t] *= grad_h
            np.matmul(dz[t], kernel_t, out=grad_h)
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
