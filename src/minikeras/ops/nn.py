"""`keras.ops.nn`: activations, one-hot encodings and crossentropies.

Keras' `ops.X` and `activations.X` are one function, so the activations call
`minikeras.activations`, which records each on the tape with its own gradient rule.
"""

import numpy as np

from minikeras import backend
from minikeras.autodiff import Node
from minikeras.ops._dtypes import _axis, _promote, _value
from minikeras.ops._public import publish
from minikeras.ops.numpy import abs, clip, exp, log, log1p, sum


def _activations():
    """`minikeras.activations`, imported on first use: it imports autodiff, which imports ops."""
    from minikeras import activations

    return activations


def _activation(name, x, **params):
    """`activations.<name>(x, **params)`, an ndarray (or a Node on the tape)."""
    y = getattr(_activations(), name)(x, **params)
    return y if isinstance(y, Node) else np.asarray(y)


def relu(x):
    """`max(x, 0)`; integers stay integers, as in Keras."""
    (x,) = _promote(x)
    if x.dtype.kind in "iu":
        return np.maximum(x, x.dtype.type(0))
    return _activation("relu", x)


def relu6(x):
    """`min(max(x, 0), 6)`."""
    return _activation("relu6", x)


def sigmoid(x):
    """`1 / (1 + exp(-x))`."""
    return _activation("sigmoid", x)


def softplus(x):
    """`log(1 + exp(x))`, computed stably."""
    return _activation("softplus", x)


def softsign(x):
    """`x / (1 + |x|)`."""
    return _activation("softsign", x)


def silu(x):
    """`x * sigmoid(x)`."""
    return _activation("silu", x)


def log_sigmoid(x):
    """`log(sigmoid(x))`, computed stably."""
    return _activation("log_sigmoid", x)


def leaky_relu(x, negative_slope=0.2):
    """`x` where positive, else `negative_slope * x`."""
    return _activation("leaky_relu", x, negative_slope=negative_slope)


def hard_sigmoid(x):
    """`relu6(x + 3) / 6`, a piecewise linear sigmoid."""
    return _activation("hard_sigmoid", x)


def hard_silu(x):
    """`x * hard_sigmoid(x)`."""
    return _activation("hard_silu", x)


def elu(x, alpha=1.0):
    """`x` where positive, else `alpha * (exp(x) - 1)`."""
    return _activation("elu", x, alpha=alpha)


def selu(x):
    """Scaled ELU with the self-normalising constants."""
    return _activation("selu", x)


def gelu(x, approximate=True):
    """Gaussian error linear unit `x * P(X <= x)`, X ~ N(0, 1); by default its tanh estimate
    (`keras.activations.gelu` defaults to the exact form)."""
    return _activation("gelu", x, approximate=approximate)


def softmax(x, axis=-1):
    """`exp(x)` normalised to sum to 1 over `axis`."""
    return _activation("softmax", x, axis=_axis(axis))


def log_softmax(x, axis=-1):
    """`log(softmax(x, axis))`, computed stably."""
    return _activation("log_softmax", x, axis=_axis(axis))


swish = silu
hard_swish = hard_silu


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot vectors of length `num_classes` for the integer labels `x` (negative labels give
    all zeros), along a new axis `axis`."""
    labels = _value(x)
    hot = (labels[..., None] == np.arange(num_classes)).astype(backend.standardize_dtype(dtype))
    return hot if axis == -1 else np.moveaxis(hot, -1, axis)


# ----------------------------------------------------------------------------------------------
# Crossentropies, element-wise or reduced over the class axis only


def _check_same_shape(target, output):
    """Keras' check (and messages) of crossentropy arguments: the losses' own."""
    from minikeras import losses  # on first use: losses imports activations, which import ops

    losses._check_same_shape(target, output)


def binary_crossentropy(target, output, from_logits=False):
    """`-(target * log(output) + (1 - target) * log(1 - output))`, element by element."""
    target, output = _promote(target, output, floating=True)
    _check_same_shape(target, output)
    if from_logits:  # the same, rearranged so that exp never overflows
        return relu(output) - output * target + log1p(exp(-abs(output)))
    output = clip(output, backend.epsilon(), 1.0 - backend.epsilon())
    return -(target * log(output) + (1.0 - target) * log(1.0 - output))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """`-sum(target * log(output), axis)`, the probabilities `output` renormalised first."""
    target, output = _promote(target, output, floating=True)
    _check_same_shape(target, output)
    if from_logits:
        log_prob = log_softmax(output, axis=axis)
    else:
        output = output / sum(output, axis=axis, keepdims=True)
        log_prob = log(clip(output, backend.epsilon(), 1.0 - backend.epsilon()))
    return -sum(target * log_prob, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """`categorical_crossentropy` with integer class labels as `target`."""
    (output,) = _promote(output, floating=True)
    labels = _value(target).astype("int32")
    if labels.ndim == output.ndim and labels.shape[-1] == 1:
        labels = np.squeeze(labels, axis=-1)
    onehot = one_hot(labels, output.shape[axis], axis=axis, dtype=output.dtype)
    return categorical_crossentropy(onehot, output, from_logits=from_logits, axis=axis)


__all__ = publish(globals())
