"""`GRUCell` and `GRU`: Cho et al.'s gated recurrent unit.

Gates in Keras' order, update `z`, reset `r`, candidate `hh`; `h' = z * h + (1 - z) * hh`.
With `reset_after` (Keras 3's default, cuDNN's form) the reset gate multiplies the recurrent
product, which then has its own bias (`bias` is `(2, 3 * units)`: input and recurrent);
without it (Keras 2 files before 2.3, and `reset_after=False`) it multiplies the state before
the product and the bias is `(3 * units,)`.
"""

import numpy as np

from minikeras.layers.base import activation_backward
from minikeras.layers.rnn import recurrence
from minikeras.layers.rnn.cell import GatedCell, constructor_arguments, sum_over_steps
from minikeras.layers.rnn.rnn import BuiltinRNN
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class GRUCell(GatedCell):
    """The cell of a GRU; one state `h`.

    Args:
        units: positive integer, the size of the output and state.
        activation: of the candidate (default `tanh`).
        recurrent_activation: of the update and reset gates (default `sigmoid`).
        reset_after: apply the reset gate after the recurrent product (see the module).
        implementation: Keras 2's; 1 draws one dropout mask per gate (implied by
            `recurrent_dropout`), 2 one for all. The results are the same.
        The other arguments are `SimpleRNNCell`'s.
    """

    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, implementation=2, **kwargs):
        super().__init__(**constructor_arguments(locals(), "reset_after"))
        self.reset_after = bool(reset_after)

    def build(self, input_shape):
        self._add_kernels(input_shape[-1])
        if self.use_bias:
            self._add_bias((2, 3 * self.units) if self.reset_after else (3 * self.units,))

    def _input_bias(self):
        return self.bias.value[0] if self.reset_after else self.bias.value

    def _recurrent_masks(self, masks):
        """The recurrent dropout masks of the update/reset block and of the candidate block."""
        if masks is None:
            return None, None
        return (masks, masks[0]) if len(masks) == 1 else (masks[:2], masks[2])

    def _new_trace(self, steps, batch, dtype):
        u = self.units
        return {"h_prev": np.empty((steps, batch, u), dtype),
                "z": np.empty((steps, batch, 3 * u), dtype),  # pre-activations
                "gates": np.empty((steps, batch, 3 * u), dtype),  # update, reset, candidate
                # the recurrent product the reset gate scales (reset_after), or the scaled
                # state that enters the candidate's product (not reset_after)
                "reset_input": np.empty((steps, batch, u), dtype)}

    def _step(self, t, projected, states, recurrent_masks, trace):
        h_prev = states[0]
        u = self.units
        kernel = self.recurrent_kernel.value
        z, gates = trace["z"][t], trace["gates"][t]
        if self.reset_after:
            recurrent = recurrence.gated_matmul(h_prev, kernel, recurrent_masks)
            if self.bias is not None:
                recurrent += self.bias.value[1]
            z[:, :2 * u] = projected[:, :2 * u] + recurrent[:, :2 * u]
            gates[:, :2 * u] = self.recurrent_activation(z[:, :2 * u])
            reset_input = recurrent[:, 2 * u:]
            z[:, 2 * u:] = projected[:, 2 * u:] + gates[:, u:2 * u] * reset_input
        else:
            gate_masks, candidate_mask = self._recurrent_masks(recurrent_masks)
            z[:, :2 * u] = projected[:, :2 * u] + recurrence.gated_matmul(
                h_prev, kernel[:, :2 * u], gate_masks)
            gates[:, :2 * u] = self.recurrent_activation(z[:, :2 * u])
            dropped = h_prev if candidate_mask is None else h_prev * candidate_mask
            reset_input = gates[:, u:2 * u] * dropped
            z[:, 2 * u:] = projected[:, 2 * u:] + np.matmul(reset_input, kernel[:, 2 * u:])
        gates[:, 2 * u:] = self.activation(z[:, 2 * u:])
        update, candidate = gates[:, :u], gates[:, 2 * u:]
        h = update * h_prev + (1.0 - update) * candidate
        trace["h_prev"][t], trace["reset_input"][t] = h_prev, reset_input
        return h, [h]

    def _new_work(self, steps, batch, dtype):
        work = {"dz": np.empty((steps, batch, 3 * self.units), dtype)}
        if self.reset_after:  # the gradient of the recurrent product differs from dz there
            work["drecurrent"] = np.empty((steps, batch, 3 * self.units), dtype)
        return work

    def _step_backward(self, t, grad_output, grad_states, recurrent_masks, trace, work):
        u = self.units
        kernel = self.recurrent_kernel.value
        h_prev, z, gates = trace["h_prev"][t], trace["z"][t], trace["gates"][t]
        update, reset, candidate = gates[:, :u], gates[:, u:2 * u], gates[:, 2 * u:]
        reset_input = trace["reset_input"][t]
        grad_h = grad_output + grad_states[0]
        dz = work["dz"][t]
        dz[:, 2 * u:] = activation_backward(self.activation, z[:, 2 * u:], candidate,
                                            grad_h * (1.0 - update))
        d_candidate = dz[:, 2 * u:]
        dz[:, :u] = grad_h * (h_prev - candidate)
        grad_h_prev = grad_h * update
        if self.reset_after:
            dz[:, u:2 * u] = d_candidate * reset_input
        else:
            d_reset_input = np.matmul(d_candidate, kernel[:, 2 * u:].T)
            gate_masks, candidate_mask = self._recurrent_masks(recurrent_masks)
            dropped = h_prev if candidate_mask is None else h_prev * candidate_mask
            dz[:, u:2 * u] = d_reset_input * dropped
            d_dropped = d_reset_input * reset
            grad_h_prev += d_dropped if candidate_mask is None else d_dropped * candidate_mask
        dz[:, :2 * u] = activation_backward(self.recurrent_activation, z[:, :2 * u],
                                            gates[:, :2 * u], dz[:, :2 * u])
        if self.reset_after:
            drecurrent = work["drecurrent"][t]
            drecurrent[:, :2 * u] = dz[:, :2 * u]
            drecurrent[:, 2 * u:] = d_candidate * reset
            grad_h_prev += recurrence.gated_matmul_input_grad(drecurrent, kernel,
                                                              recurrent_masks)
        else:
            grad_h_prev += recurrence.gated_matmul_input_grad(
                dz[:, :2 * u], kernel[:, :2 * u], gate_masks)
        return [grad_h_prev]

    def _backward_weights(self, x, input_masks, recurrent_masks, trace, work, grads, need_input):
        dz, u = work["dz"], self.units
        if grads.wants(self.recurrent_kernel):
            if self.reset_after:
                grad = recurrence.gated_matmul_kernel_grad(
                    trace["h_prev"], work["drecurrent"], recurrent_masks)
            else:
                gate_masks, _ = self._recurrent_masks(recurrent_masks)
                grad = np.concatenate([
                    recurrence.gated_matmul_kernel_grad(trace["h_prev"], dz[..., :2 * u],
                                                        gate_masks),
                    recurrence.gated_matmul_kernel_grad(trace["reset_input"], dz[..., 2 * u:],
                                                        None),
                ], axis=1)
            grads.add(self.recurrent_kernel, grad)
        if self.bias is not None and grads.wants(self.bias):
            grad = sum_over_steps(dz)
            if self.reset_after:
                grad = np.stack([grad, sum_over_steps(work["drecurrent"])])
            grads.add(self.bias, grad)
        return self._kernel_and_input_grads(x, input_masks, dz, grads, need_input)

    # The whole-sequence loops, gate-major: a gate's block of every buffer is contiguous
    # (`z`, `dz` as `(gates, steps, batch, units)`, a step's gates and products as
    # `(gates, batch, units)`), so that each elementwise call walks one or two contiguous
    # blocks instead of `batch` strided rows; the recurrent product is one stacked product
    # over a gate-major view of the kernel (see `recurrence.by_gate`).

    def _run_sequence(self, x, states, masks, held, keep_trace):
        input_masks, recurrent_masks = masks
        u, reset_after = self.units, self.reset_after
        steps, batch = x.shape[:2]
        bias = None if self.bias is None else self.bias.value
        z = recurrence.project_by_gate(x, self.kernel.value, self._input_bias_or_none(),
                                       input_masks, 3)
        candidate_bias = None
        if reset_after and bias is not None:
            z[:2] += bias[1, :2 * u].reshape(2, 1, 1, u)  # the gates' recurrent bias
            candidate_bias = np.ascontiguousarray(np.broadcast_to(bias[1, 2 * u:], (batch, u)))
        # (without reset_after the candidate's product has a source of its own, `r * h`)
        per_gate = recurrent_masks is not None and len(recurrent_masks) == 3
        kernel, product, product_out = recurrence.step_product(
            self.recurrent_kernel.value, 3, batch, x.dtype, per_gate or not reset_after)
        gate_activation = recurrence.writer(self.recurrent_activation)
        activate = recurrence.writer(self.activation)
        h = np.empty((steps + 1, batch, u), x.dtype)
        h[0] = states[0]
        slots = steps if keep_trace else 1
        gates = np.empty((slots, 3, batch, u), x.dtype)
        # a step's recurrent products, and what the trace keeps of them: the candidate's
        # product that the reset gate scales (reset_after, its bias added), or the reset
        # state `r * h` that enters the candidate's product
        reset_input = np.empty((slots, batch, u), x.dtype)
        scratch = np.empty((batch, u), x.dtype)
        dropped = None if recurrent_masks is None else \
            np.empty((len(recurrent_masks), batch, u), x.dtype)
        per_step = zip(z[:2].transpose(1, 0, 2, 3), z[2], h[:-1], h[1:],
                       recurrence.held_rows(held, steps),
                       *(recurrence.slots(a, keep_trace) for a in (
                           reset_input, gates[:, :2], gates[:, 0], gates[:, 1], gates[:, 2])))
        for (z_gates, z_h, h_prev, h_next, held_t, reset_in, both, update, reset,
             candidate) in per_step:
            gate_source = state_source = h_prev
            if dropped is not None:  # each gate's product sees the state times its mask
                np.multiply(h_prev, recurrent_masks, out=dropped)
                gate_source, state_source = dropped if per_gate else dropped[0], dropped[-1]
            if reset_after:
                np.matmul(gate_source, kernel, out=product_out)
                if candidate_bias is None:
                    np.copyto(reset_in, product[2])
                else:
                    np.add(product[2], candidate_bias, out=reset_in)
            else:
                np.matmul(gate_source[:2] if per_gate else gate_source, kernel[:2],
                          out=product_out[:2])
            z_gates += product[:2]  # the projections become the pre-activations
            gate_activation(z_gates, both)
            if reset_after:
                np.multiply(reset, reset_in, out=scratch)
                z_h += scratch
            else:  # the reset state r * h enters the candidate's product
                np.multiply(reset, state_source, out=reset_in)
                np.matmul(reset_in, kernel[2], out=scratch)
                z_h += scratch
            activate(z_h, candidate)
            np.multiply(update, h_prev, out=h_next)  # Keras' z * h + (1 - z) * hh
            np.subtract(1.0, update, out=scratch)
            scratch *= candidate
            h_next += scratch
            if held_t is not None:  # masked samples keep their state
                np.copyto(h_next, h_prev, where=held_t)
        trace = {"sequence": h, "h_prev": h[:-1], "z": z, "gates": gates,
                 "reset_input": reset_input, "held": held}
        return h[1:], [h[-1]], trace

    def _input_bias_or_none(self):
        return None if self.bias is None else self._input_bias()

    def _run_sequence_backward(self, x, masks, trace, grad_outputs, grad_states, grads,
                               need_input):
        input_masks, recurrent_masks = masks
        u, reset_after = self.units, self.reset_after
        z, gates, h_prev = trace["z"], trace["gates"], trace["h_prev"]
        steps, batch = h_prev.shape[:2]
        gate_slope = recurrence.slope_writer(self.recurrent_activation)
        slope = recurrence.slope_writer(self.activation)
        kernel = self.recurrent_kernel.value
        kernel_t = np.ascontiguousarray(recurrence.by_gate(kernel, 3).transpose(0, 2, 1))
        # the gradients of the recurrent products, gate-major; with reset_after, the
        # candidate's block of the pre-activations' gradients is kept apart until the end
        drec = np.empty(z.shape, z.dtype)  # gate-major whatever `z`'s layout
        d_candidates = np.empty_like(h_prev) if reset_after else drec[2]
        grad_h = np.array(grad_states[0], z.dtype)  # updated in place
        scratch, carried = np.empty_like(grad_h), np.empty_like(grad_h)
        passed = np.empty_like(grad_h)
        each_gate = np.empty((3, batch, u), z.dtype)
        state_gate = 2 if recurrent_masks is not None and len(recurrent_masks) == 3 else 0
        per_step = zip(z[:2].transpose(1, 0, 2, 3), z[2], gates[:, :2], gates[:, 0],
                       gates[:, 1], gates[:, 2], h_prev, trace["reset_input"],
                       drec.transpose(1, 0, 2, 3), drec[:2].transpose(1, 0, 2, 3), drec[0],
                       drec[1], drec[2], d_candidates, recurrence.held_rows(trace["held"], steps))
        for t, (z_gates, z_h, both, update, reset, candidate, h_before, reset_in, d_rec,
                d_gates, d_update, d_reset, d_rec_h, d_candidate, held_t) in reversed(
                list(enumerate(per_step))):
            if grad_outputs is not None:
                grad_h += grad_outputs[t]
            if held_t is not None:  # a masked sample's gradient passes by the step
                np.copyto(passed, grad_h)
                np.copyto(grad_h, 0.0, where=held_t)
            slope(z_h, candidate, d_candidate)  # h = z * h_prev + (1 - z) * candidate
            np.subtract(1.0, update, out=scratch)
            d_candidate *= scratch
            d_candidate *= grad_h
            gate_slope(z_gates, both, d_gates)
            np.subtract(h_before, candidate, out=scratch)
            d_update *= scratch
            d_update *= grad_h
            np.multiply(grad_h, update, out=carried)
            if reset_after:  # the reset gate scales the candidate's recurrent product
                d_reset *= reset_in
                d_reset *= d_candidate
                np.multiply(d_candidate, reset, out=d_rec_h)
                np.matmul(d_rec, kernel_t, out=each_gate)
                gates_to_state = each_gate
            else:  # the candidate's product of the reset state r * h (h times its mask)
                np.matmul(d_candidate, kernel_t[2], out=scratch)
                if recurrent_masks is None:
                    d_reset *= h_before
                else:
                    np.multiply(h_before, recurrent_masks[state_gate], out=each_gate[2])
                    d_reset *= each_gate[2]
                d_reset *= scratch
                np.multiply(scratch, reset, out=each_gate[2])
                np.matmul(d_gates, kernel_t[:2], out=each_gate[:2])
                gates_to_state = each_gate
            if recurrent_masks is not None:
                gates_to_state *= recurrent_masks if len(recurrent_masks) == 3 else \
                    recurrent_masks[0]
            np.sum(gates_to_state, axis=0, out=grad_h)
            grad_h += carried
            if held_t is not None:
                np.copyto(grad_h, passed, where=held_t)
        self._sequence_weight_grads(x, masks, trace, drec, d_candidates, grads)
        grad_x = None
        if need_input:
            grad_x = recurrence.by_gate_input_grad(drec, self.kernel.value, input_masks)
        return grad_x, [grad_h]

    def _sequence_weight_grads(self, x, masks, trace, drec, d_candidates, grads):
        """The weights' gradients after the reverse loop, one stacked product each: `drec`
        (the recurrent products' gradients) becomes the pre-activations' gradients."""
        input_masks, recurrent_masks = masks
        u, reset_after = self.units, self.reset_after
        h_prev = trace["h_prev"]
        if grads.wants(self.recurrent_kernel):
            if reset_after:
                grad = recurrence.by_gate_kernel_grad(h_prev, drec, recurrent_masks)
            else:
                gate_masks = recurrent_masks if recurrent_masks is None or \
                    len(recurrent_masks) == 1 else recurrent_masks[:2]
                grad = np.concatenate([
                    recurrence.by_gate_kernel_grad(h_prev, drec[:2], gate_masks),
                    recurrence.by_gate_kernel_grad(trace["reset_input"], drec[2:], None)], axis=1)
            grads.add(self.recurrent_kernel, grad)
        recurrent_bias = None
        if reset_after:
            if self.bias is not None and grads.wants(self.bias):
                recurrent_bias = recurrence.by_gate_bias_grad(drec)
            drec[2] = d_candidates
        if grads.wants(self.kernel):
            grads.add(self.kernel, recurrence.by_gate_kernel_grad(x, drec, input_masks))
        if self.bias is not None and grads.wants(self.bias):
            grad = recurrence.by_gate_bias_grad(drec)
            grads.add(self.bias, grad if recurrent_bias is None else
                      np.stack([grad, recurrent_bias]))

    def _own_config(self):
        return {"reset_after": self.reset_after}


@registry.register("layer", module="keras.layers")
class GRU(BuiltinRNN):
    """Gated recurrent unit: `GRUCell` run over a sequence (see `RNN` for `return_sequences`,
    `return_state`, `go_backwards`, `stateful`, `unroll`, masks and `initial_state`; the
    other arguments are the cell's). Keras 2's `implementation` and `time_major` are accepted."""

    _cell_class = GRUCell
    _cell_name = "gru_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 use_cudnn="auto", **kwargs):
        super().__init__(locals())
