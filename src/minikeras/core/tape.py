"""The one reverse-mode tape: every gradient in minikeras is computed here.

While a `GradientTape` records (in this thread), computations build a graph of `Node`s:
- an op of `minikeras.ops` on a Node records its output as a Node that remembers its inputs and
  its vector-Jacobian product (how a gradient of the output flows back to each input);
- a trainable `Variable` read by such code is a leaf of the tape (one leaf per variable and
  tape, so two reads of one weight sum their gradients);
- a built-in layer call is one Node whose vjp is the layer's hand-written `backward`, which adds
  its weights' gradients straight into the sweep's `Gradients` (no parameter-sized temporary
  where the caller keeps buffers across steps).

`GradientTape.gradient` sweeps the graph once in reverse topological order, summing every use.
With no tape recording, nothing is recorded: values are plain numpy arrays and inference pays
nothing for any of this. Nodes are never replayed: what a layer's `call` did once is what its
gradient follows.
"""

import contextlib
import threading

import numpy as np

from minikeras import tree

_state = threading.local()  # .tapes: the tapes recording in this thread, innermost last
# The threads that have a tape recording (their idents): while none has (inference),
# `recording()` answers without a thread-local lookup. Each thread adds and discards only its
# own ident, and a set's add and discard are atomic: no lock (a step of `fit` enters and
# leaves one tape).
_threads_recording = set()


def _recording_tapes():
    return getattr(_state, "tapes", ())


def _set_tapes(tapes, before=None):
    """This thread's recording tapes become `tapes` (`before`: what they were, if known)."""
    if before is None:
        before = getattr(_state, "tapes", ())
    if bool(before) != bool(tapes):
        if tapes:
            _threads_recording.add(threading.get_ident())
        else:
            _threads_recording.discard(threading.get_ident())
    _state.tapes = tapes


def recording():
    """Whether a tape records in this thread."""
    if not _threads_recording:
        return False
    return bool(getattr(_state, "tapes", ()))


class Node:
    """A value computed while a tape records. User code handles it like an array: Python's
    operators, indexing and slicing, `len`, `.shape`, `.ndim`, `.dtype`, `.T`, `.numpy()`
    (numpy functions refuse it: they would drop its gradient).

    Args:
        value: the ndarray this node stands for.
        parents: one entry per input: the input's Node, or None for a constant.
        vjp: `vjp(g, grads)` returns one gradient per parent (None where there is none) from
            the gradient `g` of `value`; `grads` is the sweep's `Gradients`, where layers add
            their weights' gradients.
        op: the name of what computed it (an op, a layer, an activation, a loss).
        variables: the variables whose gradients `vjp` adds into `grads` (a layer's weights).

    `intermediates` is what the function that computed it kept of the way there, for the ops
    that consume it and know that function (None, but for a softmax: its row maxima and sums,
    which a crossentropy at its logits takes instead of computing them again).
    """

    __slots__ = ("value", "parents", "vjp", "op", "variables", "variable", "tapes",
                 "_keras_mask", "intermediates", "__weakref__")

    # numpy must not unwrap a node into a plain array, which would silently drop its gradient:
    # `ndarray + node` defers to `Node.__radd__`, numpy functions raise a TypeError.
    __array_ufunc__ = None

    def __init__(self, value, parents=(), vjp=None, op=None, variables=()):
        self.value = value
        self.parents = parents
        self.vjp = vjp
        self.op = op
        self.variables = variables
        self.variable = None  # set on a variable's leaf
        self.tapes = getattr(_state, "tapes", ())  # the tapes that recorded it
        self._keras_mask = self.intermediates = None

    shape = property(lambda self: self.value.shape)
    ndim = property(lambda self: self.value.ndim)
    dtype = property(lambda self: self.value.dtype)
    size = property(lambda self: self.value.size)
    T = property(lambda self: _OPERATORS["transpose"](self))

    def numpy(self):
        return self.value.copy()

    def __getitem__(self, index):
        return _OPERATORS["getitem"](self, index)

    def __len__(self):
        return len(self.value)

    def __array__(self, dtype=None, copy=None):
        # Once nothing records, a node is just its value (a metric reads it, a loop logs it);
        # while a tape records, numpy would silently drop its gradient.
        if recording():
            raise TypeError(
                "A tensor traced for its gradient cannot become a numpy array, which would drop "
                "the gradient: write this computation with `minikeras.ops` "
                "(`ops.stop_gradient(x)` gives a constant)."
            )
        return self.value if dtype is None else self.value.astype(dtype)

    def __bool__(self):
        return bool(self.value)

    def __float__(self):
        return float(self.value)

    def __int__(self):
        return int(self.value)

    def __neg__(self):
        return _OPERATORS["negative"](self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _OPERATORS["absolute"](self)

    __hash__ = object.__hash__  # `==` is element-wise, identity stays the hash

    def __repr__(self):
        return f"<Node op={self.op}, shape={self.shape}, dtype={self.dtype.name}: {self.value}>"


# The functions behind Node's operators, given by `minikeras.ops` (which is built on this
# module) when it is imported: the tape itself knows no op.
_OPERATORS = {}

_BINARY = {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "divide", "pow": "power",
    "matmul": "matmul", "mod": "mod", "floordiv": "floor_divide",
}
_COMPARISONS = {
    "lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal", "eq": "equal",
    "ne": "not_equal",
}


def define_operators(functions):
    """Install the functions Node's operators call (`functions[name](a, b)`)."""
    _OPERATORS.update(functions)


def _operator(name, reflected=False):
    if reflected:
        return lambda self, other: _OPERATORS[name](other, self)
    return lambda self, other: _OPERATORS[name](self, other)


for _dunder, _name in _BINARY.items():
    setattr(Node, f"__{_dunder}__", _operator(_name))
    setattr(Node, f"__r{_dunder}__", _operator(_name, reflected=True))
for _dunder, _name in _COMPARISONS.items():
    setattr(Node, f"__{_dunder}__", _operator(_name))


def record(value, parents, vjp, op, variables=()):
    """`value` recorded as a Node computed from `parents` (Nodes, or None for constants), with
    `vjp(g, grads)` giving one gradient per parent."""
    return Node(value, tuple(parents), vjp, op, variables)


def value_of(x):
    """The array behind a Node; anything else unchanged."""
    return x.value if type(x) is Node else x


# ----------------------------------------------------------------------------------------------
# Leaves: variables and watched arrays


def read(variable):
    """What code reads for `variable`: its value, or while tapes record that watch it, its leaf
    (one leaf shared by every recording tape that watches it)."""
    if not _threads_recording:
        return variable.value
    tapes = getattr(_state, "tapes", ())
    if not tapes:
        return variable.value
    watching = [tape for tape in tapes if tape._watches(variable)]
    if not watching:
        return variable.value
    key = id(variable)
    leaf = next((t._leaves[key] for t in watching if key in t._leaves), None)
    if leaf is None:
        leaf = _new_leaf(variable.value, variable)
    for tape in watching:
        tape._leaves.setdefault(key, leaf)
        tape._keep[key] = variable
    return leaf


def is_variable(x):
    return hasattr(x, "assign") and hasattr(x, "_operand")


def lift(x):
    """An op input as ops see it: a Variable becomes what `read` gives, an array watched by a
    recording tape its leaf; anything else is unchanged."""
    if isinstance(x, np.ndarray):
        tapes = getattr(_state, "tapes", ()) if _threads_recording else ()
        for tape in tapes:
            leaf = tape._leaves.get(id(x))
            if leaf is not None and tape._keep.get(id(x)) is x:
                return leaf
        return x
    if is_variable(x):
        return read(x)
    return x


def _new_leaf(value, variable=None):
    leaf = Node(value, (), None, "variable" if variable is not None else "watched")
    leaf.variable = variable
    return leaf


# ----------------------------------------------------------------------------------------------
# Gradients of one sweep


class Gradients:
    """The variables' gradients gathered by one backward sweep.

    Layers' `backward` write a weight's gradient with
    `grads.add(variable, np.matmul(a, b, out=grads.buffer(variable)))`: `buffer` hands out the
    caller's kept array for a first contribution (or None, and numpy allocates), `add` sums.
    `wants(variable)` tells whether anyone asked for it; `needs_input` whether the call being
    swept needs its input gradient (False for a model's first layer).
    """

    def __init__(self, wanted=(), buffers=None):
        self._wanted = set(map(id, wanted))
        self._buffers = buffers
        self._values = {}
        self._owned = set()  # gradients written here (or into kept buffers): summed in place
        self.needs_input = True

    def wants(self, variable):
        return id(variable) in self._wanted

    def buffer(self, variable):
        key = id(variable)
        if self._buffers is None or key in self._values or key not in self._wanted:
            return None
        buffer = self._buffers.get(key)
        if buffer is None or buffer.shape != variable.value.shape:
            buffer = self._buffers[key] = np.empty_like(variable.value)
        return buffer

    def add(self, variable, gradient):
        key = id(variable)
        if key not in self._wanted:
            return
        if gradient.dtype != variable.value.dtype:
            gradient = gradient.astype(variable.value.dtype)
        current = self._values.get(key)
        if current is None:
            self._values[key] = gradient
            if self._buffers is not None and self._buffers.get(key) is gradient:
                self._owned.add(key)
        elif key in self._owned:
            current += gradient
        else:
            self._values[key] = current + gradient
            self._owned.add(key)

    def get(self, variable):
        return self._values.get(id(variable))


def unbroadcast(grad, shape):
    """`grad`, the gradient of what an input of shape `shape` was broadcast into, summed back
    to `shape` over the axes broadcasting added or stretched. A `grad` smaller than that (a
    scalar scale, say) is first spread over it, as a read-only view."""
    grad, shape = np.asarray(grad), tuple(shape)
    if grad.shape == shape:
        return grad
    full = np.broadcast_shapes(grad.shape, shape)
    if grad.shape != full:
        grad = np.broadcast_to(grad, full)
    if grad.ndim > len(shape):
        grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def _sweep_order(roots, wanted, sources, tape=None):
    """The nodes the roots depend on that lead to something wanted, each after its parents;
    with `tape`, only the nodes that tape recorded (the others are constants to it).

    A depth-first walk: a node is expanded (its parents pushed) when first on top of the stack,
    and placed when on top again, after every parent. Nodes are their own keys (their hash is
    their identity); the loops are plain ones, with no call per node: this runs once per
    training step."""
    order, relevant, expanded, placed = [], set(), set(), set()
    stack = [root for root in roots if tape is None or tape in root.tapes]
    while stack:
        node = stack[-1]
        if node not in expanded:
            expanded.add(node)
            for parent in node.parents:
                if parent is not None and parent not in expanded and (
                        tape is None or tape in parent.tapes):
                    stack.append(parent)
            continue
        stack.pop()
        if node in placed:  # pushed twice (two children) before its first expansion
            continue
        placed.add(node)
        # Whether it is a source, a wanted variable's leaf, adds a wanted variable's gradient,
        # or has a parent that leads to something wanted.
        if node in sources:
            leads = True
        elif node.variable is not None:
            leads = id(node.variable) in wanted
        else:
            leads = False
            for parent in node.parents:
                if parent in relevant:
                    leads = True
                    break
            else:
                for variable in node.variables:
                    if id(variable) in wanted:
                        leads = True
                        break
        if leads:
            relevant.add(node)
            order.append(node)
    return order, relevant


def backprop(roots, seeds, grads, sources=(), tape=None):
    """Sweep from `roots` (Nodes) seeded with `seeds` through what `tape` recorded (through
    everything, without one); variables' gradients go into `grads`.

    Returns the gradients reaching the Nodes in `sources` (id -> array)."""
    sources = set(sources)
    order, relevant = _sweep_order(roots, grads._wanted, sources, tape)
    flowing = {}
    for root, seed in zip(roots, seeds):
        if root in relevant:
            previous = flowing.get(root)
            flowing[root] = seed if previous is None else previous + seed
    reached = {}
    for node in reversed(order):
        grad = flowing.pop(node, None)
        if grad is None:
            continue
        if node in sources:
            reached[id(node)] = grad
        if node.variable is not None:
            grads.add(node.variable, grad)
            continue
        if node.vjp is None:
            continue
        grads.needs_input = False
        for parent in node.parents:
            if parent is not None and parent in relevant:
                grads.needs_input = True
                break
        for parent, parent_grad in zip(node.parents, node.vjp(grad, grads)):
            if parent is None or parent_grad is None or parent not in relevant:
                continue
            if type(parent.value) is not tuple:  # a multi-output call: a list, one per output
                if type(parent_grad) is not np.ndarray or parent_grad.shape != parent.value.shape:
                    parent_grad = unbroadcast(parent_grad, parent.value.shape)
                if parent_grad.dtype != parent.value.dtype:
                    parent_grad = parent_grad.astype(parent.value.dtype)
            previous = flowing.get(parent)
            flowing[parent] = parent_grad if previous is None else previous + parent_grad
    return reached


# ----------------------------------------------------------------------------------------------
# GradientTape


class GradientTape:
    """Records computations for their gradient, as `tf.GradientTape` (Keras 3's custom loops).

    Args:
        persistent: whether `gradient` may be called more than once.
        watch_accessed_variables: whether every trainable variable read while recording is
            watched (else only those given to `watch`).
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = persistent
        self._watch_accessed = watch_accessed_variables
        self._leaves = {}  # id(variable or watched array) -> its leaf Node
        self._keep = {}  # id -> the object, kept alive so that its id stays its own
        self._used = False

    def __enter__(self):
        before = _recording_tapes()
        _set_tapes((*before, self), before)
        return self

    def __exit__(self, *exc):
        tapes = _recording_tapes()
        if len(tapes) == 1 and tapes[0] is self:  # the only one (fit's step, most loops)
            _set_tapes((), tapes)
        else:
            _set_tapes(tuple(t for t in tapes if t is not self), tapes)
        return False

    def _watches(self, variable):
        return (self._watch_accessed and variable.trainable) or id(variable) in self._leaves

    def watch(self, tensor):
        """Watch variables or arrays (a structure of them): their gradients can be asked for."""
        for item in tree.flatten(tensor):
            if is_variable(item):
                self._leaves.setdefault(id(item), _new_leaf(item.value, item))
                self._keep[id(item)] = item
                self._own(self._leaves[id(item)])
            elif type(item) is Node:
                self._keep[id(item)] = item
            else:
                array = np.asarray(item)
                if array is not item:
                    raise ValueError(
                        "minikeras' GradientTape watches numpy arrays, Variables and traced "
                        f"tensors; convert {type(item).__name__} to a numpy array first and use "
                        "that array in the computation."
                    )
                self._leaves.setdefault(id(item), _new_leaf(item))
                self._keep[id(item)] = item
                self._own(self._leaves[id(item)])

    def _own(self, leaf):
        if self not in leaf.tapes:  # watched before (or outside) the `with` block
            leaf.tapes = (*leaf.tapes, self)

    @contextlib.contextmanager
    def stop_recording(self):
        """Within this block the tape records nothing."""
        before = _recording_tapes()
        _set_tapes(tuple(t for t in before if t is not self))
        try:
            yield
        finally:
            _set_tapes(before)

    def reset(self):
        """Forget everything recorded so far."""
        self._leaves.clear()
        self._keep.clear()

    def watched_variables(self):
        return [obj for key, obj in self._keep.items() if is_variable(obj) and key in self._leaves]

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients="none", *, into=None):
        """The gradient of `target` (summed over a structure of targets) with respect to each
        of `sources` (a structure of variables, watched arrays or Nodes), in that structure;
        None (or zeros, with `unconnected_gradients="zero"`) where it does not depend on one.

        `into` (minikeras' own) is a dict of arrays kept across calls that the gradients are
        written into, so that a training step allocates nothing parameter-sized; with it,
        `sources` is a list of variables."""
        if self._used and not self._persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only be used to compute one set of "
                "gradients (or jacobians)"
            )
        self._used = True
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(
                "Unknown value for unconnected_gradients: "
                f"'{unconnected_gradients}'. Expected 'none' or 'zero'."
            )
        targets = [target] if type(target) is Node else tree.flatten(target)
        seeds = tree.flatten(output_gradients) if output_gradients is not None else [None] * len(targets)
        roots, root_seeds = [], []
        for node, seed in zip(targets, seeds):
            if type(node) is Node:
                roots.append(node)
                value = node.value
                if seed is not None:
                    seed = np.broadcast_to(np.asarray(seed, value.dtype), value.shape)
                elif type(value) is np.ndarray and value.ndim == 0:  # a loss: ones_like, in C
                    seed = np.array(1, value.dtype)
                else:
                    seed = np.ones_like(value)
                root_seeds.append(seed)
        if into is not None and type(sources) is list:  # fit's step: a list of variables
            grads = Gradients(sources, into)
            backprop(roots, root_seeds, grads, tape=self)
            return list(map(grads._values.get, map(id, sources)))
        flat_sources = tree.flatten(sources)
        variables = [s for s in flat_sources if is_variable(s)]
        source_nodes = [self._source_node(s) for s in flat_sources]
        grads = Gradients(variables, into)
        reached = backprop(
            roots, root_seeds, grads, [n for n in source_nodes if n is not None], tape=self
        )
        results = []
        for source, node in zip(flat_sources, source_nodes):
            if is_variable(source):
                result = grads.get(source)
            else:
                result = None if node is None else reached.get(id(node))
            if result is None and unconnected_gradients == "zero":
                result = np.zeros_like(np.asarray(getattr(source, "value", source)))
            if result is not None and into is None:
                from minikeras.core.tensor import as_tensor

                result = as_tensor(np.asarray(result))
            results.append(result)
        if not tree.is_nested(sources):
            return results[0]
        return tree.pack_sequence_as(sources, results)

    def _source_node(self, source):
        if type(source) is Node:
            return source
        leaf = self._leaves.get(id(source))
        if leaf is not None and self._keep.get(id(source)) is source:
            return leaf if leaf.variable is None else None
        return None


@contextlib.contextmanager
def isolated():
    """A tape of its own, recording alone (tapes around it see nothing of what runs inside):
    how `autodiff.vjp` differentiates a function without touching the caller's tapes."""
    before = _recording_tapes()
    own = GradientTape(watch_accessed_variables=False)
    _set_tapes((own,))
    try:
        yield own
    finally:
        _set_tapes(before)
