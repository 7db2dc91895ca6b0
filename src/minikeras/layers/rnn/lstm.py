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

    # The whole-sequence loops, gate-major (as GRU's): a gate's block of every buffer is
    # contiguous (`z`, `dz` as `(gates, steps, batch, units)`, a step's gates and products as
    # `(gates, batch, units)`), and the loops keep the gates in the order `o, i, f, g`
    # (`_LOOP_ORDER`), so that the three sigmoid gates are one block and the three that the
    # carry's gradient scales (`i, f, g`) another. Weights, dropout masks and gradients are
    # put in that order on the way in and back in Keras' on the way out.

    _LOOP_ORDER = (3, 0, 1, 2)

    def _in_loop_order(self, array):
        return None if array is None else self._by_blocks(array, self._LOOP_ORDER)

    def _in_keras_order(self, grad):
        return self._by_blocks(grad, np.argsort(self._LOOP_ORDER))

    def _by_blocks(self, array, order):
        """`array`'s `(..., 4 * units)` gate blocks in `order`, in C order (one concatenation of
        blocks, 3x faster than `np.take`; indexing the columns gives Fortran order, which BLAS
        and the optimizer's updates walk more slowly)."""
        u = self.units
        return np.concatenate([array[..., k * u:(k + 1) * u] for k in order], axis=-1)

    def _loop_masks(self, masks):
        """A call's dropout masks in the loops' gate order (one for every gate stays)."""
        return tuple(m if m is None or len(m) == 1 else m[list(self._LOOP_ORDER)] for m in masks)

    def _run_sequence(self, x, states, masks, held, keep_trace):
        input_masks, recurrent_masks = self._loop_masks(masks)
        steps, batch = x.shape[:2]
        u = self.units
        z = recurrence.project_by_gate(
            x, self._in_loop_order(self.kernel.value),
            None if self.bias is None else self._in_loop_order(self.bias.value), input_masks, 4)
        per_gate = recurrent_masks is not None and len(recurrent_masks) > 1
        kernel, product, product_out = recurrence.step_product(
            self._in_loop_order(self.recurrent_kernel.value), 4, batch, x.dtype, per_gate)
        gate_activation = recurrence.writer(self.recurrent_activation)
        activate = recurrence.writer(self.activation)
        h = np.empty((steps + 1, batch, u), x.dtype)
        c = np.empty_like(h)
        h[0], c[0] = states
        slots = steps if keep_trace else 1
        gates = np.empty((slots, 4, batch, u), x.dtype)
        c_act = np.empty((slots, batch, u), x.dtype)
        scratch = np.empty((batch, u), x.dtype)
        dropped = None if recurrent_masks is None else \
            np.empty(recurrent_masks.shape if per_gate else (batch, u), x.dtype)
        per_step = zip(z.transpose(1, 0, 2, 3), z[:3].transpose(1, 0, 2, 3), z[3], h[:-1], h[1:],
                       c[:-1], c[1:], recurrence.held_rows(held, steps),
                       *(recurrence.slots(a, keep_trace) for a in (
                           gates[:, :3], gates[:, 0], gates[:, 1], gates[:, 2], gates[:, 3],
                           c_act)))
        for (z_t, z_sigmoid, z_g, h_prev, h_next, c_prev, c_next, held_t, sigmoid_gates, o, i,
             f, g, c_a) in per_step:
            source = h_prev
            if dropped is not None:  # each gate's product sees the state times its mask
                source = np.multiply(h_prev, recurrent_masks if per_gate else
                                     recurrent_masks[0], out=dropped)
            np.matmul(source, kernel, out=product_out)
            z_t += product  # the projections become the pre-activations
            gate_activation(z_sigmoid, sigmoid_gates)
            activate(z_g, g)
            np.multiply(f, c_prev, out=c_next)
            np.multiply(i, g, out=scratch)
            c_next += scratch
            activate(c_next, c_a)
            np.multiply(o, c_a, out=h_next)
            if held_t is not None:  # masked samples keep their states
                np.copyto(h_next, h_prev, where=held_t)
                np.copyto(c_next, c_prev, where=held_t)
        trace = {"sequence": h, "h_prev": h[:-1], "c": c, "z": z, "gates": gates,
                 "c_act": c_act, "held": held}
        return h[1:], [h[-1], c[-1]], trace

    def _run_sequence_backward(self, x, masks, trace, grad_outputs, grad_states, grads,
                               need_input):
        input_masks, recurrent_masks = self._loop_masks(masks)
        z, gates, c, c_act, held = (trace[k] for k in ("z", "gates", "c", "c_act", "held"))
        steps, batch, u = c_act.shape
        gate_slope = recurrence.slope_writer(self.recurrent_activation)
        slope = recurrence.slope_writer(self.activation)
        kernel_t = np.ascontiguousarray(recurrence.by_gate(
            self._in_loop_order(self.recurrent_kernel.value), 4).transpose(0, 2, 1))
        dz = np.empty(z.shape, z.dtype)  # gate-major whatever `z`'s layout
        grad_h, grad_c = (np.array(g, z.dtype) for g in grad_states)  # updated in place
        scratch, each_gate = np.empty_like(grad_h), np.empty((4, batch, u), z.dtype)
        passed_h, passed_c = np.empty_like(grad_h), np.empty_like(grad_c)
        per_step = zip(z[:3].transpose(1, 0, 2, 3), z[3], gates[:, :3], gates[:, 0], gates[:, 1],
                       gates[:, 2], gates[:, 3], c[:-1], c[1:], c_act, dz.transpose(1, 0, 2, 3),
                       dz[:3].transpose(1, 0, 2, 3), dz[1:].transpose(1, 0, 2, 3), dz[0], dz[1],
                       dz[2], dz[3], recurrence.held_rows(held, steps))
        for t, (z_sigmoid, z_g, sigmoid_gates, o, i, f, g, c_prev, c_t, c_a, d, d_sigmoid,
                d_ifg, d_o, d_i, d_f, d_g, held_t) in reversed(list(enumerate(per_step))):
            if grad_outputs is not None:
                grad_h += grad_outputs[t]
            if held_t is not None:  # a masked sample's gradients pass by the step
                np.copyto(passed_h, grad_h)
                np.copyto(passed_c, grad_c)
                np.copyto(grad_h, 0.0, where=held_t)
                np.copyto(grad_c, 0.0, where=held_t)
            slope(c_t, c_a, scratch)  # the carry's gradient: from h through o * act(c) ...
            scratch *= o
            scratch *= grad_h
            grad_c += scratch  # ... and from the next step
            gate_slope(z_sigmoid, sigmoid_gates, d_sigmoid)
            slope(z_g, g, d_g)
            d_o *= c_a
            d_i *= g
            d_f *= c_prev
            d_g *= i
            d_ifg *= grad_c
            d_o *= grad_h
            np.matmul(d, kernel_t, out=each_gate)
            if recurrent_masks is not None and len(recurrent_masks) > 1:
                each_gate *= recurrent_masks
            np.sum(each_gate, axis=0, out=grad_h)
            if recurrent_masks is not None and len(recurrent_masks) == 1:
                grad_h *= recurrent_masks[0]
            grad_c *= f
            if held_t is not None:
                np.copyto(grad_h, passed_h, where=held_t)
                np.copyto(grad_c, passed_c, where=held_t)
        self._sequence_weight_grads(x, (input_masks, recurrent_masks), trace["h_prev"], dz,
                                    grads)
        grad_x = None
        if need_input:
            grad_x = recurrence.by_gate_input_grad(dz, self._in_loop_order(self.kernel.value),
                                                   input_masks)
        return grad_x, [grad_h, grad_c]

    def _sequence_weight_grads(self, x, masks, h_prev, dz, grads):
        """The weights' gradients after the reverse loop, one stacked product each from the
        gate-major pre-activations' gradients `dz` (masks in the loops' order)."""
        input_masks, recurrent_masks = masks
        if grads.wants(self.recurrent_kernel):
            grads.add(self.recurrent_kernel, self._in_keras_order(
                recurrence.by_gate_kernel_grad(h_prev, dz, recurrent_masks)))
        if grads.wants(self.kernel):
            grads.add(self.kernel, self._in_keras_order(
                recurrence.by_gate_kernel_grad(x, dz, input_masks)))
        if self.bias is not None and grads.wants(self.bias):
            grads.add(self.bias, self._in_keras_order(recurrence.by_gate_bias_grad(dz)))

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

