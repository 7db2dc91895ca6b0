"""Correlation metrics: Pearson's and Lin's concordance correlation along an axis, and the
metrics that are their weighted means over samples."""

import numpy as np

from minikeras import backend
from minikeras.losses import _prepare
from minikeras.metrics.metric import _export, _export_function
from minikeras.metrics.reduction_metrics import _FunctionMetric


@_export_function
def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's correlation of `y_true` and `y_pred` along `axis` (no epsilon: a constant
    row gives NaN, as in Keras)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    with np.errstate(divide="ignore", invalid="ignore"):
        centred = [x - np.mean(x, axis=axis, keepdims=True) for x in (y_true, y_pred)]
        true_z, pred_z = (x / np.std(x, axis=axis, keepdims=True) for x in centred)
    return np.mean(true_z * pred_z, axis=axis)


@_export_function
def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation along `axis`.

    As in Keras 3, the covariance term centres `y_true` on the mean of `y_pred`.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    true_mean = np.mean(y_true, axis=axis, keepdims=True)
    pred_mean = np.mean(y_pred, axis=axis, keepdims=True)
    true_var = np.var(y_true - true_mean, axis=axis, keepdims=True)
    pred_var = np.var(y_pred - pred_mean, axis=axis, keepdims=True)
    covariance = (y_true - pred_mean) * (y_pred - pred_mean)
    norm = true_var + pred_var + np.square(true_mean - pred_mean)
    epsilon = y_pred.dtype.type(backend.epsilon())
    return np.mean(2 * covariance / (norm + epsilon), axis=axis)


@_export()
class PearsonCorrelation(_FunctionMetric):
    """The mean of `pearson_correlation` over samples."""

    _direction = "up"

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name, dtype, axis=axis)


@_export()
class ConcordanceCorrelation(_FunctionMetric):
    """The mean of `concordance_correlation` over samples."""

    _direction = "up"

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name, dtype, axis=axis)
