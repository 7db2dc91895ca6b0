"""`LSTMCell` and `LSTM`: Hochreiter and Schmidhuber's long short-term memory.

Gates in Keras' order, input `i`, forget `f`, candidate `g`, output `o`:
`z = x @ kernel + h @ recurrent_kernel + bias`, `c' = f * c + i * activation(g)`,
`h' = o * activation(c')` (`i, f, o` through `recurrent_activation`).
"""

import numpy as np

from minikeras import initializers
from minikeras.layers.base import activation_backward
from minikeras.layers.rnn import recurrence
from minikeras.layers.rnn.cell import GatedCell, constructor_arguments
from minikeras.layers.rnn.rnn import BuiltinRNN
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class LSTMCell(GatedCell):
    """The cell of an LSTM; states `[h, c]`.

    Args:
        units: positive integer, the size of the output and of each state.
        activation: of the candidate and of the carry (default `tanh`).
        recurrent_activation: of the input, forget and output gates (default `sigmoid`).
        unit_forget_bias: add 1 to the forget gate's bias at initialization (Jozefowicz et al.).
        implementation: Keras 2's; 1 draws one dropout mask per gate (implied by
            `recurrent_dropout`), 2 one for all. The results are the same.
        The other arguments are `SimpleRNNCell`'s.
    """

    _gates = 4
    _state_count = 2

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, implementation=2, **kwargs):
        super().__init__(**constructor_arguments(locals(), "unit_forget_bias"))
        self.unit_forget_bias = bool(unit_forget_bias)

    def build(self, input_shape):
        self._add_kernels(input_shape[-1])
        if self.use_bias:
            self._add_bias((4 * self.units,),
                           _ForgetBiasOne(self.bias_initializer, self.units)
                           if self.unit_forget_bias else None)

    def _new_trace(self, steps, batch, dtype):
        units = self.units
        return {"h_prev": np.empty((steps, batch, units), dtype),
                "c_prev": np.empty((steps, batch, units), dtype),
                "z": np.empty((steps, batch, 4 * units), dtype),
                "gates": np.empty((steps, batch, 4 * units), dtype),
                "c": np.empty((steps, batch, units), dtype),
                "c_act": np.empty((steps, batch, units), dtype)}

    def _step(self, t, projected, states, recurrent_masks, trace):
        h_prev, c_prev = states
        u = self.units
        z = projected + recurrence.gated_matmul(h_prev, self.recurrent_kernel.value,
                                                recurrent_masks)
        gates = trace["gates"][t]
        gates[...] = self.recurrent_activation(z)  # one call for all gates; then the candidate
        gates[:, 2 * u:3 * u] = self.activation(z[:, 2 * u:3 * u])
        i, f, g, o = gates[:, :u], gates[:, u:2 * u], gates[:, 2 * u:3 * u], gates[:, 3 * u:]
        c = f * c_prev + i * g
        c_act = self.activation(c)
        h = o * c_act
        trace["h_prev"][t], trace["c_prev"][t], trace["z"][t] = h_prev, c_prev, z
        trace["c"][t], trace["c_act"][t] = c, c_act
        return h, [h, c]

    def _new_work(self, steps, batch, dtype):
        return {"dz": np.empty((steps, batch, 4 * self.units), dtype)}

    def _step_backward(self, t, grad_output, grad_states, recurrent_masks, trace, work):
        u = self.units
        gates, z = trace["gates"][t], trace["z"][t]
        i, f, g, o = gates[:, :u], gates[:, u:2 * u], gates[:, 2 * u:3 * u], gates[:, 3 * u:]
        grad_h = grad_output + grad_states[0]
        grad_c = grad_states[1] + activation_backward(
            self.activation, trace["c"][t], trace["c_act"][t], grad_h * o)
        dz = work["dz"][t]
        dz[:, :u] = grad_c * g
        dz[:, u:2 * u] = grad_c * trace["c_prev"][t]
        dz[:, 3 * u:] = grad_h * trace["c_act"][t]
        dz[:, :2 * u] = activation_backward(self.recurrent_activation, z[:, :2 * u],
                                            gates[:, :2 * u], dz[:, :2 * u])
        dz[:, 3 * u:] = activation_backward(self.recurrent_activation, z[:, 3 * u:],
                                            gates[:, 3 * u:], dz[:, 3 * u:])
        dz[:, 2 * u:3 * u] = activation_backward(self.activation, z[:, 2 * u:3 * u], g,
                                                 grad_c * i)
        grad_h_prev = recurrence.gated_matmul_input_grad(dz, self.recurrent_kernel.value,
                                                         recurrent_masks)
        return [grad_h_prev, grad_c * f]

    def _run_sequence(self, x, states, masks, held, keep_trace):
        projected = self._project(x, masks[0])
        steps, batch, u = len(projected), len(states[0]), self.units
        kernel = self.recurrent_kernel.value
        gate_activation = recurrence.writer(self.recurrent_activation)
        activate = recurrence.writer(self.activation)
        h = np.empty((steps + 1, batch, u), projected.dtype)
        c = np.empty_like(h)
        h[0], c[0] = states
        gates = np.empty((steps if keep_trace else 1, batch, 4 * u), projected.dtype)
        c_act = np.empty((len(gates), batch, u), projected.dtype)
        product, scratch = np.empty((batch, 4 * u), h.dtype), np.empty((batch, u), h.dtype)
        per_step = zip(projected, projected[..., 2 * u:3 * u], h[:-1], h[1:], c[:-1], c[1:],
                       *(recurrence.slots(a, keep_trace) for a in (
                           gates, gates[..., :u], gates[..., u:2 * u], gates[..., 2 * u:3 * u],
                           gates[..., 3 * u:], c_act)))
        for z, z_g, h_prev, h_next, c_prev, c_next, gate, i, f, g, o, c_a in per_step:
            np.matmul(h_prev, kernel, out=product)
            z += product  # the projections become the pre-activations
            gate_activation(z, gate)  # one call for all gates, then the candidate's own
            activate(z_g, g)
            np.multiply(f, c_prev, out=c_next)
            np.multiply(i, g, out=scratch)
            c_next += scratch
            activate(c_next, c_a)
            np.multiply(o, c_a, out=h_next)
        trace = {"sequence": h, "h_prev": h[:-1], "c": c, "z": projected, "gates": gates,
                 "c_act": c_act}
        return h[1:], [h[-1], c[-1]], trace

    def _run_sequence_backward(self, x, masks, trace, grad_outputs, grad_states, grads,
                               need_input):
        u = self.units
        z, gates, c, c_act = trace["z"], trace["gates"], trace["c"], trace["c_act"]
        steps, batch = z.shape[:2]
        gate_slope = recurrence.slope_writer(self.recurrent_activation)
        slope = recurrence.slope_writer(self.activation)
        dz = np.empty_like(z)
        grad_h, grad_c = (np.array(g, z.dtype) for g in grad_states)  # updated in place
        grad_c_each_gate, scratch = grad_c[:, None, :], np.empty_like(grad_c)
        kernel_t = self.recurrent_kernel.value.T
        per_step = zip(z, z[..., 2 * u:3 * u], gates, gates[..., :u], gates[..., u:2 * u],
                       gates[..., 2 * u:3 * u], gates[..., 3 * u:], c[:-1], c[1:], c_act, dz,
                       dz[..., :u], dz[..., u:2 * u], dz[..., 2 * u:3 * u], dz[..., 3 * u:],
                       dz.reshape(steps, batch, 4, u)[:, :, :3])
        for t, (z_t, z_g, gate, i, f, g, o, c_prev, c_t, c_a, d, d_i, d_f, d_g, d_o,
                d_ifg) in reversed(list(enumerate(per_step))):
            if grad_outputs is not None:
                grad_h += grad_outputs[t]
            slope(c_t, c_a, scratch)  # the carry's gradient: from h through o * act(c) ...
            scratch *= o
            scratch *= grad_h
            grad_c += scratch  # ... and from the next step
            gate_slope(z_t, gate, d)  # every gate's slope, then the candidate's own
            slope(z_g, g, d_g)
            d_i *= g
            d_f *= c_prev
            d_g *= i
            d_o *= c_a
            d_ifg *= grad_c_each_gate
            d_o *= grad_h
            np.matmul(d, kernel_t, out=grad_h)
            grad_c *= f
        return self._backward_weights(x, *masks, trace, {"dz": dz}, grads, need_input), \
            [grad_h, grad_c]

    def _own_config(self):
        return {"unit_forget_bias": self.unit_forget_bias}


class _ForgetBiasOne:
    """The LSTM bias initializer with `unit_forget_bias`: `bias_initializer` for the input,
    candidate and output gates, ones for the forget gate (drawn as Keras draws them)."""

    def __init__(self, initializer, units):
        self.initializer, self.units = initializer, units

    def __call__(self, shape, dtype=None):
        u = self.units
        return np.concatenate([
            np.asarray(self.initializer((u,), dtype=dtype)),
            np.asarray(initializers.get("ones")((u,), dtype=dtype)),
            np.asarray(self.initializer((2 * u,), dtype=dtype)),
        ])


@registry.register("layer", module="keras.layers")
class LSTM(BuiltinRNN):
    """Long short-term memory: `LSTMCell` run over a sequence (see `RNN` for
    `return_sequences`, `return_state`, `go_backwards`, `stateful`, `unroll`, masks and
    `initial_state`; the other arguments are the cell's). Keras 2's `implementation` and
    `time_major` are accepted."""

    _cell_class = LSTMCell
    _cell_name = "lstm_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", **kwargs):
        super().__init__(locals())

