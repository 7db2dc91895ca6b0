"""The accuracies: functions, and the metrics that are their weighted means."""

import numpy as np

from minikeras import backend, losses
from minikeras.activations import _as_float
from minikeras.losses import squeeze_or_expand_to_same_rank
from minikeras.metrics.metric import _export, _export_function
from minikeras.metrics.reduction_metrics import _FunctionMetric


@_export_function
def accuracy(y_true, y_pred):
    """1.0 where `y_pred` equals `y_true` exactly, else 0.0."""
    y_true, y_pred = losses._prepare(y_true, y_pred)
    return (y_true == y_pred).astype(backend.floatx())


@_export_function
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where `y_pred > threshold` matches the 0/1 label `y_true`, else 0.0."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(np.asarray(y_true), _as_float(y_pred))
    return (y_true == (y_pred > threshold)).astype(backend.floatx())


@_export_function
def categorical_accuracy(y_true, y_pred):
    """1.0 where the arg max of `y_pred` is that of the one-hot `y_true`, else 0.0."""
    matches = _argmax(y_true) == _argmax(y_pred)
    return matches.astype(backend.floatx())


def _argmax(x):
    """`np.argmax(x, axis=-1)`; of an array, its own argmax (what np.argmax calls, without the
    Python of its wrapper)."""
    return x.argmax(axis=-1) if type(x) is np.ndarray else np.argmax(x, axis=-1)


@_export_function
def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the arg max of `y_pred` is the integer label `y_true`, else 0.0."""
    y_pred = _as_float(y_pred)
    y_true = np.asarray(y_true).astype(y_pred.dtype, copy=False)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    matches = (y_true == np.argmax(y_pred, axis=-1)).astype(backend.floatx())
    return matches[..., 0] if matches.ndim > 1 and matches.shape[-1] == 1 else matches


def _in_top_k(labels, y_pred, k):
    """Whether each label's score is among the `k` largest (ties at the boundary count in)."""
    y_pred = np.reshape(y_pred, (-1, np.shape(y_pred)[-1]))
    labels = np.reshape(labels, -1)
    target = np.take_along_axis(y_pred, labels[:, None], axis=-1)
    return (np.sum(y_pred > target, axis=-1) < k) & np.isfinite(target[:, 0])


@_export_function
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the class of the one-hot `y_true` is among the `k` top scores, else 0.0."""
    labels = np.argmax(y_true, axis=-1)
    return _in_top_k(labels, y_pred, k).reshape(labels.shape).astype(backend.floatx())


@_export_function
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label `y_true` is among the `k` top scores, else 0.0 (with
    `from_sorted_ids`, `y_pred` holds class ids sorted by score)."""
    y_pred = _as_float(y_pred)
    labels = np.asarray(y_true).astype(y_pred.dtype if from_sorted_ids else np.int32)
    if from_sorted_ids:
        ids = np.reshape(y_pred, (-1, y_pred.shape[-1]))[:, :k]
        matches = np.any(ids == np.reshape(labels, (-1, 1)), axis=-1)
    else:
        matches = _in_top_k(labels, y_pred, k)
    return matches.reshape(labels.shape).astype(backend.floatx())


@_export()
class Accuracy(_FunctionMetric):
    """How often `y_pred` equals `y_true` exactly."""

    _direction = "up"

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name, dtype)


@_export()
class BinaryAccuracy(_FunctionMetric):
    """How often `y_pred > threshold` matches the 0/1 label."""

    _direction = "up"

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name, dtype, threshold=threshold)


@_export()
class CategoricalAccuracy(_FunctionMetric):
    """How often the top score is the one-hot label's class."""

    _direction = "up"

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name, dtype)


@_export()
class SparseCategoricalAccuracy(_FunctionMetric):
    """How often the top score is the integer label's class."""

    _direction = "up"

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name, dtype)


@_export()
class TopKCategoricalAccuracy(_FunctionMetric):
    """How often the one-hot label's class is among the `k` top scores."""

    _direction = "up"

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name, dtype, k=k)


@_export()
class SparseTopKCategoricalAccuracy(_FunctionMetric):
    """How often the integer label's class is among the `k` top scores."""

    _direction = "up"

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name, dtype, k=k,
                         from_sorted_ids=from_sorted_ids)

    def get_config(self):
        config = super().get_config()
        if not self.from_sorted_ids:
            del config["from_sorted_ids"]  # Keras writes it only when set
        return config
