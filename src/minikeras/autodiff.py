"""Reverse-mode automatic differentiation over numpy arrays, for code users write with `ops`.

Built-in layers, activations and losses carry hand-written gradients. A custom loss, metric,
regularizer, activation or `Layer.call` written with `minikeras.ops` is differentiated here,
micrograd's way over arrays: while it runs on `Node`s, every op of `RULES` records its output as
a `Node` that remembers its inputs and its vector-Jacobian product (how a gradient of the output
flows back to each input), and a built-in activation or loss called on a `Node` records itself
the same way, with its own gradient rule, through `primitive`; `backprop` then sweeps the
recorded graph in reverse topological order. Numpy broadcasting is undone once, centrally, by
summing each gradient back to the shape of its input.

Public entry points: `vjp`, `value_and_grad` and `layer_backward`.
"""

import contextlib
import math

import numpy as np

from minikeras import backend


class Node:
    """An array computed on the tape. User code handles it like an array: Python's operators,
    indexing and slicing, `len`, `.shape`, `.ndim`, `.dtype`, `.T` (numpy functions refuse it).

    Args:
        value: the ndarray this node stands for.
        parents: one entry per op input: the input's Node, or None for a constant.
        vjp: `vjp(g)` returns one gradient per parent from the gradient `g` of `value`.
        op: the name of the op (a key of `RULES`, or a built-in function recorded by
            `primitive`) that computed it; None for a leaf.
    """

    # numpy must not unwrap a node into a plain array, which would silently drop its gradient:
    # `ndarray + node` defers to `Node.__radd__`, numpy functions raise a TypeError.
    __array_ufunc__ = None

    def __init__(self, value, parents=(), vjp=None, op=None):
        self.value = value
        self.parents = parents
        self.vjp = vjp
        self.op = op

    shape = property(lambda self: self.value.shape)
    ndim = property(lambda self: self.value.ndim)
    dtype = property(lambda self: self.value.dtype)
    size = property(lambda self: self.value.size)
    T = property(lambda self: ops.transpose(self))

    def numpy(self):
        return self.value.copy()

    def __getitem__(self, index):
        return apply("getitem", self, index=plain_index(index))

    def __len__(self):
        return len(self.value)

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "A tensor traced for its gradient cannot become a numpy array, which would drop the "
            "gradient: write this computation with `minikeras.ops` (`ops.stop_gradient(x)` "
            "gives a constant)."
        )

    def __bool__(self):
        return bool(self.value)

    def __float__(self):
        return float(self.value)

    def __int__(self):
        return int(self.value)

    def __neg__(self):
        return ops.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.absolute(self)

    __hash__ = object.__hash__  # `==` is element-wise, identity stays the hash

    def __repr__(self):
        return f"<Node op={self.op}, shape={self.shape}, dtype={self.dtype.name}: {self.value}>"


def _operator(name, reflected=False):
    if reflected:
        return lambda self, other: getattr(ops, name)(other, self)
    return lambda self, other: getattr(ops, name)(self, other)


for _dunder, _name in [
    ("add", "add"), ("sub", "subtract"), ("mul", "multiply"), ("truediv", "divide"),
    ("pow", "power"), ("matmul", "matmul"), ("mod", "mod"), ("floordiv", "floor_divide"),
]:
    setattr(Node, f"__{_dunder}__", _operator(_name))
    setattr(Node, f"__r{_dunder}__", _operator(_name, reflected=True))
for _dunder, _name in [
    ("lt", "less"), ("le", "less_equal"), ("gt", "greater"), ("ge", "greater_equal"),
    ("eq", "equal"), ("ne", "not_equal"),
]:
    setattr(Node, f"__{_dunder}__", _operator(_name))


# ----------------------------------------------------------------------------------------------
# Variables as leaves

_traced = {}  # id(Variable) -> its leaf Node, while `layer_backward` re-runs a layer's call


def lift(x):
    """An op input as ops see it: a traced Variable becomes its Node, another its value."""
    if isinstance(x, (Node, np.ndarray, int, float)):
        return x
    from minikeras.layers.base import Variable

    if isinstance(x, Variable):
        return _traced.get(id(x), x.value)
    return x


def plain_index(index):
    """An index (possibly a tuple) with any Node or Variable in it replaced by its value."""
    if isinstance(index, tuple):
        return tuple(plain_index(i) for i in index)
    index = lift(index)
    return index.value if isinstance(index, Node) else index


@contextlib.contextmanager
def _tracing(variables, leaves):
    saved = dict(_traced)
    _traced.update(zip(map(id, variables), leaves))
    try:
        yield
    finally:
        _traced.clear()
        _traced.update(saved)


# ----------------------------------------------------------------------------------------------
# The rules: forward function and vector-Jacobian product of every differentiable op


def _elementwise(derivative):
    """The vjp of an element-wise `y = f(x)`, from `dy/dx = derivative(x, y)`."""
    return lambda g, y, x: (g * derivative(x, y),)


def _unreduce(g, x, axis=None, keepdims=False):
    """Spread the gradient of a reduction over `axis` back over the shape of its input `x`."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, x.shape)


def _erf(x):
    from minikeras.special import erf  # numpy, to float32 precision: no scipy needed

    return erf(x)


def _logsumexp(x, axis=None, keepdims=False):
    peak = np.max(x, axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0)
    out = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return out if keepdims else np.squeeze(out, axis=axis)


def _logsumexp_vjp(g, y, x, axis=None, keepdims=False):
    return (_unreduce(g, x, axis, keepdims) * np.exp(x - _unreduce(y, x, axis, keepdims)),)


def _extremum_vjp(g, y, x, axis=None, keepdims=False, **_):
    """max/min: the gradient goes to the elements equal to the result, shared among ties."""
    hit = x == _unreduce(y, x, axis, keepdims)
    share = np.maximum(np.sum(hit, axis=axis, keepdims=True), 1)
    return (_unreduce(g, x, axis, keepdims) * hit / share,)


def _prod_vjp(g, y, x, axis=None, keepdims=False, dtype=None):
    """Each element's gradient is the product of the others: exact even where `x` has zeros."""
    axes = tuple(range(x.ndim)) if axis is None else tuple(np.atleast_1d(axis) % x.ndim)
    last = tuple(range(x.ndim - len(axes), x.ndim))
    moved = np.moveaxis(x, axes, last)
    flat = moved.reshape(moved.shape[: x.ndim - len(axes)] + (-1,))
    ones = np.ones_like(flat[..., :1])
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
    after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], -1), -1)[..., ::-1]
    others = np.moveaxis((before * after).reshape(moved.shape), last, axes)
    return (_unreduce(g, x, axis, keepdims) * others,)


def _clip_vjp(g, y, x, low, high):
    return g * ((x >= low) & (x <= high)), g * (x < low), g * (x > high)


def _transpose_vjp(g, y, x, axes=None):
    return (np.transpose(g, None if axes is None else np.argsort(np.asarray(axes) % x.ndim)),)


def _concatenate_vjp(g, y, *xs, axis=0):
    return np.split(g, np.cumsum([x.shape[axis] for x in xs[:-1]]), axis=axis)


def _getitem_vjp(g, y, x, index):
    grad = np.zeros_like(x)
    np.add.at(grad, index, g)  # accumulates where an index repeats
    return (grad,)


def _matmul_vjp(g, y, a, b):
    # Vectors take part as a (1, k) row on the left and a (k, 1) column on the right.
    a2 = a[None] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = g.reshape(np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1]))
    grad_a = unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape)
    grad_b = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape)
    return grad_a.reshape(a.shape), grad_b.reshape(b.shape)


def _diagonal_vjp(g, y, x, offset=0, axis1=0, axis2=1):
    grad = np.zeros_like(x)
    steps = np.arange(g.shape[-1])
    np.moveaxis(grad, (axis1, axis2), (-2, -1))[
        ..., steps + max(-offset, 0), steps + max(offset, 0)
    ] = g
    return (grad,)


def _cumsum_vjp(g, y, x, axis=None, dtype=None):
    if axis is None:
        return (np.cumsum(g[::-1])[::-1].reshape(x.shape),)
    return (np.flip(np.cumsum(np.flip(g, axis), axis), axis),)


def _einsum_vjp(g, y, *xs, subscripts):
    """Operand i's gradient contracts `g` with the other operands, onto operand i's indices."""
    inputs, arrow, output = subscripts.replace(" ", "").partition("->")
    inputs = inputs.split(",")
    if "." in subscripts or not arrow:
        raise NotImplementedError(
            "Gradients of `einsum` need explicit subscripts with '->' and no ellipsis. "
            f"Received: subscripts={subscripts}"
        )
    grads = []
    for i, (spec, x) in enumerate(zip(inputs, xs)):
        others = [j for j in range(len(xs)) if j != i]
        seen = set(output).union(*(inputs[j] for j in others))
        kept = "".join(c for c in spec if c in seen)
        contraction = ",".join([output] + [inputs[j] for j in others]) + "->" + kept
        grad = np.einsum(contraction, g, *(xs[j] for j in others))
        summed = [k for k, c in enumerate(spec) if c not in seen]  # indices only operand i has
        grads.append(np.broadcast_to(np.expand_dims(grad, summed), x.shape))
    return tuple(grads)


# name: (forward(*inputs, **params), vjp(g, y, *inputs, **params) -> one gradient per input)
RULES = {
    "negative": (np.negative, _elementwise(lambda x, y: -1)),
    "abs": (np.abs, _elementwise(lambda x, y: np.sign(x))),
    "square": (np.square, _elementwise(lambda x, y: 2 * x)),
    "sqrt": (np.sqrt, _elementwise(lambda x, y: 0.5 / y)),
    "rsqrt": (lambda x: 1 / np.sqrt(x), _elementwise(lambda x, y: -0.5 * y**3)),
    "reciprocal": (np.reciprocal, _elementwise(lambda x, y: -(y**2))),
    "exp": (np.exp, _elementwise(lambda x, y: y)),
    "expm1": (np.expm1, _elementwise(lambda x, y: y + 1)),
    "log": (np.log, _elementwise(lambda x, y: 1 / x)),
    "log1p": (np.log1p, _elementwise(lambda x, y: 1 / (1 + x))),
    "log2": (np.log2, _elementwise(lambda x, y: 1 / (x * math.log(2)))),
    "log10": (np.log10, _elementwise(lambda x, y: 1 / (x * math.log(10)))),
    "sin": (np.sin, _elementwise(lambda x, y: np.cos(x))),
    "cos": (np.cos, _elementwise(lambda x, y: -np.sin(x))),
    "tan": (np.tan, _elementwise(lambda x, y: 1 + y**2)),
    "arcsin": (np.arcsin, _elementwise(lambda x, y: 1 / np.sqrt(1 - x**2))),
    "arccos": (np.arccos, _elementwise(lambda x, y: -1 / np.sqrt(1 - x**2))),
    "arctan": (np.arctan, _elementwise(lambda x, y: 1 / (1 + x**2))),
    "sinh": (np.sinh, _elementwise(lambda x, y: np.cosh(x))),
    "cosh": (np.cosh, _elementwise(lambda x, y: np.sinh(x))),
    "tanh": (np.tanh, _elementwise(lambda x, y: 1 - y**2)),
    "arcsinh": (np.arcsinh, _elementwise(lambda x, y: 1 / np.sqrt(x**2 + 1))),
    "arctanh": (np.arctanh, _elementwise(lambda x, y: 1 / (1 - x**2))),
    "erf": (_erf, _elementwise(lambda x, y: 2 / math.sqrt(math.pi) * np.exp(-(x**2)))),
    "add": (np.add, lambda g, y, a, b: (g, g)),
    "subtract": (np.subtract, lambda g, y, a, b: (g, -g)),
    "multiply": (np.multiply, lambda g, y, a, b: (g * b, g * a)),
    "divide": (np.true_divide, lambda g, y, a, b: (g / b, -g * y / b)),
    "power": (
        np.power,
        lambda g, y, a, b: (g * b * a ** (b - 1), g * y * np.log(np.where(a > 0, a, 1))),
    ),
    "mod": (np.mod, lambda g, y, a, b: (g, -g * np.floor(a / b))),
    "maximum": (np.maximum, lambda g, y, a, b: (g * (a >= b), g * (a < b))),
    "minimum": (np.minimum, lambda g, y, a, b: (g * (a <= b), g * (a > b))),
    "logaddexp": (np.logaddexp, lambda g, y, a, b: (g * np.exp(a - y), g * np.exp(b - y))),
    "arctan2": (np.arctan2, lambda g, y, a, b: (g * b / (a**2 + b**2), -g * a / (a**2 + b**2))),
    "clip": (np.clip, _clip_vjp),
    "where": (
        lambda a, b, condition: np.where(condition, a, b),
        lambda g, y, a, b, condition: (np.where(condition, g, 0), np.where(condition, 0, g)),
    ),
    "sum": (np.sum, lambda g, y, x, dtype=None, **reduced: (_unreduce(g, x, **reduced),)),
    "mean": (np.mean, lambda g, y, x, **reduced: (_unreduce(g, x, **reduced) * y.size / x.size,)),
    "max": (np.max, _extremum_vjp),
    "min": (np.min, _extremum_vjp),
    "prod": (np.prod, _prod_vjp),
    "cumsum": (np.cumsum, _cumsum_vjp),
    "logsumexp": (_logsumexp, _logsumexp_vjp),
    "matmul": (np.matmul, _matmul_vjp),
    "einsum": (lambda *xs, subscripts: np.einsum(subscripts, *xs), _einsum_vjp),
    "reshape": (lambda x, shape: x.reshape(shape), lambda g, y, x, shape: (g.reshape(x.shape),)),
    "broadcast_to": (np.broadcast_to, lambda g, y, x, shape: (g,)),  # undone by unbroadcast
    "transpose": (np.transpose, _transpose_vjp),
    "getitem": (lambda x, index: x[index], _getitem_vjp),
    "concatenate": (lambda *xs, axis=0: np.concatenate(xs, axis=axis), _concatenate_vjp),
    "stack": (
        lambda *xs, axis=0: np.stack(xs, axis=axis),
        lambda g, y, *xs, axis=0: tuple(np.moveaxis(g, axis, 0)),
    ),
    "diagonal": (lambda x, **params: np.diagonal(x, **params).copy(), _diagonal_vjp),
    "diag": (np.diag, lambda g, y, x, k=0: (np.diagonal(g, k),)),
    "cast": (lambda x, dtype: x.astype(dtype), lambda g, y, x, dtype: (g,)),
}


def apply(name, *inputs, **params):
    """Run op `name` of `RULES` on `inputs` (Nodes or arrays) with non-differentiable `params`.

    Returns a plain ndarray when no input is a Node, else a Node recorded on the tape.
    """
    forward, rule = RULES[name]
    values = [x.value if isinstance(x, Node) else x for x in inputs]
    out = np.asarray(forward(*values, **params))
    parents = tuple(x if isinstance(x, Node) else None for x in inputs)
    if all(p is None for p in parents):
        return out
    return Node(out, parents, lambda g: rule(g, out, *values, **params), name)


def primitive(value, vjp, parent, op):
    """Record `value`, computed from the Node `parent` by a built-in function with its own
    gradient rule (an activation, a loss), on the tape as the Node it returns: `vjp(g)` is the
    gradient of `parent` given the gradient `g` of `value`; `op` names the function."""
    return Node(np.asarray(value), (parent,), lambda g: (vjp(g),), op)


# ----------------------------------------------------------------------------------------------
# The backward sweep


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


def _topological_order(root):
    """The nodes `root` depends on, each after all of its parents."""
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents if p is not None and id(p) not in visited)
    return order


def backprop(root, cotangent):
    """Gradients of `sum(root.value * cotangent)`: a dict id(node) -> gradient, for every node."""
    grads = {id(root): cotangent}
    for node in reversed(_topological_order(root)):
        grad = grads.get(id(node))
        if grad is None or node.vjp is None:
            continue
        for parent, parent_grad in zip(node.parents, node.vjp(grad)):
            if parent is None:
                continue
            parent_grad = unbroadcast(parent_grad, parent.shape).astype(parent.dtype, copy=False)
            previous = grads.get(id(parent))
            grads[id(parent)] = parent_grad if previous is None else previous + parent_grad
    return grads


# ----------------------------------------------------------------------------------------------
# Public API


def vjp(fn, *args, **kwargs):
    """Run `fn(*args, **kwargs)` on the tape; return `(output, pullback)`.

    `pullback(cotangent)` returns one gradient per positional arg: an ndarray of the arg's shape
    (zeros where the output does not depend on it; integer args get `floatx` zeros). `kwargs` are
    passed through as constants.
    """
    arrays = [ops.convert_to_tensor(a) for a in args]
    leaves = [Node(a) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in arrays]
    out = fn(*leaves, **kwargs)
    root = lift(out)
    value = root.value if isinstance(root, Node) else np.asarray(root)

    def pullback(cotangent=None):
        seed = np.ones_like(value) if cotangent is None else np.asarray(cotangent, value.dtype)
        grads = backprop(root, np.broadcast_to(seed, value.shape)) if isinstance(root, Node) else {}
        result = []
        for leaf, array in zip(leaves, arrays):
            dtype = array.dtype if isinstance(leaf, Node) else np.dtype(backend.floatx())
            grad = grads.get(id(leaf))
            result.append(np.zeros(array.shape, dtype) if grad is None else np.array(grad, dtype))
        return tuple(result)

    return value, pullback


def value_and_grad(fn, *args):
    """`(fn(*args), its gradient with respect to each arg)`; of its sum if it is not a scalar."""
    value, pullback = vjp(fn, *args)
    return value, pullback(np.ones_like(value))


def layer_backward(layer, grad):
    """Backward pass of a layer whose `call` is written with `ops`.

    Re-runs `layer.call` on the input of its last training call (`layer._tape_input`) with each
    trainable weight as a leaf, writes each weight's gradient into `variable.grad` and returns
    the gradient of the input, given the gradient `grad` of the output.
    """
    if getattr(layer, "_tape_input", None) is None:
        raise RuntimeError(
            f"Layer '{getattr(layer, 'name', layer)}' has no recorded training call: call it "
            "with `training=True` before asking for its backward pass."
        )
    weights = list(layer.trainable_weights)

    def run(inputs, *leaves):
        with _tracing(weights, leaves):
            return layer._invoke(inputs, True)

    _, pullback = vjp(run, layer._tape_input, *(w.value for w in weights))
    grad_input, *weight_grads = pullback(grad)
    for weight, weight_grad in zip(weights, weight_grads):
        weight.grad = weight_grad.astype(weight.value.dtype, copy=False)
    return grad_input


from minikeras import ops  # noqa: E402  (ops is built on this module; Node's operators call it)
