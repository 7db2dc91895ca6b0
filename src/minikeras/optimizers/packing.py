"""Packing: one update rule run once over all of fit's weights instead of once per weight.

For an elementwise rule (SGD, RMSprop, Adam, ...: every element's new value depends only on
that element of the weight, its gradient and its slots, and on scalars shared by all weights),
updating each weight in turn and updating one array holding them all give the same numbers,
element by element. A small model's step then makes a dozen numpy calls instead of a dozen
per weight (about 16 us each on small arrays).

`pack(optimizer)`, at the first step of `fit`, lays the trained weights of each dtype out in
one contiguous flat array, each `Variable.value` rebound once to its view of it (values
unchanged), and the same for their gradients (the arrays fit's tape writes into, which are
also the optimizer's own gradient buffers), every per-variable slot (momentum, velocity, ...)
and the scratch arrays. `units` then hands `Optimizer` one `(PackedView, flat gradient, flat
variable)` per dtype: the optimizer's own `update_step`, called with a view of the optimizer
whose per-variable lists hold the flat arrays as their one entry. The arithmetic is the
rule's, unchanged.

A step is updated per variable, as before, whenever the packing does not hold: the variables
updated are not those packed (a subset, missing gradients), a weight or slot was rebound since
(then for good), weight decay spares some weights, or a gradient is not in its packed buffer
and too large to copy in. Save files, `get_weights` and pickles see the views: arrays of the
variables' own shapes.
"""

import operator
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
# Halves of a packed dtype start on a 64-byte boundary.
_ALIGN = 16
_VALUE = operator.attrgetter("value")


class PackedArray:
    """What `update_step` reads as a variable or slot of a packed update: one flat `value`."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class PackedView:
    """The optimizer as its `update_step` sees it in a packed update: the flat arrays are the
    one entry (index 0) of each per-variable list (slots, scratch, gradient buffers); every
    other attribute is the optimizer's own: its instance attributes copied in before each
    update (`refresh`: one dict copy costs less than the half dozen lookups a rule makes that
    would fall through to `__getattr__`), its methods bound to it once asked for."""

    def __init__(self, optimizer, lists):
        self._lists = lists
        self._optimizer = optimizer
        self.refresh()

    def refresh(self):
        """Take the optimizer's attributes as they are now (hyperparameters, this update's
        scalars), the flat arrays over its own lists."""
        attributes = self.__dict__
        attributes.update(self._optimizer.__dict__)
        attributes.update(self._lists)

    def __getattr__(self, name):
        value = getattr(self._optimizer, name)
        if isinstance(getattr(type(self._optimizer), name, None), types.FunctionType):
            self.__dict__[name] = value  # a method, bound to the optimizer: kept
        return value

    def _get_variable_index(self, variable):
        return 0

    def update_step(self, gradient, variable, learning_rate):
        type(self._optimizer).update_step(self, gradient, variable, learning_rate)


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
        self.whole, self.halves = [], []
        for dtype, indices in by_dtype.items():
            sizes = [variables[i].value.size for i in indices]
            total = sum(sizes)
            offsets = np.cumsum([0, *sizes])
            flat_value = self._flat([variables[i] for i in indices], dtype, total, offsets)
            flat_gradient = np.zeros(total, dtype)
            flat_scratch = [np.empty(total, dtype) for _ in range(optimizer.scratch_buffers)]
            flat_slots = {}
            for slot_list in slot_lists:
                flat = self._flat([slot_list[i] for i in indices], dtype, total, offsets)
                flat_slots.update((name, flat) for name in names[id(slot_list)])
            for position, i in enumerate(indices):
                start, stop, shape = offsets[position], offsets[position + 1], variables[i].shape
                view = flat_gradient[start:stop].reshape(shape)
                self.gradients[i] = view
                optimizer._gradient_buffers[i] = view
                optimizer._tape_gradients[id(variables[i])] = view
                optimizer._scratch[i] = [s[start:stop].reshape(shape) for s in flat_scratch]

            units = [self._unit(optimizer, flat_value, flat_gradient, flat_scratch, flat_slots,
                                start, stop) for start, stop in _halves(total)]
            self.whole.append(self._unit(optimizer, flat_value, flat_gradient, flat_scratch,
                                         flat_slots, 0, total))
            self.halves.extend(units)
        self.total = sum(v.value.size for v in variables)

    @staticmethod
    def _unit(optimizer, flat_value, flat_gradient, flat_scratch, flat_slots, start, stop):
        """`(view, gradient, variable)` updating elements `start:stop` of one dtype's arrays."""
        lists = {name: [PackedArray(flat[start:stop])] for name, flat in flat_slots.items()}
        lists["_scratch"] = [[s[start:stop] for s in flat_scratch]]
        lists["_gradient_buffers"] = [flat_gradient[start:stop]]
        return (PackedView(optimizer, lists), flat_gradient[start:stop],
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

    def units(self, optimizer, grads, variables, halves):
        """The packed update of this step (`halves`: each dtype as two halves), or None to
        update per variable. (The checks run in C: `map`, `operator.is_`.)"""
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
        units = self.halves if halves else self.whole
        for view, _, _ in units:
            view.refresh()
        return units


def _halves(total):
    """The two halves of `total` elements, split on a 64-byte boundary (one piece if tiny)."""
    middle = (total // 2 + _ALIGN - 1) // _ALIGN * _ALIGN
    return [(0, middle), (middle, total)] if 0 < middle < total else [(0, total)]
