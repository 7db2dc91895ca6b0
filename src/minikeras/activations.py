"""Activation functions, each carrying the gradient rule that training needs beside it.

Every function mirrors `keras.activations.<name>` of Keras 3: same name, signature, defaults and
numbers. Each also has `fn.backward(x, y, grad, **params)`: the gradient with respect to `x`,
given the input `x`, the output `y = fn(x, **params)` and the upstream gradient `grad`, where
`params` are the activation's own arguments after `x` (positional or keyword), with its defaults
(layers pass none: they call activations with their defaults). `backward` never writes into its
arguments, but may return `grad` itself (for `linear`). Called on a value traced by the autodiff
tape (inside a user function written with `minikeras.ops`), an activation records itself on the
tape as one primitive, with that same `backward` and the same arguments as its gradient.

Float inputs keep their dtype; anything else becomes `floatx()`. Exponentials are written so they
never overflow on the way to a finite answer. Selections are arithmetic (`maximum`, masks) rather
than `np.where` where the two agree exactly: `np.where` is ~10x slower on mixed-sign data.
"""

import functools
import inspect
import math

import numpy as np

from minikeras import autodiff, backend
from minikeras.saving import registry

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_HALF = 0.7071067811865476
_SQRT_2_OVER_PI = 0.7978845608028654
_INV_SQRT_2PI = 0.3989422804014327
_GELU_CUBIC = 0.044715  # of the tanh estimate of gelu

# Keras 2 also took these activation-layer class names for activations; with the layers'
# defaults they are these functions.
_KERAS2_LAYER_NAMES = {"Softmax": "softmax", "ReLU": "relu", "ELU": "elu"}


# The activations whose output a loss reads on the tape (`Loss._at_logits` takes a
# crossentropy at their input, the logits): a layer records them as nodes of their own.
SEEN_BY_LOSSES = ("softmax", "sigmoid")
# The built-in activations that are not elementwise: they reduce along, or split, an axis.
_ALONG_AN_AXIS = ("softmax", "log_softmax", "sparsemax", "glu")


def _is_elementwise(activation):
    """Whether `activation` is a built-in elementwise one that a layer may apply itself, to
    parts of its output (not `linear`, which does nothing, nor those whose node a loss reads)."""
    name = getattr(activation, "__name__", None)
    return (getattr(activation, "on_float_array", None) is not None
            and registry.lookup("activation", name, None) is activation
            and name not in (*_ALONG_AN_AXIS, *SEEN_BY_LOSSES, "linear"))


def _as_float(x):
    """`x` as an ndarray: float input keeps its dtype, anything else becomes `floatx()`."""
    if getattr(x, "dtype", None) is not None and x.dtype.kind == "f":
        return np.asarray(x)
    return np.asarray(x, dtype=backend.floatx())


def _with_gradient(fn, backward, recorded=None):
    """`fn(x, ...)` as a public activation whose gradient is `backward(x, y, grad, **params)`.

    The result converts `x` with `_as_float`; its `.backward(x, y, grad, *args, **kwargs)` takes
    the arguments of `fn` after `x`, defaults included, and hands them on as keywords. On a
    traced value it computes on the value and records itself on the tape as one primitive;
    `recorded(x, **params)`, if given, computes there instead, as `(fn's very value, what the
    node keeps of the way to it)`: its `Node.intermediates`, for the ops that consume it.
    """
    signature = inspect.signature(fn)
    defaults = {k: p.default for k, p in signature.parameters.items() if p.default is not p.empty}

    def params(args, kwargs):
        """The arguments of `fn` after `x` as keywords, defaults filled in."""
        if not args and not kwargs:
            return defaults  # what layers pass, every training step: skip the binding
        bound = signature.bind(None, *args, **kwargs)
        bound.apply_defaults()
        _, *rest = bound.arguments.items()
        return dict(rest)

    @functools.wraps(fn)
    def activation(x, *args, **kwargs):
        if type(x) is np.ndarray and x.dtype.kind == "f":  # the common case, kept cheap
            # (a layer passes no arguments: `fn(x)` skips building a call from two empty ones)
            return fn(x, *args, **kwargs) if args or kwargs else fn(x)
        if type(x) is not autodiff.Node:  # (a layer's output while a tape records is one)
            x = autodiff.lift(x)
            if not isinstance(x, autodiff.Node):
                return fn(_as_float(x), *args, **kwargs)
        # Inside a user function being differentiated: compute on the value, record the rule.
        value = x.value if x.value.dtype.kind == "f" else _as_float(x.value)
        options = params(args, kwargs)
        if recorded is None:
            y, intermediates = fn(value, **options) if args or kwargs else fn(value), None
        else:
            y, intermediates = recorded(value, **options)
        node = autodiff.primitive(y, lambda g: backward(value, y, g, **options), x, fn.__name__)
        if intermediates is not None and type(node) is autodiff.Node:
            node.intermediates = intermediates
        return node

    def activation_backward(x, y, grad, *args, **kwargs):
        return backward(x, y, grad, **params(args, kwargs))

    activation.backward = activation_backward
    # What a float ndarray with the defaults takes: `fn` itself (a model's inference plan
    # calls it, skipping this wrapper's tests, when it knows its layers' outputs are such).
    activation.on_float_array = fn
    return activation


def _activation(backward, *aliases, recorded=None):
    """Decorator: register `fn` as a Keras activation (plus `aliases`), with its `backward` rule
    `backward(x, y, grad, **params)`, `params` being the arguments of `fn` after `x` (and what it
    computes on a traced value, `recorded`: see `_with_gradient`)."""

    def decorate(fn):
        return registry.register("activation", *aliases, module="keras.activations")(
            _with_gradient(fn, backward, recorded)
        )

    return decorate


# ----------------------------------------------------------------------------------------------
# Stable building blocks


def _sigmoid(x):
    # For very negative x, exp(-x) overflows to inf and 1 / inf is the right limit, 0.
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def _read_only_zero(dtype):
    zero = np.zeros((), dtype)
    zero.setflags(write=False)
    return zero


# The zero relu compares with, by the input's dtype (others take the Python 0: the same
# numbers, as numpy takes a Python number in the array's dtype). Against a 0-d array `maximum`
# skips the conversion of a Python scalar, about 2,700 CPU instructions of a one-row call;
# against a zero row (what relu compared with before) it also allocated the row.
_ZEROS = {np.dtype(name): _read_only_zero(name) for name in ("float16", "float32", "float64")}


def _softplus(x):
    # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): the exponential never overflows.
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _reduce(ufunc, x, axis):
    """`ufunc` reduced along `axis`, dims kept. numpy reduces a short last axis one row at a time
    (about 40 ns a row: 166 us for 4096 rows of 10); a transposed copy reduces in one sweep."""
    if x.ndim == 2 and axis in (-1, 1) and x.shape[1] <= 64 < x.shape[0]:
        return ufunc.reduce(np.ascontiguousarray(x.T), axis=0)[:, None]
    return ufunc.reduce(x, axis=axis, keepdims=True)


def _erfc(x):
    from minikeras.special import erfc  # numpy, to float32 precision: no scipy needed

    return erfc(x)


# ----------------------------------------------------------------------------------------------
# Gradient rules: `rule(x, y, grad, **params)`, params named as the activation's own arguments


def _sigmoid_backward(x, y, grad):
    d = 1.0 - y
    d *= y
    d *= grad
    return d


def _tanh_backward(x, y, grad):
    d = 1.0 - y * y
    d *= grad
    return d


def _relu_backward(x, y, grad, negative_slope, max_value, threshold):
    # Above `threshold` x passes, except where the cap at `max_value` clips it to [0, max_value];
    # below it the slope is `negative_slope`.
    passes = x > (threshold or _ZEROS.get(x.dtype, 0.0))  # (see `_ZEROS`)
    if max_value is not None:
        passes &= (x > 0) & (x < max_value)
    d = grad * passes
    if negative_slope:
        d += (negative_slope * grad) * (x < threshold)
    return d


def _leaky_relu_backward(x, y, grad, negative_slope):
    return _relu_backward(x, y, grad, negative_slope, max_value=None, threshold=0.0)


def _elu_backward(x, y, grad, alpha):
    # Below zero y = alpha * (e^x - 1), so the slope alpha * e^x is y + alpha; above zero it is 1.
    return grad * (1.0 + (x < 0) * (y + (alpha - 1.0)))


def _celu_backward(x, y, grad, alpha):
    # Below zero y = alpha * (e^(x / alpha) - 1), so the slope e^(x / alpha) is 1 + y / alpha.
    return grad * (1.0 + (x < 0) * (y / alpha))


def _selu_backward(x, y, grad):
    # Below zero y = scale * alpha * (e^x - 1), so the slope is y + scale * alpha.
    return np.where(x > 0, _SELU_SCALE * grad, grad * (y + _SELU_SCALE * _SELU_ALPHA))


def _shrink_backward(x, y, grad, threshold):
    # Both shrinks pass x (shifted or not) beyond +-threshold, and are flat within.
    return grad * (np.abs(x) > threshold)


def _threshold_backward(x, y, grad, threshold, default_value):
    return grad * (x > threshold)


def _squareplus_backward(x, y, grad, b):
    # hypot(x, sqrt(b)) is sqrt(x**2 + b) without overflowing x**2.
    return grad * (0.5 + 0.5 * x / np.hypot(x, math.sqrt(b)))


def _silu_backward(x, y, grad):
    s = _sigmoid(x)
    return grad * (s + y * (1.0 - s))  # y = x * s


def _mish_backward(x, y, grad):
    t = np.tanh(_softplus(x))
    return grad * (t + x * (1.0 - t * t) * _sigmoid(x))


def _gelu_backward(x, y, grad, approximate):
    if approximate:
        # y = x (1 + tanh(u)) / 2 with u = c (x + k x^3): (1 + t) / 2 + x (1 - t^2) u' / 2.
        t = np.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x * x * x))
        du = _SQRT_2_OVER_PI * (1.0 + 3 * _GELU_CUBIC * x * x)
        return grad * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du)
    # Phi(x) + x * phi(x); phi is exactly 0 past |x| = 40 even in float64, so clip before squaring.
    bounded = np.clip(x, -40.0, 40.0)
    density = np.exp(-0.5 * bounded * bounded) * _INV_SQRT_2PI
    return grad * (0.5 * _erfc(-x * _SQRT_HALF) + bounded * density)


def _glu_backward(x, y, grad, axis):
    a, b = np.split(x, 2, axis=axis)
    s = _sigmoid(b)
    grad_a = grad * s
    return np.concatenate([grad_a, grad_a * a * (1.0 - s)], axis=axis)


def _softmax_backward(x, y, grad, axis):
    d = grad * y
    d -= y * _reduce(np.add, d, axis)
    return d


def _log_softmax_backward(x, y, grad, axis):
    return grad - np.exp(y) * _reduce(np.add, grad, axis)


def _sparsemax_backward(x, y, grad, axis):
    # On the support the Jacobian is I - 1 1^T / k: centre grad over the support, zero elsewhere.
    support = y > 0
    size = support.sum(axis=axis, keepdims=True, dtype=grad.dtype)
    mean = np.sum(grad, axis=axis, keepdims=True, where=support) / size
    return (grad - mean) * support


def _hard_silu_backward(x, y, grad):
    # Slope 0 below -3, (2x + 3) / 6 on [-3, 3], 1 above.
    return np.where(x >= 3, grad, grad * (x > -3) * (2 * x + 3) / 6)


# ----------------------------------------------------------------------------------------------
# The activations


@_activation(_relu_backward)
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit: `x` above `threshold` (capped at `max_value`), below it
    `negative_slope * (x - threshold)`."""
    if threshold:
        y = np.where(x > threshold, x, 0.0)
    else:
        y = np.maximum(x, _ZEROS.get(x.dtype, 0))  # (see `_ZEROS`)
    if max_value is not None:
        y = np.clip(y, 0.0, max_value)
    if negative_slope:
        y -= negative_slope * np.maximum(threshold - x, 0.0)
    return y


@_activation(_leaky_relu_backward)
def leaky_relu(x, negative_slope=0.2):
    """`x` for positive `x`, else `negative_slope * x`."""
    return np.maximum(x, 0.0) + negative_slope * np.minimum(x, 0.0)


@_activation(lambda x, y, grad: grad * ((x > 0) & (x < 6)))
def relu6(x):
    """ReLU capped at 6: `min(max(x, 0), 6)`."""
    return np.clip(x, 0.0, 6.0)


def _softmax_recorded(x, axis=-1):
    """`softmax(x, axis)` on a traced value: computed as `softmax` computes it, with what a
    crossentropy taken at its logits reuses instead of computing it again (the same functions
    on the same array: the same bits), `(axis, the maxima, the sums of the exponentials)`."""
    peak = _reduce(np.maximum, x, axis)
    e = x - peak
    np.exp(e, out=e)
    total = _reduce(np.add, e, axis)
    e /= total
    return e, (axis, peak, total)


@_activation(_softmax_backward, recorded=_softmax_recorded)
def softmax(x, axis=-1):
    """`exp(x) / sum(exp(x))` along `axis` (an int, a tuple, or None for all axes)."""
    e = x - _reduce(np.maximum, x, axis)
    np.exp(e, out=e)
    e /= _reduce(np.add, e, axis)
    return e


@_activation(_celu_backward)
def celu(x, alpha=1.0):
    """Continuously differentiable ELU: `max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)`."""
    return np.maximum(x, 0.0) + alpha * np.expm1(np.minimum(x, 0.0) / alpha)


@_activation(_elu_backward)
def elu(x, alpha=1.0):
    """Exponential linear unit: `x` for positive `x`, else `alpha * (exp(x) - 1)`."""
    return np.maximum(x, 0.0) + alpha * np.expm1(np.minimum(x, 0.0))


@_activation(_selu_backward)
def selu(x):
    """Scaled ELU: `scale * elu(x, alpha)` with the self-normalising constants."""
    return _SELU_SCALE * (np.maximum(x, 0.0) + _SELU_ALPHA * np.expm1(np.minimum(x, 0.0)))


@_activation(lambda x, y, grad: grad * _sigmoid(x))
def softplus(x):
    """`log(exp(x) + 1)`."""
    return _softplus(x)


@_activation(lambda x, y, grad: grad * np.square(1.0 / (1.0 + np.abs(x))))
def softsign(x):
    """`x / (abs(x) + 1)`."""
    return x / (np.abs(x) + 1.0)


@_activation(_shrink_backward)
def soft_shrink(x, threshold=0.5):
    """`x` moved `threshold` towards zero; 0 within `[-threshold, threshold]`."""
    return x - np.clip(x, -threshold, threshold)


@_activation(lambda x, y, grad: grad * np.clip(0.5 * (x + 1.0), 0.0, 1.0))
def sparse_plus(x):
    """0 for `x <= -1`, `(x + 1)**2 / 4` for `-1 < x < 1`, `x` for `x >= 1`."""
    return np.where(x < 1, 0.25 * np.square(np.clip(x, -1.0, 1.0) + 1.0), x)


@_activation(_silu_backward, "swish")
def silu(x):
    """Swish: `x * sigmoid(x)`."""
    return x * _sigmoid(x)


swish = silu


@_activation(_squareplus_backward)
def squareplus(x, b=4):
    """`(x + sqrt(x**2 + b)) / 2`."""
    return (x + np.hypot(x, math.sqrt(b))) / 2


@_activation(_gelu_backward)
def gelu(x, approximate=False):
    """Gaussian error linear unit `x * P(N(0, 1) <= x)`; the tanh estimate when `approximate`."""
    if approximate:
        return 0.5 * x * (1.0 + np.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x * x * x)))
    return 0.5 * x * _erfc(-x * _SQRT_HALF)


@_activation(_glu_backward)
def glu(x, axis=-1):
    """Gated linear unit: split `x` in halves `a, b` along `axis`; `a * sigmoid(b)`."""
    if x.shape[axis] % 2:
        raise ValueError(
            f"axis size must be divisible by 2. Received: x.shape={x.shape} with axis={axis}"
        )
    a, b = np.split(x, 2, axis=axis)
    return a * _sigmoid(b)


@_activation(_tanh_backward)
def tanh(x):
    """Hyperbolic tangent."""
    return np.tanh(x)


@_activation(lambda x, y, grad: grad * np.square(x - y))
def tanh_shrink(x):
    """`x - tanh(x)`."""
    return x - np.tanh(x)


@_activation(lambda x, y, grad: grad * (np.abs(x) < 1))
def hard_tanh(x):
    """`x` clipped to `[-1, 1]`."""
    return np.clip(x, -1.0, 1.0)


@_activation(_shrink_backward)
def hard_shrink(x, threshold=0.5):
    """`x` where `abs(x) > threshold`, else 0."""
    return np.where(np.abs(x) > threshold, x, 0.0)


@_activation(_threshold_backward)
def threshold(x, threshold, default_value):
    """`x` where `x > threshold`, else `default_value`."""
    return np.where(x > threshold, x, default_value).astype(x.dtype, copy=False)


@_activation(_sigmoid_backward)
def sigmoid(x):
    """`1 / (1 + exp(-x))`."""
    return _sigmoid(x)


@_activation(lambda x, y, grad: grad * y)
def exponential(x):
    """`exp(x)`."""
    with np.errstate(over="ignore"):  # inf is the true float answer, as in Keras
        return np.exp(x)


@_activation(lambda x, y, grad: grad * ((x > -3) & (x < 3)) / 6)
def hard_sigmoid(x):
    """Piecewise linear sigmoid: `relu6(x + 3) / 6`."""
    return np.clip(x + 3.0, 0.0, 6.0) / 6


def _keras2_hard_sigmoid(x):
    """Keras 2's hard sigmoid, `clip(0.2 x + 0.5, 0, 1)`: what 'hard_sigmoid' means in its files."""
    return np.clip(x * x.dtype.type(0.2) + x.dtype.type(0.5), 0.0, 1.0)


_keras2_hard_sigmoid = _with_gradient(
    _keras2_hard_sigmoid, lambda x, y, grad: grad * ((x > -2.5) & (x < 2.5)) * 0.2
)
_keras2_hard_sigmoid.__name__ = "hard_sigmoid"
registry.KERAS2_OVERRIDES["hard_sigmoid"] = _keras2_hard_sigmoid


@_activation(_hard_silu_backward, "hard_swish")
def hard_silu(x):
    """Hard swish: `x * hard_sigmoid(x)`."""
    return x * (np.clip(x + 3.0, 0.0, 6.0) / 6)


hard_swish = hard_silu


# log_sigmoid(x) = log(sigmoid(x)), so the slope sigmoid(-x) = 1 - exp(y) = -expm1(y).
@_activation(lambda x, y, grad: grad * -np.expm1(y))
def log_sigmoid(x):
    """`log(1 / (1 + exp(-x)))`."""
    return -_softplus(-x)


@_activation(lambda x, y, grad: grad * (np.abs(x) < 1) * 0.5)
def sparse_sigmoid(x):
    """0 for `x <= -1`, `(x + 1) / 2` for `-1 < x < 1`, 1 for `x >= 1`."""
    return np.clip(0.5 * (x + 1.0), 0.0, 1.0)


@_activation(lambda x, y, grad: grad)
def linear(x):
    """The identity."""
    return x


@_activation(_mish_backward)
def mish(x):
    """`x * tanh(softplus(x))`."""
    return x * np.tanh(_softplus(x))


@_activation(_log_softmax_backward)
def log_softmax(x, axis=-1):
    """`x - log(sum(exp(x)))` along `axis`."""
    shifted = x - _reduce(np.maximum, x, axis)
    shifted -= np.log(_reduce(np.add, np.exp(shifted), axis))
    return shifted


@_activation(_sparsemax_backward)
def sparsemax(x, axis=-1):
    """Euclidean projection of `x` onto the probability simplex along `axis`: `max(x - tau, 0)`."""
    # Sparsemax ignores a shift; putting the top entry at 0 keeps it in the support whatever the
    # magnitude of `x`.
    x = x - np.max(x, axis=axis, keepdims=True)
    ranked = -np.sort(-x, axis=axis)
    cumsum = np.cumsum(ranked, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    rank = np.arange(1, x.shape[axis] + 1, dtype=x.dtype).reshape(shape)
    size = np.sum(ranked - (cumsum - 1) / rank > 0, axis=axis, keepdims=True)
    # tau comes from the cumulative sum at the last supported rank. (Keras 3.15 sums every
    # supported cumulative sum instead: wrong whenever the support has two entries or more.)
    tau = (np.take_along_axis(cumsum, size - 1, axis=axis) - 1) / size.astype(x.dtype)
    return np.maximum(x - tau, 0.0)


# ----------------------------------------------------------------------------------------------
# Names <-> functions


def get(identifier):
    """The activation for `identifier`: None (linear), a name, a config dict or a callable."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        identifier = _KERAS2_LAYER_NAMES.get(identifier, identifier)
    return registry.get("activation", identifier, instantiate=False)


def serialize(activation):
    """A built-in activation as its name (aliases give the canonical one: swish -> 'silu');
    anything else as its Keras 3 config."""
    return registry.serialize(activation)


def deserialize(config, custom_objects=None):
    """The activation named by `config` (a name or a Keras 2 / Keras 3 config dict)."""
    return registry.deserialize("activation", config, custom_objects)
