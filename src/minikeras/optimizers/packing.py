"""Packing: one update rule run once over all of fit's weights instead of once per weight.

For an elementwise rule (SGD, RMSprop, Adam, ...: every element's new value depends only on
that element of the weight, its gradient and its slots, and on scalars shared by all weights),
updating each weight in turn and updating one array holding them all give the same numbers,
element by element. A small model's step then makes a dozen numpy calls instead of a dozen
per weight (about 16 us each on small arrays).

`pack(optimizer)`, at the first step of `fit`, lays the trained weights of each dtype out in
one contiguous flat array, each `Variable.value` rebound once to its view of it (values
unchanged), and the same for their gradients (the arrays fit's tape writes into, which are
also the optimizer's own gradient buffers) and every per-variable slot (momentum, velocity,
...). `units` then hands `Optimizer` one `(PackedView, gradient, variable)` per chunk of
`CHUNK_SIZE` elements of each dtype's flat arrays: the optimizer's own `update_step`, called
with a view of the optimizer whose per-variable lists hold the chunk's slices as their one
entry. The arithmetic is the rule's, unchanged.

Why chunks: a rule makes about ten passes over its arrays. Over mnist_mlp's whole flat arrays
(669k weights, 2.7 MB an array) each pass streams five arrays through the caches; over a chunk
sized so that its arrays fit in a core's L2 cache together (64k elements, 256 kB an array, on
a 2 MB L2) the passes after the first find them there, and the scratch arrays, one chunk long
and kept per thread, stay there from chunk to chunk: RMSprop's update of mnist_mlp went from
1.41 to 0.79 ms (see docs/performance.md).

A step is updated per variable, as before, whenever the packing does not hold: the variables
updated are not those packed (a subset, missing gradients), a weight or slot was rebound since
(then for good), weight decay spares some weights, or a gradient is not in its packed buffer
and too large to copy in. Save files, `get_weights` and pickles see the views: arrays of the
variables' own shapes.
"""

import functools
import operator
import os
import threading
import types

import numpy as np

try:
    from numpy.lib.array_utils import byte_bounds
except ImportError:  # numpy < 2
    from numpy import byte_bounds

# Set to False to update every variable on its own (tests compare the two ways).
ENABLED = True
# A gradient not written into its packed buffer (a user's layer allocating its own) is copied
# in when the stray gradients hold at most this many elements: a copy is one pass over them,
# an update per variable a dozen numpy calls each.
COPY_IN_MAX_SIZE = 1 << 16
# Elements of a chunk (None: the largest power of two whose arrays, weights, gradient, slots and
# scratch, fit in a core's L2 cache together; a larger chunk makes fewer numpy calls, about 1 us
# each, a smaller one misses the cache). At least 16: chunks start on 64-byte boundaries.
CHUNK_SIZE = None
_L2_BYTES_UNKNOWN = 1 << 20  # where the system does not say: 1 MB, the L2 of most x86 servers
_MIN_CHUNK = 1 << 12
_VALUE = operator.attrgetter("value")


class PackedArray:
    """What `update_step` reads as a variable or slot of a packed update: one flat `value`."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class PackedView:
    """The optimizer as its `update_step` sees it in a packed update of one chunk: the chunk's
    slices are the one entry (index 0) of each per-variable list (slots, gradient buffers), its
    scratch arrays this thread's (`_scratch`); every other attribute is the optimizer's own:
    its instance attributes copied in before each update (`refresh`: one dict copy costs less
    than the half dozen lookups a rule makes that would fall through to `__getattr__`), its
    methods bound to it once asked for."""

    def __init__(self, optimizer, lists, scratch, size):
        self._lists = lists
        self._optimizer = optimizer
        self._thread_scratch, self._size = scratch, size
        self.refresh()

    def refresh(self):
        """Take the optimizer's attributes as they are now (hyperparameters, this update's
        scalars), the chunk's slices over its own lists."""
        attributes = self.__dict__
        attributes.update(self._optimizer.__dict__)
        attributes.update(self._lists)

    def __getattr__(self, name):
        value = getattr(self._optimizer, name)
        if isinstance(getattr(type(self._optimizer), name, None), types.FunctionType):
            self.__dict__[name] = value  # a method, bound to the optimizer: kept
        return value

    @property
    def _scratch(self):
        return self._thread_scratch.lists[self._size]

    def _get_variable_index(self, variable):
        return 0

    def update_step(self, gradient, variable, learning_rate):
        type(self._optimizer).update_step(self, gradient, variable, learning_rate)


class _ThreadScratch(threading.local):
    """Scratch arrays of one chunk, one set per thread: the chunks of an update run one after
    another in a thread, and share its set (two threads split an update's chunks between them,
    each with its own). `lists[size]`: the set cut to a chunk of `size` elements, as the one
    entry of a view's `_scratch`."""

    def __init__(self, count, sizes, dtype):
        arrays = [np.empty(max(sizes), dtype) for _ in range(count)]
        self.lists = {size: [[array[:size] for array in arrays]] for size in sizes}


def packable(optimizer):
    """Whether the optimizer's rule is elementwise: a built-in rule that says so."""
    cls = type(optimizer)
    return bool(cls._elementwise_update) and _built_in(cls.update_step)


def _built_in(function):
    return function.__module__.startswith("minikeras.optimizers")


def pack(optimizer):
    """The optimizer's `Packing`, or False where its variables are not packed."""
    variables = list(optimizer._trainable_variables)
    if not (ENABLED and variables and packable(optimizer)):
        return False
    values = [v.value for v in variables]
    if any(type(a) is not np.ndarray or not a.flags.writeable for a in values) or _overlap(values):
        return False
    slots = optimizer._slot_lists
    if not all(len(slot_list) == len(variables) and all(
            s.value.shape == v.value.shape and s.value.dtype == v.value.dtype
            for s, v in zip(slot_list, variables)) for slot_list in slots):
        return False  # slots made for other variables than those updated: left as they are
    return Packing(optimizer, variables, slots)


def _overlap(arrays):
    """Whether any two arrays share memory (two variables over one buffer stay as they are)."""
    bounds = sorted(byte_bounds(a) for a in arrays if a.size)
    return any(low < high for (_, high), (low, _) in zip(bounds, bounds[1:]))


class Packing:
    """The flat arrays of one optimizer's packed variables, and the check each step makes."""

    def __init__(self, optimizer, variables, slot_lists):
        self.variables = variables
        self.gradients = [None] * len(variables)  # each variable's view of its packed gradient
        self.tracked, self.views = [], []  # each variable and slot, and the view it must have
        by_dtype = {}
        for index, variable in enumerate(variables):
            by_dtype.setdefault(variable.value.dtype, []).append(index)
        # The names the optimizer keeps its slot lists under: in a view, each holds the flat.
        names = {id(slot_list): [name for name, value in vars(optimizer).items()
                                 if value is slot_list] for slot_list in slot_lists}
        self.chunks = []
        self.flat_arrays = []  # every dtype's flat weights and slots (all an update writes)
        for dtype, indices in by_dtype.items():
            sizes = [variables[i].value.size for i in indices]
            total = sum(sizes)
            offsets = np.cumsum([0, *sizes])
            flat_value = self._flat([variables[i] for i in indices], dtype, total, offsets)
            flat_gradient = np.zeros(total, dtype)
            flat_slots = {}
            self.flat_arrays.append(flat_value)
            for slot_list in slot_lists:
                flat = self._flat([slot_list[i] for i in indices], dtype, total, offsets)
                flat_slots.update((name, flat) for name in names[id(slot_list)])
                self.flat_arrays.append(flat)
            for position, i in enumerate(indices):
                start, stop, shape = offsets[position], offsets[position + 1], variables[i].shape
                view = flat_gradient[start:stop].reshape(shape)
                self.gradients[i] = view
                optimizer._gradient_buffers[i] = view
                optimizer._tape_gradients[id(variables[i])] = view
            arrays = 2 + len(slot_lists) + optimizer.scratch_buffers
            size = CHUNK_SIZE or _chunk_size(arrays * dtype.itemsize)
            bounds = [(start, min(start + size, total)) for start in range(0, total, size)]
            scratch = _ThreadScratch(optimizer.scratch_buffers,
                                     {stop - start for start, stop in bounds}, dtype)
            self.chunks.extend(
                self._chunk(optimizer, flat_value, flat_gradient, flat_slots, scratch, start, stop)
                for start, stop in bounds)
        self.total = sum(v.value.size for v in variables)

    @staticmethod
    def _chunk(optimizer, flat_value, flat_gradient, flat_slots, scratch, start, stop):
        """`(view, gradient, variable)` updating elements `start:stop` of one dtype's arrays."""
        lists = {name: [PackedArray(flat[start:stop])] for name, flat in flat_slots.items()}
        lists["_gradient_buffers"] = [flat_gradient[start:stop]]
        return (PackedView(optimizer, lists, scratch, stop - start), flat_gradient[start:stop],
                PackedArray(flat_value[start:stop]))

    def _flat(self, variables, dtype, total, offsets):
        """One flat array holding the variables' values; each value becomes its view."""
        flat = np.empty(total, dtype)
        for position, variable in enumerate(variables):
            view = flat[offsets[position]:offsets[position + 1]].reshape(variable.value.shape)
            view[...] = variable.value
            variable.value = view
            self.tracked.append(variable)
            self.views.append(view)
        return flat

    def units(self, optimizer, grads, variables):
        """The packed update of this step, chunk by chunk, or None to update per variable.
        (The checks run in C: `map`, `operator.is_`.)"""
        if len(variables) != len(self.variables) or not all(
                map(operator.is_, variables, self.variables)):
            return None
        if not all(map(operator.is_, map(_VALUE, self.tracked), self.views)):
            optimizer._packing = False  # rebound since: per variable from now on
            return None
        if optimizer.weight_decay is not None and not all(
                map(optimizer._use_weight_decay, variables)):
            return None
        if not all(map(operator.is_, grads, self.gradients)):
            stray = [(g, view) for g, view in zip(grads, self.gradients) if g is not view]
            if sum(view.size for _, view in stray) > COPY_IN_MAX_SIZE or any(
                    g.shape != view.shape for g, view in stray):
                return None
            for gradient, view in stray:
                np.copyto(view, gradient)
        for view, _, _ in self.chunks:
            view.refresh()
        return self.chunks


def _chunk_size(bytes_per_element):
    """The largest power of two of elements whose arrays fit in a core's L2 cache together."""
    size = _MIN_CHUNK
    while 2 * size * bytes_per_element <= _l2_cache_bytes():
        size *= 2
    return size


@functools.lru_cache(maxsize=None)
def _l2_cache_bytes():
    """The L2 (data or unified) cache of the first CPU in bytes, as Linux reports it."""
    root = "/sys/devices/system/cpu/cpu0/cache"
    try:
        for index in sorted(os.listdir(root)):
            with open(os.path.join(root, index, "level")) as level, \
                    open(os.path.join(root, index, "type")) as kind, \
                    open(os.path.join(root, index, "size")) as size:
                if level.read().strip() == "2" and kind.read().strip() in ("Data", "Unified"):
                    text = size.read().strip()
                    scale = {"K": 1 << 10, "M": 1 << 20}.get(text[-1:], 1)
                    return int(text.rstrip("KM")) * scale
    except (OSError, ValueError):
        pass
    return _L2_BYTES_UNKNOWN
