"""The gradient rules of `minikeras.ops`, and the functional face of the tape.

Every differentiable op of `RULES` has its forward function and its vector-Jacobian product
side by side; `apply` runs one, recording it on the tape (`minikeras.core.tape`) when an input
is a recorded Node and a tape records. Built-in activations and losses called on a Node record
themselves the same way, with their own gradient rule, through `primitive`. Numpy broadcasting
is undone once, centrally, by the tape's sweep.

Public entry points: `vjp` and `value_and_grad`, for a function of arrays.
"""

import math

import numpy as np

from minikeras import backend
from minikeras.core import tape
from minikeras.core.tape import Node, unbroadcast
from minikeras.core.tensor import as_array


# ----------------------------------------------------------------------------------------------
# Variables as leaves

lift = tape.lift


def plain_index(index):
    """An index (possibly a tuple) with any Node or Variable in it replaced by its value."""
    if isinstance(index, tuple):
        return tuple(plain_index(i) for i in index)
    index = lift(index)
    return index.value if isinstance(index, Node) else index


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


def _erfc(x):
    from minikeras.special import erfc

    return erfc(x)


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


def _cumprod_vjp(g, y, x, axis, dtype=None):
    """Element i's gradient sums, over the outputs j >= i, `g[j]` times the product of the
    other elements up to j: the running product with element i replaced by 1, exact at
    zeros."""
    moved_x, moved_g = np.moveaxis(x, axis, -1), np.moveaxis(g, axis, -1)
    grad = np.empty_like(moved_x)
    for i in range(moved_x.shape[-1]):
        others = moved_x.copy()
        others[..., i] = 1
        running = np.cumprod(others, axis=-1)[..., i:]
        grad[..., i] = np.sum(moved_g[..., i:] * running, axis=-1)
    return (np.moveaxis(grad, -1, axis),)


def _pad_vjp(g, y, x, pad_width, constant_values=0):
    return (g[tuple(slice(low, low + n) for (low, _), n in zip(pad_width, x.shape))],)


def _scatter_add(values, index, shape):
    out = np.zeros(shape, values.dtype)
    np.add.at(out, index, values)
    return out


def _scatter_update(x, updates, index):
    out = x.copy()
    out[index] = updates
    return out


def _scatter_update_vjp(g, y, x, updates, index):
    grad_x = g.copy()
    grad_x[index] = 0
    return grad_x, g[index]


def _segment_max(data, segment_ids, num_segments):
    out = np.full((num_segments,) + data.shape[1:], np.finfo(data.dtype).min, data.dtype)
    np.maximum.at(out, segment_ids, data)
    return out


def _segment_max_vjp(g, y, data, segment_ids, num_segments):
    """The gradient goes to the elements equal to their segment's maximum, shared among ties."""
    hit = data == y[segment_ids]
    ties = np.zeros(y.shape, data.dtype)
    np.add.at(ties, segment_ids, hit)
    return (np.where(hit, g[segment_ids] / np.maximum(ties, 1)[segment_ids], 0),)


def _segment_prod(data, segment_ids, num_segments):
    out = np.ones((num_segments,) + data.shape[1:], data.dtype)
    np.multiply.at(out, segment_ids, data)
    return out


def _segment_prod_vjp(g, y, data, segment_ids, num_segments):
    """Each element's gradient is the product of the others of its segment: the segment's
    product over it where it is not 0, else the product of the segment's other non-zeros if
    it is the segment's only 0 (and 0 if there are more)."""
    zero = data == 0
    zeros = np.zeros(y.shape, np.int64)
    np.add.at(zeros, segment_ids, zero)
    nonzero = _segment_prod(np.where(zero, 1, data), segment_ids, num_segments)
    others = np.where(zero, np.where(zeros[segment_ids] == 1, nonzero[segment_ids], 0),
                      y[segment_ids] / np.where(zero, 1, data))
    return (g[segment_ids] * others,)


def _matrix_transpose(x):
    return np.swapaxes(x, -1, -2)


def _solve_vjp(g, y, a, b):
    vector = b.ndim == a.ndim - 1  # b holds vectors, as numpy.linalg.solve reads it
    g2, y2 = (g[..., None], y[..., None]) if vector else (g, y)
    grad_b = np.linalg.solve(_matrix_transpose(a), g2)
    grad_a = -grad_b @ _matrix_transpose(y2)
    return unbroadcast(grad_a, a.shape), unbroadcast(grad_b[..., 0] if vector else grad_b,
                                                      b.shape)


def _cholesky_vjp(g, y, x, upper=False):
    """Murray (2016), for the lower factor L of x = L L^T: with phi keeping the lower triangle
    and halving the diagonal, grad = sym(L^-T phi(L^T g) L^-1)."""
    lower, g = (_matrix_transpose(y), _matrix_transpose(g)) if upper else (y, g)
    phi = np.tril(_matrix_transpose(lower) @ g)
    phi -= 0.5 * np.eye(x.shape[-1], dtype=x.dtype) * np.diagonal(phi, axis1=-2, axis2=-1)[
        ..., None]
    inverse = np.linalg.inv(lower)
    grad = _matrix_transpose(inverse) @ phi @ inverse
    return (0.5 * (grad + _matrix_transpose(grad)),)


def _fft(real, imag, axes, inverse=False):
    """numpy's (inverse) FFT over `axes` of `real + i imag`, as its real and imaginary parts
    stacked on a new first axis (a Node holds one real array)."""
    spectrum = (np.fft.ifftn if inverse else np.fft.fftn)(real + 1j * imag, axes=axes)
    return np.stack([spectrum.real, spectrum.imag]).astype(real.dtype)


def _fft_vjp(g, y, real, imag, axes, inverse=False):
    """The adjoint of the DFT is its conjugate transpose: `n * ifft` (of the inverse, `fft / n`)."""
    size = math.prod(real.shape[a] for a in axes)
    upstream = g[0] + 1j * g[1]
    grad = np.fft.fftn(upstream, axes=axes) / size if inverse else np.fft.ifftn(
        upstream, axes=axes) * size
    return grad.real.astype(real.dtype), grad.imag.astype(real.dtype)


def _fitted(x, length):
    """`x` cut or zero-padded to `length` along its last axis (what numpy's FFTs do to their
    input, and so what their gradients undo)."""
    if x.shape[-1] >= length:
        return x[..., :length]
    return np.concatenate([x, np.zeros(x.shape[:-1] + (length - x.shape[-1],), x.dtype)], -1)


def _rfft(x, n):
    spectrum = np.fft.rfft(x, n=n, axis=-1)
    return np.stack([spectrum.real, spectrum.imag]).astype(x.dtype)


def _rfft_vjp(g, y, x, n):
    n = x.shape[-1] if n is None else n
    upstream = _fitted(g[0] + 1j * g[1], n)  # the bins above n // 2 had no output
    return (_fitted((np.fft.ifft(upstream, axis=-1) * n).real, x.shape[-1]).astype(x.dtype),)


def _irfft_vjp(g, y, real, imag, n):
    """`irfft` sums each bin k of 1..n/2 twice (with its mirror image) but bin 0, and the
    Nyquist bin of an even `n`, once: its gradient is `rfft(g)` so weighted, over n."""
    n = y.shape[-1]
    spectrum = np.fft.rfft(g, axis=-1)
    weights = np.full(spectrum.shape[-1], 2.0)
    weights[0] = 1.0
    if n % 2 == 0:
        weights[-1] = 1.0
    spectrum = spectrum * weights / n
    return (_fitted(spectrum.real, real.shape[-1]).astype(real.dtype),
            _fitted(spectrum.imag, imag.shape[-1]).astype(imag.dtype))


def _erfinv(x):
    """The inverse of `erf`: Giles' (2010) single-precision estimate, then two Newton steps on
    minikeras' own `erf`, to the input's precision."""
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log((1 - x) * (1 + x))
        central = np.polyval([2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                              0.00021858087, -0.00125372503, -0.00417768164, 0.246640727,
                              1.50140941], w - 2.5)
        tail = np.polyval([-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
                           0.00573950773, -0.0076224613, 0.00943887047, 1.00167406,
                           2.83297682], np.sqrt(np.maximum(w, 5)) - 3)
        y = np.where(w < 5, central, tail) * x
        for _ in range(2):
            y = y - (_erf(y) - x) * (math.sqrt(math.pi) / 2) * np.exp(y**2)
        y = np.where(np.abs(x) < 1, y, np.where(np.abs(x) == 1, np.sign(x) * np.inf, np.nan))
    return y.astype(x.dtype)


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
    "arccosh": (np.arccosh, _elementwise(lambda x, y: 1 / np.sqrt(x**2 - 1))),
    "arctanh": (np.arctanh, _elementwise(lambda x, y: 1 / (1 - x**2))),
    "erf": (_erf, _elementwise(lambda x, y: 2 / math.sqrt(math.pi) * np.exp(-(x**2)))),
    "erfc": (_erfc, _elementwise(lambda x, y: -2 / math.sqrt(math.pi) * np.exp(-(x**2)))),
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
    "cbrt": (np.cbrt, _elementwise(lambda x, y: 1 / (3 * y**2))),
    "exp2": (np.exp2, _elementwise(lambda x, y: y * math.log(2))),
    "erfinv": (_erfinv, _elementwise(lambda x, y: math.sqrt(math.pi) / 2 * np.exp(y**2))),
    "hypot": (np.hypot, lambda g, y, a, b: (g * a / y, g * b / y)),
    "fmod": (np.fmod, lambda g, y, a, b: (g, -g * np.trunc(a / b))),
    "cumprod": (np.cumprod, _cumprod_vjp),
    "fft": (_fft, _fft_vjp),
    "rfft": (_rfft, _rfft_vjp),
    "irfft": (lambda real, imag, n: np.fft.irfft(real + 1j * imag, n=n, axis=-1).astype(
        real.dtype), _irfft_vjp),
    "pad": (lambda x, pad_width, constant_values=0: np.pad(x, pad_width,
                                                          constant_values=constant_values),
            _pad_vjp),
    # values added at `index` into zeros of `shape` (repeated indices accumulate)
    "scatter_add": (_scatter_add, lambda g, y, values, index, shape: (g[index],)),
    "scatter_update": (_scatter_update, _scatter_update_vjp),
    "segment_max": (_segment_max, _segment_max_vjp),
    "segment_prod": (_segment_prod, _segment_prod_vjp),
    "inv": (np.linalg.inv, lambda g, y, x: (-_matrix_transpose(y) @ g @ _matrix_transpose(y),)),
    "det": (np.linalg.det, lambda g, y, x: (
        (g * y)[..., None, None] * _matrix_transpose(np.linalg.inv(x)),)),
    "solve": (np.linalg.solve, _solve_vjp),
    "cholesky": (lambda x, upper=False: _matrix_transpose(np.linalg.cholesky(x)) if upper
                 else np.linalg.cholesky(x), _cholesky_vjp),
}


def apply(name, *inputs, **params):
    """Run op `name` of `RULES` on `inputs` (Nodes or arrays) with non-differentiable `params`.

    Returns a Node recorded on the tape when an input is a Node and a tape records, else a
    plain ndarray.
    """
    forward, rule = RULES[name]
    values = [x.value if type(x) is Node else x for x in inputs]
    out = np.asarray(forward(*values, **params))
    parents = tuple(x if type(x) is Node else None for x in inputs)
    if not tape.recording() or all(p is None for p in parents):
        return out
    return Node(out, parents, lambda g, grads: rule(g, out, *values, **params), name)


def primitive(value, vjp, parent, op):
    """`value`, computed from the Node `parent` by a built-in function with its own gradient
    rule (an activation, a loss), recorded as a Node when a tape records: `vjp(g)` is the
    gradient of `parent` given the gradient `g` of `value`; `op` names the function."""
    if type(value) is not np.ndarray:  # (an array is its own asarray)
        value = np.asarray(value)
    if not tape.recording():
        return value
    return Node(value, (parent,), lambda g, grads: (vjp(g),), op)


# ----------------------------------------------------------------------------------------------
# Public API


def vjp(fn, *args, **kwargs):
    """Run `fn(*args, **kwargs)` on a tape of its own; return `(output, pullback)`.

    `pullback(cotangent)` returns one gradient per positional arg: an ndarray of the arg's shape
    (zeros where the output does not depend on it; integer args get `floatx` zeros). `kwargs` are
    passed through as constants.
    """
    arrays = [as_array(ops.convert_to_tensor(a)) for a in args]
    with tape.isolated():
        leaves = [
            tape.record(a, (), None, "input") if isinstance(a, np.ndarray) and a.dtype.kind == "f"
            else a
            for a in arrays
        ]
        root = lift(fn(*leaves, **kwargs))
    value = root.value if isinstance(root, Node) else np.asarray(root)
    nodes = [leaf for leaf in leaves if isinstance(leaf, Node)]

    def pullback(cotangent=None):
        seed = np.ones_like(value) if cotangent is None else np.asarray(cotangent, value.dtype)
        reached = {}
        if isinstance(root, Node):
            reached = tape.backprop(
                [root], [np.broadcast_to(seed, value.shape)], tape.Gradients(), nodes
            )
        result = []
        for leaf, array in zip(leaves, arrays):
            dtype = array.dtype if isinstance(leaf, Node) else np.dtype(backend.floatx())
            grad = reached.get(id(leaf))
            result.append(np.zeros(array.shape, dtype) if grad is None else np.array(grad, dtype))
        return tuple(result)

    return value, pullback


def value_and_grad(fn, *args):
    """`(fn(*args), its gradient with respect to each arg)`; of its sum if it is not a scalar."""
    value, pullback = vjp(fn, *args)
    return value, pullback(np.ones_like(value))


from minikeras import ops  # noqa: E402  (ops is built on this module; Node's operators call it)
