"""Overlap losses for segmentation masks: Dice and its asymmetric generalisation, Tversky.

Both compare soft predictions with 0/1 targets through sums over `axis` (every axis when None,
giving one value for the whole batch), so a sample's value depends on all its entries.
"""

import numpy as np

from minikeras import backend
from minikeras.losses import _BuiltinLoss, _builtin, _export, _Result


def _sums(x, axis):
    return np.sum(x, axis=tuple(axis) if isinstance(axis, list) else axis, keepdims=True)


def _overlap(numerator, denominator, d_numerator, d_denominator, y_pred, axis):
    """`1 - numerator / denominator` (sums kept as broadcastable arrays) with its pullback."""
    reduced = np.squeeze(numerator / denominator,
                         axis=tuple(axis) if isinstance(axis, list) else axis)

    def pullback(cotangent):
        cotangent = np.reshape(cotangent, numerator.shape)
        return -cotangent * (d_numerator * denominator - numerator * d_denominator) / np.square(
            denominator)

    return _Result(1 - reduced, pullback)


@_builtin()
def dice(y_true, y_pred, axis=None):
    """`1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + eps)` over `axis`."""
    y_pred = np.asarray(y_pred)
    y_true = np.asarray(y_true).astype(y_pred.dtype, copy=False)
    epsilon = y_pred.dtype.type(backend.epsilon())
    intersection = 2 * _sums(y_true * y_pred, axis)
    total = _sums(y_true, axis) + _sums(y_pred, axis) + epsilon
    return _overlap(intersection, total, 2 * y_true, 1, y_pred, axis)


@_builtin()
def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """`1 - tp / (tp + alpha * fp + beta * fn + eps)` with soft counts summed over `axis`;
    as in Keras, `fp` sums `(1 - y_pred) * y_true` and `fn` sums `y_pred * (1 - y_true)`."""
    y_pred = np.asarray(y_pred)
    y_true = np.asarray(y_true).astype(y_pred.dtype, copy=False)
    epsilon = y_pred.dtype.type(backend.epsilon())
    tp = _sums(y_true * y_pred, axis)
    fp = _sums((1 - y_pred) * y_true, axis)
    fn = _sums(y_pred * (1 - y_true), axis)
    denominator = tp + fp * alpha + fn * beta + epsilon
    d_denominator = y_true - alpha * y_true + beta * (1 - y_true)
    return _overlap(tp, denominator, y_true, d_denominator, y_pred, axis)


@_export()
class Dice(_BuiltinLoss):
    """`dice` as a `Loss`."""

    _config_keys = ("axis",)

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, reduction, name, dtype, axis=axis)


@_export()
class Tversky(_BuiltinLoss):
    """`tversky` as a `Loss`."""

    _config_keys = ("alpha", "beta", "axis")

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(tversky, reduction, name, dtype, alpha=alpha, beta=beta, axis=axis)
