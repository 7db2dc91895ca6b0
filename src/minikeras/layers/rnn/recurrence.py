"""A built-in recurrent cell run over a whole sequence, and backpropagation through time.

The cell supplies the arithmetic of one step (`RecurrentCell`); this module supplies what every
cell shares: the input projection of all steps as one matrix product, the loop over time that
holds a sample's state and output where its mask is False (Keras' semantics), the per-step
trace kept for the backward pass, the reverse loop of the backward pass, and the weight
gradients as one product over all steps at the end.

Sequences here are time-major, `(timesteps, batch, features)`, already in the order they are
processed (reversed for `go_backwards`).

Two ways through a sequence. With elementwise activations (`RecurrentCell._runs_sequences`;
every built-in one but softmax and the others taking an axis), masked or not, with dropout or
not, a cell's `_run_sequence` runs the whole loop itself on preallocated buffers, each step a
few numpy calls with `out=` and no temporaries (so that a batch's step works in cache), and
`_run_sequence_backward` runs the reverse loop the same way, each step's activation
derivatives written straight into its pre-activation gradients. Any other call goes step by
step through `_step` and `_step_backward`.
"""

import functools
import inspect
import itertools

import numpy as np

from minikeras import activations
from minikeras.core import tape


def _sigmoid_into(x, out):
    # activations.sigmoid's arithmetic, 1 / (1 + exp(-x)), in place (the same bits); the
    # caller ignores exp's overflow to inf for very negative x, whose limit 0 is right.
    np.negative(x, out=out)
    np.exp(out, out=out)
    out += 1.0
    np.divide(1.0, out, out=out)


def _tanh_into(x, out):
    np.tanh(x, out=out)


# The activations recurrent cells default to, written into a given buffer.
_INTO = {activations.sigmoid: _sigmoid_into, activations.tanh: _tanh_into}


def writer(activation):
    """`into(x, out)` writing `activation(x)` into `out`, without a temporary for the
    default activations."""
    into = _INTO.get(activation)
    if into is not None:
        return into
    return lambda x, out: np.copyto(out, activation(x))


def slots(array, keep_trace):
    """Per-step views of a trace buffer of `steps` slots, or its one slot for every step
    when no trace is kept (inference)."""
    return array if keep_trace else itertools.repeat(array[0])


def elementwise(activation):
    """Whether `activation` is a built-in elementwise one, whose derivative is an array the
    size of its input (not softmax and the others taking an `axis`, nor a user function)."""
    return getattr(activation, "backward", None) is not None and _takes_no_axis(activation)


@functools.lru_cache(maxsize=None)
def _takes_no_axis(activation):  # (built-in activations are plain, hashable functions)
    return "axis" not in inspect.signature(activation).parameters


def _sigmoid_slope_into(x, y, out):
    # activations.sigmoid's gradient rule, (1 - y) * y, before its product with the gradient
    np.subtract(1.0, y, out=out)
    out *= y


def _tanh_slope_into(x, y, out):
    np.multiply(y, y, out=out)
    np.subtract(1.0, out, out=out)


_SLOPE_INTO = {activations.sigmoid: _sigmoid_slope_into, activations.tanh: _tanh_slope_into}


def slope_writer(activation):
    """`into(x, y, out)` writing the elementwise derivative of `y = activation(x)` into `out`
    (for another elementwise activation, its gradient rule applied to ones)."""
    into = _SLOPE_INTO.get(activation)
    if into is not None:
        return into
    return lambda x, y, out: np.copyto(
        out, activation.backward(x, y, np.broadcast_to(np.ones((), x.dtype), x.shape)))


def held_rows(held, steps):
    """Per-step `(batch, units)` booleans of the samples a mask holds, or None for every step."""
    return itertools.repeat(None, steps) if held is None else held


def by_gate(kernel, gates):
    """A `(rows, gates * units)` kernel as `(gates, rows, units)`, each gate's columns one
    contiguous block (a copy: a few kilobytes, once per call)."""
    rows, columns = kernel.shape
    return np.ascontiguousarray(kernel.reshape(rows, gates, columns // gates).transpose(1, 0, 2))


def step_product(kernel, gates, batch, dtype, per_gate_sources):
    """A step's recurrent product into a gate-major `(gates, batch, units)` buffer: the kernel
    as the product takes it, the buffer, and the view of it that `np.matmul` writes. With a
    batch of one and one source for every gate the two layouts are the same memory: one
    product over `kernel` as it is into the buffer's flat `(1, gates * units)` row (one BLAS
    call); else a stacked product over `by_gate(kernel)` (one per gate)."""
    units = kernel.shape[1] // gates
    product = np.empty((gates, batch, units), dtype)
    if batch == 1 and not per_gate_sources:
        return kernel, product, product.reshape(1, gates * units)
    return by_gate(kernel, gates), product, product


def from_gates(per_gate):
    """`(gates, rows, units)` gradients as the kernel's `(rows, gates * units)`."""
    gates, rows, units = per_gate.shape
    return per_gate.transpose(1, 0, 2).reshape(rows, gates * units)


def _inputs_by_mask(x, masks):
    """`x` (time-major) flattened to `(n, steps * batch, features)`: `n` is 1, or the number of
    dropout masks, each applied to every step."""
    if masks is None:
        return x.reshape(1, -1, x.shape[-1])
    return (x[None] * masks[:, None]).reshape(len(masks), -1, x.shape[-1])


def project_by_gate(x, kernel, bias, input_masks, gates):
    """The input products of every step, gate-major: `(gates, steps, batch, units)` (one
    stacked product; with dropout, each gate's block sees `x` times its mask). For a batch of
    one, a view of the step-major `(steps, gates, 1, units)`, which is the plain product's
    `(steps, 1, gates * units)`: each step's gates are then one contiguous block, where numpy's
    calls on `gates` blocks of one row each would cost more than their arithmetic."""
    steps, batch = x.shape[:2]
    units = kernel.shape[1] // gates
    if batch == 1 and (input_masks is None or len(input_masks) == 1):
        # (one gemv a step: fewer instructions than one gemm over the steps at this size)
        out = np.matmul(x if input_masks is None else x * input_masks[0], kernel)
        if bias is not None:
            out += bias
        return out.reshape(steps, gates, 1, units).transpose(1, 0, 2, 3)
    out = np.empty((gates, steps, batch, units), x.dtype)
    np.matmul(_inputs_by_mask(x, input_masks), by_gate(kernel, gates),
              out=out.reshape(gates, steps * batch, units))
    if bias is not None:
        out += bias.reshape(gates, 1, 1, units)
    return out


def by_gate_kernel_grad(inputs, grad, masks):
    """The `(features, gates * units)` kernel gradient from the time-major `inputs` of a
    gate-major product and its gate-major gradient `grad`, over every step and sample."""
    gates, units = len(grad), grad.shape[-1]
    per_gate = np.matmul(_inputs_by_mask(inputs, masks).transpose(0, 2, 1),
                         grad.reshape(gates, -1, units))
    return from_gates(per_gate)


def by_gate_bias_grad(grad):
    """A bias gradient `(gates * units,)` from a gate-major gradient."""
    return grad.reshape(len(grad), -1, grad.shape[-1]).sum(axis=1).reshape(-1)


def by_gate_input_grad(grad, kernel, masks):
    """The gradient of `x` in `project_by_gate(x, kernel, ..., masks)` from its gate-major
    gradient `grad`."""
    gates, steps, batch, units = grad.shape
    per_gate = np.matmul(grad.reshape(gates, -1, units), by_gate(kernel, gates).transpose(0, 2, 1))
    per_gate = per_gate.reshape(gates, steps, batch, -1)
    if masks is not None:
        per_gate *= masks[:, None]
    return per_gate.sum(axis=0)


def gated_matmul(x, kernel, masks):
    """`x @ kernel`, where with dropout each gate's block of columns sees `x` times its own
    mask: `masks` is None, or `(n, batch, features)` with `n` 1 (one mask for every gate) or the
    number of gates. `x` may have a leading time axis: a call's masks serve every step."""
    if masks is None:
        return np.matmul(x, kernel)
    if len(masks) == 1:
        return np.matmul(x * masks[0], kernel)
    blocks = np.split(kernel, len(masks), axis=1)
    return np.concatenate([np.matmul(x * m, k) for m, k in zip(masks, blocks)], axis=-1)


def gated_matmul_input_grad(grad, kernel, masks):
    """The gradient of `x` in `gated_matmul(x, kernel, masks)` from the gradient `grad`."""
    if masks is None:
        return np.matmul(grad, kernel.T)
    if len(masks) == 1:
        return np.matmul(grad, kernel.T) * masks[0]
    blocks = np.split(kernel, len(masks), axis=1)
    grads = np.split(grad, len(masks), axis=-1)
    total = np.matmul(grads[0], blocks[0].T) * masks[0]
    for g, k, m in zip(grads[1:], blocks[1:], masks[1:]):
        total += np.matmul(g, k.T) * m
    return total


def gated_matmul_kernel_grad(x, grad, masks):
    """The gradient of `kernel` in `gated_matmul(x, kernel, masks)`, summed over every leading
    axis of `x` (all steps and samples in one product)."""
    flat_x = x.reshape(-1, x.shape[-1])
    flat_grad = grad.reshape(-1, grad.shape[-1])
    if masks is None:
        return np.matmul(flat_x.T, flat_grad)
    if len(masks) == 1:
        return np.matmul((x * masks[0]).reshape(flat_x.shape).T, flat_grad)
    grads = np.split(flat_grad, len(masks), axis=-1)
    return np.concatenate(
        [np.matmul((x * m).reshape(flat_x.shape).T, g) for m, g in zip(masks, grads)], axis=1
    )


def _shown_outputs(mask, zero_output_for_mask):
    """`(steps, batch, 1)` booleans of the outputs that are the state, for a masked call: a
    masked step repeats the previous output, which is the state it holds, except before a
    sample's first step, where the output is zeros (and everywhere masked with
    `zero_output_for_mask`)."""
    shown = mask if zero_output_for_mask else np.logical_or.accumulate(mask, axis=0)
    return shown[..., None]


def run(cell, x, states, mask, masks, keep_sequence, zero_output_for_mask):
    """Run `cell` over the time-major sequence `x` from `states`.

    Args:
        mask: `(timesteps, batch)` booleans or None: where False, the step leaves the sample's
            states unchanged and its output is the previous step's output (zeros with
            `zero_output_for_mask`; zeros too before the first step), as Keras' rnn does.
        masks: the call's dropout masks `(input_masks, recurrent_masks)`, each None or
            `(n, batch, dim)`.
        keep_sequence: whether to keep every step's output, else only the last.

    Returns `(outputs, final_states, ctx)`: `outputs` is `(timesteps, batch, units)` or the last
    step's `(batch, units)`; `ctx` is what `run_backward` needs.
    """
    input_masks, recurrent_masks = masks
    keep_trace = tape.recording()
    if cell._runs_sequences():
        held = None if mask is None else np.ascontiguousarray(
            np.broadcast_to(~mask[..., None], (*mask.shape, cell.output_size)))
        with np.errstate(over="ignore"):
            sequence, states, trace = cell._run_sequence(x, states, masks, held, keep_trace)
        shown = None if mask is None else _shown_outputs(mask, zero_output_for_mask)
        if shown is not None:
            sequence = np.where(shown, sequence, 0.0) if keep_sequence else \
                np.where(shown[-1], sequence[-1], 0.0)
        elif not keep_sequence:
            sequence = sequence[-1]
        ctx = (x, shown, masks, trace, zero_output_for_mask, keep_sequence)
        return sequence, states, ctx
    projected = cell._project(x, input_masks)
    steps, batch = x.shape[0], x.shape[1]
    # Without a tape there is no backward pass: one slot of trace serves as every step's
    # scratch space.
    trace = cell._new_trace(steps if keep_trace else 1, batch, x.dtype)
    outputs = np.empty((steps, batch, cell.output_size), x.dtype) if keep_sequence else None
    output = np.zeros((batch, cell.output_size), x.dtype)
    for t in range(steps):
        step_output, new_states = cell._step(t if keep_trace else 0, projected[t], states,
                                             recurrent_masks, trace)
        if mask is not None:
            keep = mask[t][:, None]
            new_states = [np.where(keep, n, s) for n, s in zip(new_states, states)]
            step_output = np.where(keep, step_output, 0.0 if zero_output_for_mask else output)
        states, output = new_states, step_output
        if keep_sequence:
            outputs[t] = output
    ctx = (x, mask, masks, trace, zero_output_for_mask, keep_sequence)
    return (outputs if keep_sequence else output), states, ctx


def run_backward(cell, ctx, grad_outputs, grad_states, grads, need_input):
    """Backpropagation through time of one `run`: the gradients of `x` (None unless
    `need_input`) and of the initial states, from those of the outputs (the sequence, or the
    last output) and of the final states (None entries are zeros); the cell's weights'
    gradients go into `grads`."""
    x, mask, (input_masks, recurrent_masks), trace, zero_output_for_mask, keep_sequence = ctx
    steps, batch = x.shape[0], x.shape[1]
    shapes = [(batch, size) for size in cell._state_sizes()]
    grad_states = [np.zeros(s, x.dtype) if g is None else g for g, s in zip(grad_states, shapes)]
    if "sequence" in trace:  # `_run_sequence`'s; `mask` is which outputs show the state
        if grad_outputs is not None and mask is not None:
            grad_outputs = np.where(mask if keep_sequence else mask[-1], grad_outputs, 0.0)
        if grad_outputs is not None and not keep_sequence:
            grad_states[0] = grad_states[0] + grad_outputs  # the last output is the state h
            grad_outputs = None
        return cell._run_sequence_backward(x, (input_masks, recurrent_masks), trace,
                                           grad_outputs, grad_states, grads, need_input)
    work = cell._new_work(steps, batch, x.dtype)
    carried = None  # the gradient reaching the previous step's output through masked steps
    for t in reversed(range(steps)):
        if keep_sequence:
            grad_output = grad_outputs[t] if grad_outputs is not None else 0.0
        else:
            grad_output = grad_outputs if t == steps - 1 and grad_outputs is not None else 0.0
        if carried is not None:
            grad_output = grad_output + carried
        if mask is None:
            grad_states = cell._step_backward(t, grad_output, grad_states, recurrent_masks,
                                              trace, work)
            continue
        keep = mask[t][:, None]
        held = ~keep
        carried = None if zero_output_for_mask else grad_output * held
        through = cell._step_backward(
            t, grad_output * keep, [g * keep for g in grad_states], recurrent_masks, trace, work
        )
        grad_states = [d + g * held for d, g in zip(through, grad_states)]
    return cell._backward_weights(x, input_masks, recurrent_masks, trace, work, grads,
                                  need_input), grad_states
