"""`keras.ops.core`: conversions, dtypes and shapes of tensors, the gradient stop, slices and
scatters, control flow (Python's own: on a tape every step records, so loops differentiate)
and `custom_gradient`."""

import builtins
import functools
import inspect
import math
import re

import numpy as np

from minikeras import autodiff, backend, tree
from minikeras.autodiff import Node, apply
from minikeras.core import tape
from minikeras.ops._dtypes import _as, _input, _promote, _to_tensor, _value
from minikeras.ops._public import publish
from minikeras.ops.numpy import reshape, stack, take, transpose


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """`x` as an array (a Node stays a Node): Python floats become `floatx`, Python ints int32,
    arrays keep their dtype; `dtype` casts."""
    x = autodiff.lift(x)
    if dtype is not None:
        return cast(x, dtype)
    return _to_tensor(x)


def convert_to_numpy(x):
    """A numpy copy of `x`."""
    return np.array(_value(x))


def cast(x, dtype):
    """`x` converted to `dtype`; a cast to a non-float type carries no gradient."""
    dtype = np.dtype(backend.standardize_dtype(dtype))
    x = _input(x)
    if isinstance(x, Node):
        return _as(x, dtype) if dtype.kind == "f" else x.value.astype(dtype)
    return np.asarray(x).astype(dtype)


def stop_gradient(variable):
    """The value of `variable`, as a constant for autodiff."""
    return _value(variable)


def is_tensor(x):
    return isinstance(x, (np.ndarray, Node))


def shape(x):
    """The shape of `x`, a tuple of ints."""
    return tuple(int(d) for d in np.shape(_value(x)))


def unstack(x, num=None, axis=0):
    """The slices of `x` along `axis`, as a list."""
    (x,) = _promote(x)
    return [take(x, i, axis=axis) for i in range(x.shape[axis])]


def dtype(x):
    """The standardized name of the dtype of `x` ("float32", "int32", ...)."""
    return backend.standardize_dtype(_value(x).dtype)


def slice(inputs, start_indices, shape):
    """The block of `inputs` of `shape` that starts at `start_indices` (one per axis)."""
    starts = [int(i) for i in np.asarray(_value(start_indices))]
    index = tuple(builtins.slice(s, s + int(n)) for s, n in zip(starts, shape))
    return apply("getitem", *_promote(inputs), index=index)


def slice_update(inputs, start_indices, updates):
    """`inputs` with the block starting at `start_indices` replaced by `updates`."""
    inputs, updates = _promote(inputs, updates)
    starts = [int(i) for i in np.asarray(_value(start_indices))]
    index = tuple(builtins.slice(s, s + n) for s, n in zip(starts, updates.shape))
    return apply("scatter_update", inputs, updates, index=index)


def _nd_index(indices):
    """An (N, d) array of N index tuples into the first d axes, as numpy's fancy index."""
    indices = _value(indices).astype("int64")
    return tuple(np.moveaxis(indices, -1, 0))


def scatter(indices, values, shape):
    """Zeros of `shape` with `values` added at `indices` (N index tuples, each into the first
    axes): repeated indices accumulate."""
    (values,) = _promote(values)
    return apply("scatter_add", values, index=_nd_index(indices), shape=tuple(shape))


def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with `updates` set at `indices` (N index tuples, each into the first axes);
    `reduction` "add", "max", "min" or "mul" combines them with the values there instead."""
    inputs, updates = _promote(inputs, updates)
    index = _nd_index(indices)
    if reduction in (None, "none"):
        return apply("scatter_update", inputs, updates, index=index)
    if reduction == "add":
        return inputs + apply("scatter_add", updates, index=index, shape=inputs.shape)
    combine = {"max": np.maximum, "min": np.minimum, "mul": np.multiply}.get(reduction)
    if combine is None:
        raise ValueError(f"Unsupported reduction: {reduction}")
    result = np.array(_value(inputs))
    combine.at(result, index, _value(updates))
    return result


def cond(pred, true_fn, false_fn):
    """`true_fn()` if `pred` holds, else `false_fn()`."""
    return true_fn() if bool(_value(pred)) else false_fn()


def switch(index, branches, *operands):
    """`branches[index](*operands)`, the index clipped into the branches' range."""
    chosen = builtins.min(builtins.max(int(_value(index)), 0), len(branches) - 1)
    return branches[chosen](*operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """`loop_vars = body(*loop_vars)` while `cond(*loop_vars)` holds (at most
    `maximum_iterations` times); a single non-tuple loop variable is passed and returned as
    itself. On a tape, each step is recorded: the loop is differentiable."""
    is_tuple = isinstance(loop_vars, (tuple, list))
    loop_vars = _tensors(tuple(loop_vars) if is_tuple else (loop_vars,))
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and bool(
            _value(cond(*loop_vars))):
        loop_vars = body(*loop_vars)
        loop_vars = _tensors(tuple(loop_vars) if isinstance(loop_vars, (tuple, list))
                             else (loop_vars,))
        steps += 1
    return loop_vars if is_tuple else loop_vars[0]


def fori_loop(lower, upper, body_fun, init_val):
    """`init_val = body_fun(i, init_val)` for `i` from `lower` to `upper - 1`."""
    value = _tensors(init_val)
    for i in range(int(_value(lower)), int(_value(upper))):
        value = _tensors(body_fun(i, value))
    return value


def _tensors(structure):
    """The leaves of `structure` as tensors (numpy's 0-d results are scalars, not arrays)."""
    return tree.map_structure(lambda x: x if x is None else convert_to_tensor(x), structure)


def _stacked(outputs):
    """A list of like structures as one structure of stacked leaves."""
    leaves = [tree.flatten(o) for o in outputs]
    return tree.pack_sequence_as(outputs[0], [stack(column) for column in zip(*leaves)])


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """`carry, y = f(carry, x)` over the slices `x` of `xs` along its first axis (or `length`
    times with `x` None); returns the last carry and the stacked `y`s (JAX's `lax.scan`)."""
    if xs is None:
        slices = [None] * length
    else:
        flat = [_input(x) for x in tree.flatten(xs)]
        count = flat[0].shape[0]
        slices = [tree.pack_sequence_as(xs, [x[i] for x in flat]) for i in range(count)]
    if reverse:
        slices = slices[::-1]
    carry, ys = _tensors(init), []
    for x in slices:
        carry, y = _tensors(f(carry, x))
        ys.append(y)
    if reverse:
        ys = ys[::-1]
    if not ys or y is None:
        return carry, None
    return carry, _stacked(ys)


def map(f, xs):
    """`f` applied to each slice of `xs` along its first axis, the results stacked."""
    flat = [_input(x) for x in tree.flatten(xs)]
    outputs = [f(tree.pack_sequence_as(xs, [x[i] for x in flat])) for i in range(flat[0].shape[0])]
    return _stacked(outputs)


def vectorized_map(function, elements):
    """`function` applied to each slice of `elements` along its first axis, stacked (a loop:
    numpy has no vectorizing transform)."""
    return map(function, elements)


def saturate_cast(x, dtype):
    """`x` cast to `dtype`, values beyond its range clipped to its limits first."""
    dtype = np.dtype(backend.standardize_dtype(dtype))
    (x,) = _promote(x)
    if x.dtype == bool or dtype == bool:
        return cast(x, dtype)
    source, target = (np.finfo(d) if d.kind == "f" else np.iinfo(d) for d in (x.dtype, dtype))
    low = np.asarray(builtins.max(source.min, target.min)).astype(x.dtype)
    high = np.asarray(builtins.min(source.max, target.max)).astype(x.dtype)
    # a limit that rounds beyond the target's range (float32 of 2**31 - 1) steps back inside
    if low < target.min:
        low = np.nextafter(low, 0, dtype=x.dtype)
    if high > target.max:
        high = np.nextafter(high, 0, dtype=x.dtype)
    return cast(apply("clip", x, low, high), dtype)


def associative_scan(f, elems, reverse=False, axis=0):
    """The running combination of the slices of `elems` along `axis` by the associative
    `f(earlier, later)`: `[x0, f(x0, x1), f(f(x0, x1), x2), ...]` (from the end if
    `reverse`), computed in order."""
    flat = [_input(x) for x in tree.flatten(elems)]
    count = flat[0].shape[axis]
    slices = [tree.pack_sequence_as(elems, [take(x, i, axis=axis) for x in flat])
              for i in range(count)]
    order = range(count - 1, -1, -1) if reverse else range(count)
    results, running = {}, None
    for i in order:
        running = slices[i] if running is None else (
            f(slices[i], running) if reverse else f(running, slices[i]))
        results[i] = running
    leaves = [tree.flatten(results[i]) for i in range(count)]
    return tree.pack_sequence_as(elems, [stack(column, axis=axis) for column in zip(*leaves)])


def rearrange(tensor, pattern, **axes_lengths):
    """`tensor`'s axes rearranged as the einops `pattern` says: named axes permuted
    ("b h w c -> b c h w"), grouped into one ("b h w c -> b (h w) c") or an axis split into
    several, the sizes of all but one given in `axes_lengths` ("b (h w) c -> b h w c", h=4)."""
    (tensor,) = _promote(tensor)
    source, target = (_einops_groups(side) for side in pattern.split("->"))
    if len(source) != tensor.ndim:
        raise ValueError(f"The pattern {pattern!r} names {len(source)} axes; the tensor has "
                         f"{tensor.ndim}.")
    sizes = dict(axes_lengths)
    for group, dim in zip(source, tensor.shape):
        unknown = [name for name in group if name not in sizes]
        known = math.prod(sizes[name] for name in group if name in sizes)
        if unknown:
            sizes[unknown[0]] = dim // known
    names = [name for group in source for name in group]
    split = reshape(tensor, [sizes[name] for name in names])
    moved = transpose(split, [names.index(name) for group in target for name in group])
    return reshape(moved, [math.prod(sizes[name] for name in group) for group in target])


def _einops_groups(side):
    """The axes of one side of an einops pattern, each a list of the names it groups."""
    return [token.strip("()").split() for token in re.findall(r"\([^)]*\)|\S+", side)]


def custom_gradient(f):
    """Decorate `f(*args)` returning `(y, grad_fn)`: a function giving `y`, whose gradient on
    a tape is `grad_fn(upstream)`, one gradient per argument (or a single one for a single
    argument). `grad_fn` may be written JAX-style, `grad_fn(upstream)`, or TF-style,
    `grad_fn(*args, upstream=None)` (called with `upstream` as its one positional argument), or
    PyTorch-style, `grad_fn(*args, upstream)` (called with the keyword). On the tape the call
    is one node, whose gradient `grad_fn` gives; `f` runs on the arguments' values."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        inputs = [_input(a) for a in args]
        y, grad_fn = f(*[_value(a) if isinstance(a, Node) else a for a in inputs], **kwargs)
        value = np.asarray(_value(y))
        parents = tuple(a if isinstance(a, Node) else None for a in inputs)
        if not tape.recording() or builtins.all(p is None for p in parents):
            return value

        def vjp(g, grads):
            result = grad_fn(upstream=g) if _takes_upstream_keyword(grad_fn) else grad_fn(g)
            result = result if isinstance(result, (tuple, list)) else (result,)
            return tuple(None if r is None else np.asarray(_value(r)) for r in result)

        return tape.record(value, parents, vjp, f.__name__)

    return wrapper


def _takes_upstream_keyword(grad_fn):
    """Whether `grad_fn` requires `upstream` as a keyword (PyTorch-style `(*args, upstream)`)."""
    parameter = inspect.signature(grad_fn).parameters.get("upstream")
    return (parameter is not None and parameter.kind is inspect.Parameter.KEYWORD_ONLY
            and parameter.default is inspect.Parameter.empty)


__all__ = publish(globals())
