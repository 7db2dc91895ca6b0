"""Intersection-over-union metrics, for classification and segmentation.

Every IoU metric accumulates one confusion matrix (rows: true class, columns: predicted class),
weighted by `sample_weight`, in a variable of the metric's dtype (`"int"`, i.e. int64, unless
given: float weights are then truncated, with Keras' warning). A class's IoU is
`tp / (tp + fp + fn)`; the result averages it over the target classes that occurred.
"""

import warnings

import numpy as np

from minikeras import backend
from minikeras.metrics.metric import Metric, _export


class _IoUBase(Metric):
    """The confusion matrix: labels and predictions as class ids (or one-hot / scores along
    `axis`, turned into ids by arg max), ids outside `[0, num_classes)` and `ignore_class`
    left out."""

    _direction = "up"

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int")
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable((num_classes, num_classes), "zeros",
                                          name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = self._class_ids(y_true, self.sparse_y_true), self._class_ids(
            y_pred, self.sparse_y_pred)
        if sample_weight is None:
            weights = np.ones(y_true.shape, self.dtype)
        else:
            dtype = getattr(sample_weight, "dtype", None)
            if dtype is not None and "float" in str(dtype) and "int" in self.dtype:
                warnings.warn(
                    "You are passing weight as `float`, but dtype is `int`. This may result in "
                    "an incorrect weight due to type casting Consider using integer weights.",
                    stacklevel=2,
                )
            weights = np.asarray(sample_weight).astype(self.dtype).reshape(-1)
            weights = np.broadcast_to(weights, y_true.shape)
        n = self.num_classes
        kept = (y_true >= 0) & (y_true < n) & (y_pred >= 0) & (y_pred < n)
        if self.ignore_class is not None:
            kept &= y_true != self.ignore_class
        cells = np.bincount(y_true[kept] * n + y_pred[kept], weights=weights[kept],
                            minlength=n * n)
        if "int" in self.dtype:
            cells = np.rint(cells)
        self.total_cm.assign(self.total_cm.value + cells.reshape(n, n).astype(self.dtype))

    def _class_ids(self, values, sparse):
        values = np.asarray(values)
        if not sparse:
            values = np.argmax(values, axis=self.axis)
        return values.astype(self.dtype).reshape(-1).astype(np.int64)


@_export()
class IoU(_IoUBase):
    """The mean IoU of the classes `target_class_ids`, from integer labels and predictions.

    Args:
        num_classes: the number of classes (the confusion matrix is num_classes x num_classes).
        target_class_ids: the classes whose IoU is averaged.
        name, dtype: as for `Metric` (dtype of the confusion matrix; default int64).
        ignore_class: a label id left out (e.g. a "void" class of a segmentation map).
        sparse_y_true, sparse_y_pred: False for one-hot labels / per-class scores, turned
            into ids by arg max along `axis`.
        axis: the class axis of dense labels and predictions.
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which is "
                             f"[0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def result(self):
        matrix = self.total_cm.value
        true_positives = np.diag(matrix)
        denominator = matrix.sum(axis=0) + matrix.sum(axis=1) - true_positives
        true_positives = true_positives[self.target_class_ids].astype(np.float32)
        denominator = denominator[self.target_class_ids].astype(np.float32)
        epsilon = np.float32(backend.epsilon())
        valid = denominator > 1e-9  # classes never seen nor predicted do not count
        iou = np.where(valid, true_positives / (denominator + epsilon), np.float32(0))
        return np.float32(np.sum(iou) / (np.float32(np.sum(valid)) + epsilon))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


@_export()
class BinaryIoU(IoU):
    """IoU of binary labels against scores: a score counts as class 1 when `>= threshold`.

    Args:
        target_class_ids: `[0]`, `[1]` or `[0, 1]` (the default: their mean).
        threshold: the score at and above which a prediction is class 1.
        name, dtype: as for `IoU`.
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name,
                         dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = np.asarray(y_true).astype(self.dtype)
        y_pred = (np.asarray(y_pred, dtype=np.float32) >= self.threshold).astype(self.dtype)
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


@_export()
class MeanIoU(IoU):
    """IoU averaged over every class (`IoU` with `target_class_ids=range(num_classes)`)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


@_export()
class OneHotIoU(IoU):
    """`IoU` of one-hot labels (and, unless `sparse_y_pred`, per-class scores)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


@_export()
class OneHotMeanIoU(MeanIoU):
    """`MeanIoU` of one-hot labels (and, unless `sparse_y_pred`, per-class scores)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}
