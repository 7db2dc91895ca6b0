"""A built-in recurrent cell run over a whole sequence, and backpropagation through time.

The cell supplies the arithmetic of one step (`RecurrentCell`); this module supplies what every
cell shares: the input projection of all steps as one matrix product, the loop over time that
holds a sample's state and output where its mask is False (Keras' semantics), the per-step
trace kept for the backward pass, the reverse loop of the backward pass, and the weight
gradients as one product over all steps at the end.

Sequences here are time-major, `(timesteps, batch, features)`, already in the order they are
processed (reversed for `go_backwards`).

Two ways through a sequence. Without a mask and recurrent dropout, and with elementwise
activations (the common case), a cell's `_run_sequence` runs the whole loop itself on
preallocated buffers, each step a few numpy calls with `out=` and no temporaries (so that a
batch's step works in cache), and `_run_sequence_backward` runs the reverse loop the same way,
each step's activation derivatives written straight into its pre-activation gradients. Any
other call goes step by step through `_step` and `_step_backward`, which hold masked samples.
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
    projected = cell._project(x, input_masks)
    keep_trace = tape.recording()
    if mask is None and recurrent_masks is None and cell._runs_sequences():
        with np.errstate(over="ignore"):
            sequence, states, trace = cell._run_sequence(projected, states, keep_trace)
        ctx = (x, None, masks, trace, zero_output_for_mask, keep_sequence)
        return (sequence if keep_sequence else sequence[-1]), states, ctx
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
    if "sequence" in trace:  # `_run_sequence`'s
        if grad_outputs is not None and not keep_sequence:
            grad_states[0] = grad_states[0] + grad_outputs  # the last output is the state h
            grad_outputs = None
        work, grad_states = cell._run_sequence_backward(trace, grad_outputs, grad_states)
        return cell._backward_weights(x, input_masks, recurrent_masks, trace, work, grads,
                                      need_input), grad_states
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
