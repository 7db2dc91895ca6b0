"""Losses (`keras.losses`): functions, classes, and the exact gradient of each.

Every built-in loss is written once, as a *kernel*: a function of `(y_true, y_pred, **options)`
returning the per-sample values and a pullback, which maps a cotangent on those values to the
gradient with respect to `y_pred`. The public function (`mean_squared_error`, ...) returns the
values; its `gradient(y_true, y_pred, **options)` attribute evaluates the pullback on ones, i.e.
d(per-sample loss)/d(y_pred). Loss classes add Keras' sample weighting and reduction; every
reduction is linear in the values, so `Loss.value_and_grad` is that same pullback, fed with the
weight of each value. Losses written by users (a plain function, or a `Loss` subclass overriding
`call`, built from `minikeras.ops`) have no kernel: their gradient comes from `minikeras.autodiff`.
A built-in loss, function or class, called inside such a user loss records itself on that tape,
with its pullback as the rule.

Numbers follow Keras 3 on its TensorFlow backend, clipping included (eps = `backend.epsilon()`):
where Keras clips a probability into [eps, 1 - eps], the gradient through the clip is zero, as it
is in TensorFlow. The `from_logits` paths use log-sum-exp and softplus forms, so logits of +-1e4
and probabilities of exactly 0 or 1 give finite values and gradients. `y_true` is cast to the
dtype of `y_pred`; float32 stays float32.
"""

import functools
import re
import threading
import warnings
from typing import Callable, NamedTuple, Optional

import numpy as np

from minikeras import activations, autodiff, backend
from minikeras.core.tensor import as_tensor
from minikeras.activations import _as_float, _reduce, _sigmoid, softmax
from minikeras.autodiff import unbroadcast
from minikeras.saving import registry

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)
# Keras 2 spelled the default reduction "auto"; its files still say so.
_K2_REDUCTIONS = {"auto": "sum_over_batch_size"}


def _export(*aliases):
    return registry.register("loss", *aliases, module="keras.losses")


# ----------------------------------------------------------------------------------------------
# Shapes and reduction


def standardize_reduction(reduction):
    """`reduction` checked against Keras' list (Keras 2's `"auto"` means the default)."""
    reduction = _K2_REDUCTIONS.get(reduction, reduction)
    if reduction not in REDUCTIONS:
        raise ValueError(
            "Invalid value for argument `reduction`. "
            f"Expected one of {set(REDUCTIONS)}. Received: reduction={reduction}"
        )
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Keras' rank fix-up: when ranks differ by one and the longer ends in a 1, squeeze it (or,
    when the shorter has rank 1 and `expand_rank_1`, give the shorter a trailing 1)."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            return x1, x2[..., None]
        return x1[..., 0], x2
    if x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            return x1[..., None], x2
        return x1, x2[..., 0]
    return x1, x2


def apply_mask(sample_weight, mask, dtype, reduction):
    """Fold a boolean mask of valid values into the sample weights, as Keras does: for the mean
    reductions valid values weigh `total / valid`, so the mean runs over valid values only."""
    if mask is None:
        return sample_weight
    mask = np.asarray(mask, dtype=bool)
    if reduction in ("mean", "sum_over_batch_size"):
        valid = np.count_nonzero(mask)
        float_mask = np.where(mask, mask.size / valid if valid else 0.0, 0.0).astype(dtype)
    else:
        float_mask = mask.astype(dtype)
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(
        float_mask, np.asarray(sample_weight, dtype=dtype)
    )
    return sample_weight * float_mask


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size"):
    """Weigh and reduce per-sample loss values the way `Loss.__call__` does.

    Returns `(loss, pullback)`: `pullback(cotangent)` maps a cotangent on `loss` to one on
    `values` (every reduction is linear in the values, so it only scales and sums weights).
    """
    dtype = values.dtype
    weights = None if sample_weight is None and mask is None else apply_mask(
        None if sample_weight is None else np.asarray(sample_weight, dtype=dtype),
        mask, dtype, reduction,
    )
    shaped, weighted = values, values
    if weights is not None:
        shaped, weights = squeeze_or_expand_to_same_rank(values, weights.astype(dtype))
        weighted = shaped * weights
    if reduction in (None, "none") or weighted.shape in ((), (0,)):
        loss, scale = weighted, 1.0
    else:
        if reduction == "sum":
            divisor = 1.0
        elif reduction == "mean_with_sample_weight" and weights is not None:
            divisor = float(np.sum(weights))
        else:
            divisor = float(weighted.size)
        scale = 1.0 / divisor if divisor else 0.0  # Keras divides "no NaN": 0 / 0 is 0
        loss = np.add.reduce(weighted, axis=None) / divisor if divisor else 0.0
        if type(loss) is not dtype.type:  # (the quotient of a float of the values' dtype is one)
            loss = dtype.type(loss)
    d_weighted = dtype.type(scale) if weights is None else weights * dtype.type(scale)

    def pullback(cotangent=None):
        """`cotangent` None: the gradient of `loss` itself (a cotangent of ones)."""
        if cotangent is None:
            if weights is None and type(loss) is not np.ndarray:  # unweighted, reduced
                return _filled(values.shape, dtype, d_weighted)  # 1 * d_weighted everywhere
            cotangent = np.ones_like(loss)
        d_values = np.asarray(cotangent, dtype) * d_weighted
        if weights is None and d_values.ndim == 0:  # unweighted: one scale for every value
            return np.broadcast_to(d_values, values.shape)
        return unbroadcast(d_values, shaped.shape).reshape(values.shape)

    return loss, pullback


_MEANS_AS_NUMPY_DOES = (np.dtype("float32"), np.dtype("float64"))


def _mean(values, axis=None):
    """`np.mean(values, axis=axis)`, without its Python wrapper for float32 and float64 arrays
    (a sixth of a small batch's metric update): numpy's own steps, the sum and then the
    division by the count as an `intp`, in place (the same two ufunc calls, so the same
    numbers). Anything else, and empty slices (numpy warns), go to `np.mean`."""
    if type(values) is not np.ndarray or values.dtype not in _MEANS_AS_NUMPY_DOES:
        return np.mean(values, axis=axis)
    ndim = values.ndim
    if axis is None:
        count = values.size
    elif type(axis) is int and -ndim <= axis < ndim:
        count = values.shape[axis]
    elif type(axis) is tuple and all(type(one) is int and -ndim <= one < ndim for one in axis):
        count = 1
        for one in axis:
            count *= values.shape[one]
    else:  # (numpy's errors for an axis out of range, or of another type)
        return np.mean(values, axis=axis)
    if not count:
        return np.mean(values, axis=axis)
    total = np.add.reduce(values, axis=axis)
    if type(total) is np.ndarray:
        return np.true_divide(total, np.intp(count), out=total, casting="unsafe", subok=False)
    return total.dtype.type(total / np.intp(count))


@functools.lru_cache(maxsize=64)
def _filled(shape, dtype, value):
    """A read-only array of `shape` holding `value` (of `dtype`) everywhere: the gradient of
    an unweighted mean or sum with respect to its values, the same at every training step."""
    return np.broadcast_to(np.array(value, dtype), shape)


def _is_traced(x):
    """Whether `x` is a value on the autodiff tape: a user loss is being built on this one."""
    return isinstance(x, autodiff.Node)


def _plain(x):
    """The array behind a traced value (constant for this loss's own computation)."""
    return x.value if _is_traced(x) else x


# ----------------------------------------------------------------------------------------------
# Kernels: per-sample values and their pullback


class _Result(NamedTuple):
    values: np.ndarray
    pullback: Callable  # cotangent shaped like `values` -> gradient shaped like `y_pred`
    mask: Optional[np.ndarray] = None  # valid values; the others are excluded from the mean


def _evaluate(kernel, y_true, y_pred, *args, **kwargs):
    """Run a kernel; its pullback returns a gradient shaped and typed exactly like `y_pred`."""
    y_pred = _as_float(y_pred)
    result = kernel(y_true, y_pred, *args, **kwargs)

    def pullback(cotangent):
        grad = result.pullback(np.asarray(cotangent, dtype=y_pred.dtype))
        return _shaped_like(grad, y_pred)

    return _Result(result.values, pullback, result.mask)  # (`_replace` costs four times more)


def _shaped_like(grad, like):
    """`grad` reshaped to the shape of the array `like`, in its dtype (itself if it is)."""
    if type(grad) is np.ndarray and grad.shape == like.shape and grad.dtype == like.dtype:
        return grad
    return np.reshape(grad, like.shape).astype(like.dtype, copy=False)


def _builtin(*aliases):
    """Decorator: publish a kernel as a Keras loss function (registered with `aliases`) that
    returns the per-sample values, with `fn.gradient` giving d(values)/d(y_pred)."""

    def decorate(kernel):
        @functools.wraps(kernel)
        def loss_function(y_true, y_pred, *args, **kwargs):
            if _is_traced(y_pred):  # inside a user loss being differentiated
                result = _evaluate(kernel, _plain(y_true), y_pred.value, *args, **kwargs)
                return autodiff.primitive(result.values, result.pullback, y_pred, "loss")
            return kernel(_plain(y_true), _as_float(y_pred), *args, **kwargs).values

        def gradient(y_true, y_pred, *args, **kwargs):
            """d(per-sample loss)/d(y_pred), shaped like `y_pred`."""
            result = _evaluate(kernel, y_true, y_pred, *args, **kwargs)
            return result.pullback(np.ones_like(result.values))

        loss_function.kernel = kernel
        loss_function.gradient = gradient
        return _export(*aliases)(loss_function)

    return decorate


def _prepare(y_true, y_pred):
    """`y_true` cast to `y_pred`'s float dtype, both brought to the same rank."""
    y_pred = _as_float(y_pred)
    y_true = np.asarray(y_true).astype(y_pred.dtype, copy=False)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def _mean_over(terms, d_terms, y_pred, axis=-1):
    """Per-sample mean of elementwise `terms`; `d_terms()` gives their derivative in `y_pred`."""
    count = terms.shape[axis]

    def pullback(cotangent):
        return unbroadcast(_with_axis(cotangent, axis) * d_terms() / count, y_pred.shape)

    return _Result(_mean(terms, axis=axis), pullback)


def _clip_probabilities(p, upper=None):
    """Keras' clip of probabilities into [eps, 1 - eps] (or [eps, upper]). Only the entries it
    leaves alone, where `clipped == p` (never for NaN), pass a gradient."""
    eps = p.dtype.type(backend.epsilon())
    upper = p.dtype.type(1.0 - backend.epsilon() if upper is None else upper)
    return np.clip(p, eps, upper)


def _check_same_shape(target, output):
    if target.ndim != output.ndim:
        raise ValueError(
            "Arguments `target` and `output` must have the same rank (ndim). "
            f"Received: target.shape={target.shape}, output.shape={output.shape}"
        )
    if target.shape != output.shape:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. "
            f"Received: target.shape={target.shape}, output.shape={output.shape}"
        )


def _with_axis(cotangent, axis):
    """A per-sample cotangent with the reduced `axis` back as a length-1 axis (indexing for the
    last axis, the common one: `np.expand_dims` costs 1.4 us of Python a step, this 0.05)."""
    if axis == -1 and type(cotangent) is np.ndarray:
        return cotangent[..., None]
    return np.expand_dims(cotangent, axis)


def _check_axis(axis):
    if isinstance(axis, bool):
        raise ValueError(
            f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}"
        )


def _warn_single_class(name, y_pred):
    if y_pred.shape[-1] == 1:
        warnings.warn(
            f"In loss {name}, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={y_pred.shape}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=3,
        )


# ----------------------------------------------------------------------------------------------
# Regression losses


@_builtin("mse", "MSE")
def mean_squared_error(y_true, y_pred):
    """Mean of `(y_true - y_pred) ** 2` over the last axis."""
    y_true, y_pred = _prepare(y_true, y_pred)
    error = y_pred - y_true
    return _mean_over(np.square(error), lambda: 2 * error, y_pred)


@_builtin("mae", "MAE")
def mean_absolute_error(y_true, y_pred):
    """Mean of `abs(y_true - y_pred)` over the last axis."""
    y_true, y_pred = _prepare(y_true, y_pred)
    error = y_pred - y_true
    return _mean_over(np.abs(error), lambda: np.sign(error), y_pred)


@_builtin("mape", "MAPE")
def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), eps)))` over the last axis."""
    y_true, y_pred = _prepare(y_true, y_pred)
    scale = 100 / np.maximum(np.abs(y_true), y_pred.dtype.type(backend.epsilon()))
    error = y_pred - y_true
    return _mean_over(np.abs(error) * scale, lambda: np.sign(error) * scale, y_pred)


@_builtin("msle", "MSLE")
def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean of `(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2` over the last axis."""
    y_true, y_pred = _prepare(y_true, y_pred)
    eps = y_pred.dtype.type(backend.epsilon())
    shifted = np.maximum(y_pred, eps) + 1
    error = np.log(shifted) - np.log(np.maximum(y_true, eps) + 1)
    return _mean_over(np.square(error), lambda: 2 * error * (y_pred >= eps) / shifted, y_pred)


@_builtin("huber_loss")
def huber(y_true, y_pred, delta=1.0):
    """Huber loss: `0.5 * e**2` where `|e| <= delta`, else `delta * (|e| - 0.5 * delta)`, with
    `e = y_pred - y_true`; mean over the last axis."""
    y_true, y_pred = _prepare(y_true, y_pred)
    delta = y_pred.dtype.type(delta)
    error = y_pred - y_true
    quadratic = np.abs(error) <= delta
    terms = np.where(quadratic, 0.5 * np.square(error), delta * np.abs(error) - 0.5 * delta**2)
    return _mean_over(terms, lambda: np.where(quadratic, error, delta * np.sign(error)), y_pred)


@_builtin("logcosh")
def log_cosh(y_true, y_pred):
    """Mean of `log(cosh(y_pred - y_true))` over the last axis, computed without overflow."""
    y_true, y_pred = _prepare(y_true, y_pred)
    error = y_pred - y_true
    terms = error + np.logaddexp(0, -2 * error) - y_pred.dtype.type(np.log(2.0))
    return _mean_over(terms, lambda: np.tanh(error), y_pred)


@_builtin()
def cosine_similarity(y_true, y_pred, axis=-1):
    """Minus the cosine of the angle between `y_true` and `y_pred` along `axis` (vectors whose
    norm is below eps are scaled by 1 / eps instead of being normalised)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    limit = y_pred.dtype.type(1 / backend.epsilon())
    true_unit = y_true * np.minimum(_inverse_norm(y_true, axis), limit)
    inverse = _inverse_norm(y_pred, axis)
    scaled = inverse <= limit  # else the scale is the constant 1 / eps
    inverse = np.minimum(inverse, limit)
    pred_unit = y_pred * inverse
    cosine = np.sum(true_unit * pred_unit, axis=axis, keepdims=True)

    def pullback(cotangent):
        along = np.where(scaled, pred_unit * cosine, 0)
        grad = -_with_axis(cotangent, axis) * inverse * (true_unit - along)
        return unbroadcast(grad, y_pred.shape)

    return _Result(-np.squeeze(cosine, axis=axis), pullback)


def _inverse_norm(x, axis):
    with np.errstate(divide="ignore"):
        return 1 / np.sqrt(np.sum(np.square(x), axis=axis, keepdims=True))


# ----------------------------------------------------------------------------------------------
# Hinge losses


def _hinge_labels(y_true):
    """Labels that are all 0 or 1 become -1 or 1; others are used as they are."""
    if np.all((y_true == 0) | (y_true == 1)):
        return 2 * y_true - 1
    return y_true


@_builtin()
def hinge(y_true, y_pred):
    """Mean of `max(1 - y_true * y_pred, 0)` over the last axis; 0/1 labels become -1/1."""
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    margin = 1 - y_true * y_pred
    return _mean_over(np.maximum(margin, 0), lambda: np.where(margin >= 0, -y_true, 0), y_pred)


@_builtin()
def squared_hinge(y_true, y_pred):
    """Mean of `max(1 - y_true * y_pred, 0) ** 2` over the last axis; 0/1 labels become -1/1."""
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    excess = np.maximum(1 - y_true * y_pred, 0)
    return _mean_over(np.square(excess), lambda: -2 * y_true * excess, y_pred)


@_builtin()
def categorical_hinge(y_true, y_pred):
    """`max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)` over the last axis."""
    y_true, y_pred = _prepare(y_true, y_pred)
    positive = np.sum(y_true * y_pred, axis=-1)
    others = (1 - y_true) * y_pred
    negative = np.max(others, axis=-1)
    margin = negative - positive + 1

    def pullback(cotangent):
        # The max shares its gradient evenly between ties, as TensorFlow's does.
        ties = others == negative[..., None]
        share = ties / np.sum(ties, axis=-1, keepdims=True)
        active = (cotangent * (margin >= 0))[..., None]
        return unbroadcast(active * ((1 - y_true) * share - y_true), y_pred.shape)

    return _Result(np.maximum(margin, 0), pullback)


# ----------------------------------------------------------------------------------------------
# Probabilistic losses


@_builtin("kld", "KLD", "kullback_leibler_divergence")
def kl_divergence(y_true, y_pred):
    """`sum(y_true * log(y_true / y_pred))` over the last axis, both clipped into [eps, 1]."""
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _clip_probabilities(y_true, upper=1)
    clipped = _clip_probabilities(y_pred, upper=1)

    def pullback(cotangent):
        d_terms = np.where(clipped == y_pred, -y_true / clipped, 0)
        return unbroadcast(cotangent[..., None] * d_terms, y_pred.shape)

    return _Result(np.sum(y_true * np.log(y_true / clipped), axis=-1), pullback)


@_builtin()
def poisson(y_true, y_pred):
    """Mean of `y_pred - y_true * log(y_pred + eps)` over the last axis."""
    y_true, y_pred = _prepare(y_true, y_pred)
    shifted = y_pred + y_pred.dtype.type(backend.epsilon())
    return _mean_over(y_pred - y_true * np.log(shifted), lambda: 1 - y_true / shifted, y_pred)


def _smooth(y_true, label_smoothing, num_classes):
    if not label_smoothing:
        return y_true
    return y_true * (1.0 - label_smoothing) + label_smoothing / num_classes


def _binary_terms(y_true, y_pred, from_logits):
    """Elementwise binary crossentropy, and a function computing its derivative in `y_pred`:
    from logits through the overflow-free `max(x, 0) - x * y + log(1 + exp(-|x|))`, else from
    clipped probabilities."""
    if from_logits:
        terms = np.maximum(y_pred, 0) - y_pred * y_true + np.log1p(np.exp(-np.abs(y_pred)))
        return terms, lambda: _recorded_sigmoid(y_pred) - y_true
    clipped = _clip_probabilities(y_pred)
    terms = -(y_true * np.log(clipped) + (1 - y_true) * np.log(1 - clipped))

    def d_terms():
        return np.where(clipped == y_pred, (1 - y_true) / (1 - clipped) - y_true / clipped, 0)

    return terms, d_terms


@_builtin("bce", "BCE")
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy, mean over `axis`. Probabilities are clipped into [eps, 1 - eps];
    logits are used directly. Label smoothing moves labels towards 0.5."""
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_same_shape(y_true, y_pred)
    terms, d_terms = _binary_terms(_smooth(y_true, label_smoothing, 2), y_pred, from_logits)
    return _mean_over(terms, d_terms, y_pred, axis)


@_builtin()
def binary_focal_crossentropy(
    y_true,
    y_pred,
    apply_class_balancing=False,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
):
    """Binary crossentropy scaled by `(1 - p_t) ** gamma` (and by `alpha` for positives,
    `1 - alpha` for negatives when `apply_class_balancing`); mean over `axis`. From logits the
    crossentropy is exact, without clipping, as in Keras on TensorFlow."""
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _smooth(y_true, label_smoothing, 2)
    bce, d_bce = _binary_terms(y_true, y_pred, from_logits)
    probabilities = _sigmoid(y_pred) if from_logits else y_pred
    remainder = 1 - (y_true * probabilities + (1 - y_true) * (1 - probabilities))  # 1 - p_t
    focal = remainder**gamma
    weight = y_true * alpha + (1 - y_true) * (1 - alpha) if apply_class_balancing else 1

    def d_terms():
        d_probabilities = probabilities * (1 - probabilities) if from_logits else 1
        d_focal = -gamma * remainder ** (gamma - 1) * (2 * y_true - 1) * d_probabilities
        return weight * (focal * d_bce() + d_focal * bce)

    return _mean_over(weight * focal * bce, d_terms, y_pred, axis)


def _normalized_probabilities(probabilities, axis):
    """Keras' `p / sum(p)` then clip, with what the pullback needs."""
    total = np.sum(probabilities, axis=axis, keepdims=True)
    normalized = probabilities / total
    clipped = _clip_probabilities(normalized)

    def pullback(d_clipped):
        """Gradient in `probabilities`, given the one in the clipped values."""
        d = np.where(clipped == normalized, d_clipped, 0)
        return (d - np.sum(d * normalized, axis=axis, keepdims=True)) / total

    return clipped, pullback


# The recorded softmax or sigmoid output a crossentropy is being taken at the logits of
# (`Loss._at_logits`, in this thread): `_log_softmax_and_softmax` takes a softmax's maxima,
# sums and values from it, `_binary_terms` a sigmoid's values.
_at_logits_of = threading.local()


def _recorded_activation(op, logits):
    """The recorded `op` output whose logits are these very arrays (`_at_logits_of`), or None."""
    activated = getattr(_at_logits_of, "activated", None)
    if activated is None or activated.op != op or activated.parents[0].value is not logits:
        return None
    return activated


def _recorded_sigmoid(logits):
    """`sigmoid(logits)`: the values of the recorded sigmoid of these very arrays if there is
    one (what `_sigmoid` computes: that is the activation's function), else computed."""
    sigmoid = _recorded_activation("sigmoid", logits)
    return _sigmoid(logits) if sigmoid is None else sigmoid.value


def _recorded_softmax(logits, axis):
    """`(maxima, sums, softmax)` of `logits` along `axis` from the recorded softmax whose
    logits these very arrays are (`_at_logits_of`), if it was taken along that axis; else
    None."""
    softmax = _recorded_activation("softmax", logits)
    if softmax is None or softmax.intermediates is None:
        return None
    softmax_axis, peak, total = softmax.intermediates
    if type(softmax_axis) is not int or type(axis) is not int \
            or softmax_axis % logits.ndim != axis % logits.ndim:
        return None
    return peak, total, softmax.value


def _log_softmax_and_softmax(logits, axis):
    """`(log_softmax(logits, axis), probabilities)`, `probabilities()` giving
    `softmax(logits, axis)`: the activations' very values, computed as they compute them, from
    one shift, exponential and sum instead of one each (a crossentropy at logits takes its
    value from the first and its gradient, when asked, from the second). Where the logits are
    those of a recorded softmax along `axis` (`_recorded_softmax`), its maxima, sums and values
    are those very arrays: only the shift and the log are left to compute."""
    known = _recorded_softmax(logits, axis)
    if known is not None:
        peak, total, probabilities = known
        shifted = logits - peak
        shifted -= np.log(total)
        return shifted, lambda: probabilities
    shifted = logits - _reduce(np.maximum, logits, axis)
    exponentials = np.exp(shifted)
    total = _reduce(np.add, exponentials, axis)
    shifted -= np.log(total)
    divided = []

    def probabilities():
        if not divided:  # once, in place: a persistent tape may ask for the gradient again
            divided.append(np.divide(exponentials, total, out=exponentials))
        return divided[0]

    return shifted, probabilities


@_builtin()
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """`-sum(y_true * log(p))` over `axis`. Probabilities are first normalised to sum to one,
    then clipped into [eps, 1 - eps]; logits go through a log-softmax. Label smoothing mixes
    labels with the uniform distribution."""
    _check_axis(axis)
    y_pred = _as_float(y_pred)
    y_true = np.asarray(y_true).astype(y_pred.dtype, copy=False)
    _warn_single_class("categorical_crossentropy", y_pred)
    _check_same_shape(y_true, y_pred)
    y_true = _smooth(y_true, label_smoothing, y_true.shape[-1])
    if from_logits:
        log_probabilities, probabilities = _log_softmax_and_softmax(y_pred, axis)
        # (np.add.reduce: what np.sum runs for an array, without its Python wrapper)
        values = -np.add.reduce(y_true * log_probabilities, axis=axis)

        def pullback(cotangent):
            mass = np.add.reduce(y_true, axis=axis, keepdims=True)
            return _with_axis(cotangent, axis) * (mass * probabilities() - y_true)

        return _Result(values, pullback)
    clipped, normalized_pullback = _normalized_probabilities(y_pred, axis)

    def pullback(cotangent):
        return normalized_pullback(_with_axis(cotangent, axis) * -y_true / clipped)

    return _Result(-np.sum(y_true * np.log(clipped), axis=axis), pullback)


@_builtin()
def categorical_focal_crossentropy(
    y_true,
    y_pred,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
):
    """Categorical crossentropy with each class term scaled by `alpha * (1 - p) ** gamma`;
    probabilities are normalised and clipped as in `categorical_crossentropy`."""
    _check_axis(axis)
    y_pred = _as_float(y_pred)
    y_true = np.asarray(y_true).astype(y_pred.dtype, copy=False)
    _warn_single_class("categorical_focal_crossentropy", y_pred)
    y_true = _smooth(y_true, label_smoothing, y_true.shape[-1])
    probabilities = softmax(y_pred, axis=axis) if from_logits else y_pred
    clipped, normalized_pullback = _normalized_probabilities(probabilities, axis)
    crossentropy = -y_true * np.log(clipped)
    modulation = (1 - clipped) ** gamma
    values = np.sum(alpha * modulation * crossentropy, axis=axis)

    def pullback(cotangent):
        d_clipped = alpha * (
            modulation * -y_true / clipped - gamma * (1 - clipped) ** (gamma - 1) * crossentropy
        )
        d = normalized_pullback(_with_axis(cotangent, axis) * d_clipped)
        if from_logits:
            d = probabilities * (d - np.sum(d * probabilities, axis=axis, keepdims=True))
        return d

    return _Result(values, pullback)


def _sparse_labels(y_true, y_pred, axis, ignore_class):
    """Integer labels shaped like `y_pred` without its class axis, and the mask of labels that
    count (None without `ignore_class`)."""
    if axis not in (-1, y_pred.ndim - 1):
        raise ValueError(f"Only axis=-1 is currently supported. Received: axis={axis}")
    y_true = np.asarray(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_true.ndim != y_pred.ndim - 1:
        raise ValueError(
            "Argument `output` must have rank (ndim) `target.ndim - 1`. Received: "
            f"target.shape={y_true.shape}, output.shape={y_pred.shape}. (One-hot targets go "
            "with `categorical_crossentropy`.)"
        )
    if y_true.shape != y_pred.shape[:-1]:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape up until the last "
            f"dimension: target.shape={y_true.shape}, output.shape={y_pred.shape}"
        )
    valid = None if ignore_class is None else y_true != ignore_class
    labels = (y_true if valid is None else np.where(valid, y_true, 0)).astype(np.int64)
    num_classes = y_pred.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)].flat[0]
        raise ValueError(
            f"Received a label value of {bad} which is outside the valid range of "
            f"[0, {num_classes}).  Label values: {' '.join(map(str, labels.reshape(-1)))}"
        )
    return labels, valid


@_builtin()
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Categorical crossentropy with integer labels. Probabilities are clipped into
    [eps, 1 - eps] and renormalised through a log-softmax of their logs (TensorFlow's way);
    samples labelled `ignore_class` get 0 and are left out of the mean."""
    y_pred = _as_float(y_pred)
    labels, valid = _sparse_labels(y_true, y_pred, axis, ignore_class)
    if from_logits:
        logits = y_pred
    else:
        clipped = _clip_probabilities(y_pred)
        logits = np.log(clipped)
    log_probabilities, probabilities = _log_softmax_and_softmax(logits, -1)
    values = -np.take_along_axis(log_probabilities, labels[..., None], axis=-1)[..., 0]
    if valid is not None:
        values = np.where(valid, values, 0).astype(y_pred.dtype)

    def pullback(cotangent):
        if valid is not None:
            cotangent = cotangent * valid
        one_hot = np.arange(y_pred.shape[-1]) == labels[..., None]
        d = cotangent[..., None] * (probabilities() - one_hot)
        return d if from_logits else np.where(clipped == y_pred, d / clipped, 0)

    return _Result(values, pullback, valid)


# ----------------------------------------------------------------------------------------------
# Loss classes


def _snake_case(name):
    return backend.to_snake_case(re.sub(r"\W+", "", name))


@_export()
class Loss:
    """Base class of losses. Subclasses implement `call(y_true, y_pred)`, returning per-sample
    values (write it with `minikeras.ops` to get gradients from the autodiff tape).

    Args:
        name: the loss name (default: the snake_case class name, made unique).
        reduction: `"sum_over_batch_size"` (default) or `"mean"`: the weighted sum divided by
            the number of values; `"sum"`; `"mean_with_sample_weight"`: the weighted sum divided
            by the sum of the weights; `"none"` or None: the weighted values themselves.
        dtype: the dtype of the computation (default `backend.floatx()`).
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or backend.unique_name(_snake_case(type(self).__name__))
        self.reduction = standardize_reduction(reduction)
        self._dtype = backend.standardize_dtype(dtype)

    @property
    def dtype(self):
        return self._dtype

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss (a scalar unless `reduction` is `"none"`)."""
        traced = _is_traced(y_pred)
        if traced:
            stable = self._at_logits(y_true, y_pred, sample_weight)
            if stable is not None:
                return stable
        arrays = self._convert(_plain(y_true), _plain(y_pred))
        result = self._forward(*arrays, differentiable=traced)
        loss, pullback = reduce_weighted_values(
            result.values, sample_weight, result.mask, self.reduction
        )
        if traced:  # inside a user loss being differentiated
            return autodiff.primitive(
                loss, lambda g: result.pullback(pullback(g)), y_pred, "loss"
            )
        return as_tensor(np.asarray(loss))

    def value_and_grad(self, y_true, y_pred, sample_weight=None):
        """`(loss, gradient of loss with respect to y_pred)`, reduction and weights included.

        With `reduction="none"` the loss is the weighted values and the gradient that of their
        sum. The gradient is shaped like `y_pred`.
        """
        result = self._forward(*self._convert(y_true, y_pred), differentiable=True)
        return self._reduce_with_gradient(result, sample_weight, y_pred)

    def logits_value_and_grad(self, y_true, logits, sample_weight=None, activation_name=None):
        """`(loss, gradient with respect to the logits before `activation_name`)` where the
        loss has a stable form at the logits (see `LossFunctionWrapper`); None otherwise."""
        return None

    def _at_logits(self, y_true, y_pred, sample_weight):
        """The loss of a recorded softmax or sigmoid output, taken at that node's input (the
        logits) where the loss has a stable form there, as Keras 3 on TensorFlow takes it
        from the logits its activations keep: recorded with the logits as its parent."""
        if y_pred.op not in activations.SEEN_BY_LOSSES or self.reduction in (None, "none"):
            return None
        logits = y_pred.parents[0]
        _at_logits_of.activated = y_pred
        try:
            fused = self.logits_value_and_grad(
                _plain(y_true), logits.value, sample_weight, y_pred.op)
        finally:
            _at_logits_of.activated = None
        if fused is None:
            return None
        value, grad = fused
        return autodiff.primitive(value, lambda g: grad * g, logits, "loss")

    def _reduce_with_gradient(self, result, sample_weight, like):
        loss, pullback = reduce_weighted_values(
            result.values, sample_weight, result.mask, self.reduction
        )
        grad = result.pullback(pullback())
        return loss, _shaped_like(grad, _as_float(like))

    def _convert(self, y_true, y_pred):
        return np.asarray(y_true, dtype=self.dtype), np.asarray(y_pred, dtype=self.dtype)

    def _forward(self, y_true, y_pred, differentiable):
        """Per-sample values of `call`, with a pullback from the autodiff tape when asked."""
        if not differentiable:
            return _Result(np.asarray(self.call(y_true, y_pred), dtype=self.dtype), None)
        values, pullback = autodiff.vjp(self.call, y_true, y_pred)

        def pullback_y_pred(cotangent):
            return np.asarray(pullback(cotangent)[1], dtype=self.dtype)

        return _Result(np.asarray(values, dtype=self.dtype), pullback_y_pred)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def serialize_function(fn):
    """A loss or metric function as Keras 3 writes it inside a config."""
    name = registry.serialize(fn)
    if isinstance(name, str):
        return {"module": "builtins", "class_name": "function", "config": name,
                "registered_name": "function"}
    return name


# The crossentropies Keras 3 on TensorFlow takes at the logits of this output activation.
_FUSED_ACTIVATIONS = {
    categorical_crossentropy: "softmax",
    sparse_categorical_crossentropy: "softmax",
    binary_crossentropy: "sigmoid",
}


@_export()
class LossFunctionWrapper(Loss):
    """A `Loss` computing `fn(y_true, y_pred, **kwargs)` per sample.

    Args:
        fn: a loss function: a built-in one (exact gradient) or any function written with
            `minikeras.ops` (gradient from the autodiff tape).
        reduction, name, dtype: as for `Loss`.
        **kwargs: passed on to `fn`.
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def _forward(self, y_true, y_pred, differentiable):
        kernel = getattr(self.fn, "kernel", None)
        if kernel is None:
            return super()._forward(y_true, y_pred, differentiable)
        y_true, fitted = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return _evaluate(kernel, y_true, fitted, **self._fn_kwargs)

    def logits_value_and_grad(self, y_true, logits, sample_weight=None, activation_name=None):
        """`(loss, gradient with respect to the logits)` where `y_pred = activation(logits)`,
        for categorical and sparse categorical crossentropy after a softmax and binary
        crossentropy after a sigmoid (without `from_logits`); None for other pairs.

        This is what Keras 3 on TensorFlow reports: its softmax and sigmoid outputs carry their
        logits, and its crossentropies use them, unclipped. The values differ from those of the
        clipped probabilities only where a probability is below 1e-7 (a confident, wrong
        prediction costs more than -log(1e-7)).
        """
        if not self._fuses_with(activation_name, logits):
            return None
        y_true, logits_ = self._convert(y_true, logits)
        y_true, fitted = squeeze_or_expand_to_same_rank(y_true, logits_)
        kwargs = {**self._fn_kwargs, "from_logits": True}
        result = _evaluate(self.fn.kernel, y_true, fitted, **kwargs)
        return self._reduce_with_gradient(result, sample_weight, logits)

    def _fuses_with(self, activation_name, y_pred):
        return (
            _FUSED_ACTIVATIONS.get(self.fn) == activation_name
            and not self._fn_kwargs.get("from_logits")
            and self._fn_kwargs.get("axis", -1) in (
                -1, (y_pred.ndim if type(y_pred) is np.ndarray else np.ndim(y_pred)) - 1)
        )

    def get_config(self):
        return {**super().get_config(), "fn": serialize_function(self.fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if "fn" in config:
            config["fn"] = registry.deserialize("loss", config["fn"], custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class _BuiltinLoss(LossFunctionWrapper):
    """A Keras loss class: a built-in function with fixed options, which are its config."""

    _config_keys = ()  # options in the config, in Keras' order

    def __init__(self, fn, reduction, name, dtype, **kwargs):
        super().__init__(fn, reduction=reduction, name=name, dtype=dtype, **kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def get_config(self):
        return {**Loss.get_config(self), **{key: getattr(self, key) for key in self._config_keys}}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@_export()
class MeanSquaredError(_BuiltinLoss):
    """`mean_squared_error` as a `Loss`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction, name, dtype)


@_export()
class MeanAbsoluteError(_BuiltinLoss):
    """`mean_absolute_error` as a `Loss`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction, name, dtype)


@_export()
class MeanAbsolutePercentageError(_BuiltinLoss):
    """`mean_absolute_percentage_error` as a `Loss`."""

    def __init__(
        self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error", dtype=None
    ):
        super().__init__(mean_absolute_percentage_error, reduction, name, dtype)


@_export()
class MeanSquaredLogarithmicError(_BuiltinLoss):
    """`mean_squared_logarithmic_error` as a `Loss`."""

    def __init__(
        self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error", dtype=None
    ):
        super().__init__(mean_squared_logarithmic_error, reduction, name, dtype)


@_export()
class CosineSimilarity(_BuiltinLoss):
    """`cosine_similarity` along `axis` as a `Loss`."""

    _config_keys = ("axis",)  # Keras 3 leaves `axis` out of the config, losing it

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, reduction, name, dtype, axis=axis)


@_export()
class Huber(_BuiltinLoss):
    """`huber` with threshold `delta` as a `Loss`."""

    _config_keys = ("delta",)  # Keras 3 leaves `delta` out of the config, losing it

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, reduction, name, dtype, delta=delta)


@_export()
class LogCosh(_BuiltinLoss):
    """`log_cosh` as a `Loss`."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction, name, dtype)


@_export()
class Hinge(_BuiltinLoss):
    """`hinge` as a `Loss`."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction, name, dtype)


@_export()
class SquaredHinge(_BuiltinLoss):
    """`squared_hinge` as a `Loss`."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction, name, dtype)


@_export()
class CategoricalHinge(_BuiltinLoss):
    """`categorical_hinge` as a `Loss`."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction, name, dtype)


@_export()
class KLDivergence(_BuiltinLoss):
    """`kl_divergence` as a `Loss`."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction, name, dtype)


@_export()
class Poisson(_BuiltinLoss):
    """`poisson` as a `Loss`."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction, name, dtype)


@_export()
class BinaryCrossentropy(_BuiltinLoss):
    """`binary_crossentropy` as a `Loss`: args `from_logits`, `label_smoothing`, `axis`."""

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


@_export()
class BinaryFocalCrossentropy(_BuiltinLoss):
    """`binary_focal_crossentropy` as a `Loss`."""

    _config_keys = ("from_logits", "label_smoothing", "axis", "apply_class_balancing", "alpha",
                    "gamma")

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, reduction, name, dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


@_export()
class CategoricalCrossentropy(_BuiltinLoss):
    """`categorical_crossentropy` as a `Loss`: args `from_logits`, `label_smoothing`, `axis`."""

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


@_export()
class CategoricalFocalCrossentropy(_BuiltinLoss):
    """`categorical_focal_crossentropy` as a `Loss`."""

    _config_keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(categorical_focal_crossentropy, reduction, name, dtype, alpha=alpha,
                         gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


@_export()
class SparseCategoricalCrossentropy(_BuiltinLoss):
    """`sparse_categorical_crossentropy` as a `Loss`: args `from_logits`, `ignore_class`."""

    _config_keys = ("from_logits", "ignore_class")

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)


# ----------------------------------------------------------------------------------------------
# Names <-> losses


def serialize(loss):
    """A loss function as its name, a `Loss` as its Keras 3 config."""
    return registry.serialize(loss)


def deserialize(config, custom_objects=None):
    """A loss from a name or a Keras 2 / Keras 3 config dict."""
    return registry.deserialize("loss", config, custom_objects)


def get(identifier):
    """A loss from None, a name (function or class), a config dict, a `Loss` or a callable;
    a class name gives an instance with default arguments."""
    return registry.get("loss", identifier)


def resolve_compile_loss(identifier, y_true, y_pred):
    """What `compile(loss=identifier)` trains with, as a `Loss`, given the first batch's targets
    and outputs (arrays, or anything with a `.shape`).

    `"crossentropy"` / `"ce"` pick binary, sparse or categorical crossentropy from the shapes, as
    `"accuracy"` does for metrics; other identifiers go through `get`. A function is wrapped in a
    `LossFunctionWrapper` named by the string the user passed (else the function's name).
    """
    if identifier is None:
        return None
    if str(identifier).lower() in ("crossentropy", "ce"):
        binary, sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        loss = binary_crossentropy if binary else (
            sparse_categorical_crossentropy if sparse else categorical_crossentropy
        )
    else:
        loss = get(identifier)
    if isinstance(loss, Loss):
        return loss
    name = identifier if isinstance(identifier, str) else object_name(loss)
    return LossFunctionWrapper(loss, name=name)


def is_binary_or_sparse_categorical(y_true, y_pred):
    """Keras' reading of target and output shapes: (one sigmoid output?, integer labels?)."""
    true_shape, pred_shape = np.shape(y_true), np.shape(y_pred)
    binary = pred_shape[-1] == 1
    sparse = len(true_shape) < len(pred_shape) or (true_shape[-1] == 1 and pred_shape[-1] > 1)
    return binary, sparse


def object_name(obj):
    """Keras' name for an object: its `name`, else its snake_case function or class name."""
    if hasattr(obj, "name"):
        return obj.name
    if hasattr(obj, "__name__"):
        return _snake_case(obj.__name__)
    return _snake_case(type(obj).__name__)


# The families in modules of their own, which build on what is above.
from minikeras.losses.metric_learning_losses import Circle, circle  # noqa: E402, F401
from minikeras.losses.noisy_label_losses import (  # noqa: E402, F401
    CategoricalGeneralizedCrossEntropy, categorical_generalized_cross_entropy,
)
from minikeras.losses.overlap_losses import Dice, Tversky, dice, tversky  # noqa: E402, F401
from minikeras.losses.sequence_losses import CTC, ctc  # noqa: E402, F401
