"""Confusion-matrix metrics: weighted true/false positives/negatives counted at
thresholds, and the scores made of them (Precision, Recall, AUC)."""

import numpy as np

from minikeras import backend
from minikeras.activations import _as_float, _sigmoid
from minikeras.losses import squeeze_or_expand_to_same_rank
from minikeras.metrics.metric import Metric, _divide_no_nan, _export


NEG_INF = -1e10  # the threshold Keras uses when Precision/Recall take the top k


def _parse_thresholds(thresholds, default):
    if thresholds is None:
        return [default]
    thresholds = list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds]
    invalid = [t for t in thresholds if t is None or t < 0 or t > 1]
    if invalid:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")
    return thresholds


def _evenly_spaced(thresholds):
    """Whether thresholds are `i / (n - 1)`, i = 0..n-1 (then Keras clips predictions into
    [0, 1] before comparing)."""
    count = len(thresholds)
    return count >= 3 and np.allclose(
        thresholds, np.arange(count, dtype=np.float32) / (count - 1), atol=backend.epsilon()
    )


def _confusion_counts(y_true, y_pred, thresholds, sample_weight=None, top_k=None, class_id=None,
                      multi_label=False, label_weights=None, clip=False):
    """Weighted counts of true/false positives/negatives, a prediction being positive at a
    threshold when strictly above it: a dict of arrays shaped (thresholds,) or, with
    `multi_label`, (thresholds, labels)."""
    dtype = np.float32
    y_pred, y_true = squeeze_or_expand_to_same_rank(
        np.asarray(y_pred, dtype=dtype), np.asarray(y_true, dtype=dtype)
    )
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=dtype)[..., None]
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight, False)
    if top_k is not None:  # the rest fall to NEG_INF; ties go to the lower index, as in TF
        ranks = np.argsort(np.argsort(-y_pred, axis=-1, kind="stable"), axis=-1, kind="stable")
        y_pred = np.where(ranks < top_k, y_pred, dtype(NEG_INF))
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape "
                f"(num_samples, num_classes), found shape: {y_pred.shape}"
            )
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    if clip:
        y_pred = np.clip(y_pred, 0, 1)
    weights = np.ones(y_pred.shape, dtype)
    if sample_weight is not None:
        weights = weights * sample_weight
    if label_weights is not None:
        weights = weights * np.asarray(label_weights, dtype)
    positive = y_true.astype(bool)
    columns = (y_pred.shape[-1],) if multi_label else ()
    if multi_label:
        y_pred, positive, weights = (x.reshape(-1, columns[0]) for x in (y_pred, positive, weights))
    else:
        y_pred, positive, weights = (x.reshape(-1, 1) for x in (y_pred, positive, weights))

    thresholds = np.asarray(thresholds, dtype=dtype)
    order = np.argsort(thresholds, kind="stable")
    # How many thresholds lie strictly below each prediction: it is positive at exactly those.
    above = np.searchsorted(thresholds[order], y_pred, side="left")
    counts = {key: np.zeros((len(thresholds), y_pred.shape[1])) for key in ("tp", "fp")}
    for column in range(y_pred.shape[1]):
        for key, selected in (("tp", positive[:, column]), ("fp", ~positive[:, column])):
            tally = np.bincount(above[selected, column], weights[selected, column],
                                minlength=len(thresholds) + 1)
            counts[key][order, column] = np.cumsum(tally[::-1])[::-1][1:]
    counts["fn"] = np.sum(np.where(positive, weights, 0), axis=0) - counts["tp"]
    counts["tn"] = np.sum(np.where(positive, 0, weights), axis=0) - counts["fp"]
    return {key: (value if multi_label else value[:, 0]).astype(dtype)
            for key, value in counts.items()}


class _ConfusionMetric(Metric):
    """A metric accumulating some of tp/fp/tn/fn at thresholds, one variable each."""

    _counted = ()  # ("tp", "fp", ...): what this metric accumulates
    _VARIABLE_NAMES = {"tp": "true_positives", "fp": "false_positives",
                       "tn": "true_negatives", "fn": "false_negatives"}

    def _add_counts(self, shape):
        for key in self._counted:
            setattr(self, self._VARIABLE_NAMES[key],
                    self.add_variable(shape, "zeros", name=self._VARIABLE_NAMES[key]))

    def _accumulate(self, y_true, y_pred, **options):
        counts = _confusion_counts(y_true, y_pred, **options)
        for key in self._counted:
            getattr(self, self._VARIABLE_NAMES[key]).assign_add(counts[key])

    def _count(self, key):
        return getattr(self, self._VARIABLE_NAMES[key]).value


class _ConfusionMatrixConditionCount(_ConfusionMetric):
    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(thresholds, 0.5)
        self._clip = _evenly_spaced(self.thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros", name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = _confusion_counts(y_true, y_pred, self.thresholds, sample_weight, clip=self._clip)
        self.accumulator.assign_add(counts[self._counted[0]])

    def result(self):
        value = self.accumulator.value
        return self._as_result(value[0] if len(self.thresholds) == 1 else value)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


@_export()
class TruePositives(_ConfusionMatrixConditionCount):
    """Weighted count of positive labels predicted above each threshold (default 0.5)."""

    _counted = ("tp",)


@_export()
class TrueNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of negative labels predicted at or below each threshold."""

    _counted = ("tn",)


@_export()
class FalsePositives(_ConfusionMatrixConditionCount):
    """Weighted count of negative labels predicted above each threshold."""

    _counted = ("fp",)


@_export()
class FalseNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of positive labels predicted at or below each threshold."""

    _counted = ("fn",)


class _PrecisionRecall(_ConfusionMetric):
    """`tp / (tp + <the other count>)` at thresholds (default 0.5), optionally over the `top_k`
    scores of each sample or only for column `class_id`."""

    _direction = "up"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._clip = _evenly_spaced(self.thresholds)
        self._add_counts((len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._accumulate(y_true, y_pred, thresholds=self.thresholds, sample_weight=sample_weight,
                         top_k=self.top_k, class_id=self.class_id, clip=self._clip)

    def result(self):
        tp, other = self._count("tp"), self._count(self._counted[1])
        value = _divide_no_nan(tp, tp + other)
        return self._as_result(value[0] if len(self.thresholds) == 1 else value)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


@_export()
class Precision(_PrecisionRecall):
    """The fraction of positive predictions whose label is positive."""

    _counted = ("tp", "fp")


@_export()
class Recall(_PrecisionRecall):
    """The fraction of positive labels predicted positive."""

    _counted = ("tp", "fn")


@_export()
class AUC(_ConfusionMetric):
    """Area under the ROC or precision-recall curve, by a Riemann sum over thresholds.

    Args:
        num_thresholds: how many evenly spaced thresholds (default 200).
        curve: `"ROC"`, `"PR"` or `"PRGAIN"`.
        summation_method: `"interpolation"` (trapezoids; for PR, Davis & Goadrich's
            interpolation), `"minoring"` or `"majoring"`.
        name, dtype: as for `Metric`.
        thresholds: explicit thresholds in [0, 1] instead of `num_thresholds`.
        multi_label: one curve per label column, then averaged (by `label_weights`).
        num_labels: the number of label columns, when `multi_label` (else taken from the data).
        label_weights: per-label weights.
        from_logits: apply a sigmoid to predictions first.
    """

    _direction = "up"
    _counted = ("tp", "fp", "tn", "fn")
    _CURVES = {"ROC": "ROC", "roc": "ROC", "PR": "PR", "pr": "PR", "PRGAIN": "PRGAIN",
               "prgain": "PRGAIN"}
    _SUMMATIONS = ("interpolation", "majoring", "minoring")

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        if curve not in self._CURVES:
            raise ValueError(f'Invalid AUC curve value: "{curve}". '
                             'Expected values are ["PR", "ROC", "PRGAIN"]')
        if summation_method not in (*self._SUMMATIONS, *map(str.capitalize, self._SUMMATIONS)):
            raise ValueError(
                f'Invalid AUC summation method value: "{summation_method}". '
                'Expected values are ["interpolation", "majoring", "minoring"]'
            )
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
            evenly = _evenly_spaced(np.array([0.0, *thresholds, 1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            evenly = True
        # The end thresholds sit just outside [0, 1], so that 0 and 1 count as predicted.
        eps = backend.epsilon()
        self._thresholds = np.array([0.0 - eps, *thresholds, 1.0 + eps])
        self._clip = evenly
        self.curve = self._CURVES[curve]
        self.summation_method = summation_method.lower()
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = (
            None if label_weights is None else np.asarray(label_weights, dtype=self.dtype)
        )
        self._from_logits = from_logits
        self._built = False
        if multi_label and num_labels:
            self._build((None, num_labels))
        elif not multi_label:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    f"`y_pred` must have rank 2 when `multi_label=True`. Found rank {len(shape)}. "
                    f"Full shape received for `y_pred`: {shape}"
                )
            self._num_labels = shape[1]
            self._add_counts((self.num_thresholds, self._num_labels))
        else:
            self._add_counts((self.num_thresholds,))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self._built:
            self._build(np.shape(y_pred))
        y_pred = _as_float(y_pred)
        if self._from_logits:
            y_pred = _sigmoid(y_pred)
        self._accumulate(
            y_true, y_pred, thresholds=self._thresholds, sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights, clip=self._clip,
        )

    def _average_over_labels(self, increments):
        if not self.multi_label:
            return np.sum(increments)
        by_label = np.sum(increments, axis=0)
        if self.label_weights is None:
            return np.mean(by_label)
        return _divide_no_nan(np.sum(by_label * self.label_weights), np.sum(self.label_weights))

    def _interpolated_pr_auc(self):
        """Davis & Goadrich (2006): precision interpolated between thresholds."""
        tp, fp, fn = self._count("tp"), self._count("fp"), self._count("fn")
        d_tp = tp[:-1] - tp[1:]
        predicted = tp + fp
        d_predicted = predicted[:-1] - predicted[1:]
        slope = _divide_no_nan(d_tp, np.maximum(d_predicted, 0))
        intercept = tp[1:] - slope * predicted[1:]
        ratio = np.where(
            (predicted[:-1] > 0) & (predicted[1:] > 0),
            _divide_no_nan(predicted[:-1], np.maximum(predicted[1:], 0)),
            1.0,
        ).astype(tp.dtype)
        increments = _divide_no_nan(slope * (d_tp + intercept * np.log(ratio)),
                                    np.maximum(tp[1:] + fn[1:], 0))
        return self._average_over_labels(increments)

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._as_result(self._interpolated_pr_auc())
        tp, fp, tn, fn = (self._count(key) for key in ("tp", "fp", "tn", "fn"))
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _divide_no_nan(tp, tp + fp)
        else:  # PRGAIN
            scale = _divide_no_nan(tp + fn, tn + fp)
            recall_gain = np.where(tp == 0, 0.0, 1.0 - scale * _divide_no_nan(fn, tp))
            x = np.maximum(recall_gain, 0.0)
            y = np.where(tp == 0, 1.0, 1.0 - scale * _divide_no_nan(fp, tp))
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return self._as_result(self._average_over_labels((x[:-1] - x[1:]) * heights))

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config


class _RateAtRate(_ConfusionMetric):
    """The best value of one rate among the thresholds where another reaches `value`.

    Thresholds are `num_thresholds` evenly spaced in [0, 1] (`[0.5]` for one), a prediction
    being positive above them, after clipping into [0, 1] as Keras does for even spacing.
    """

    _direction = "up"
    _counted = ("tp", "fp", "tn", "fn")
    _target = ""  # the constrained rate, also the name of the argument holding its minimum
    _reported = ""  # the rate maximised

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if value < 0 or value > 1:
            raise ValueError(f"Argument `{self._target}` must be in the range [0, 1]. "
                             f"Received: {self._target}={value}")
        if num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        super().__init__(name=name, dtype=dtype)
        setattr(self, self._target, value)
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds, self._clip = [0.5], False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds, self._clip = [0.0, *inner, 1.0], True
        self._add_counts((len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._accumulate(y_true, y_pred, thresholds=self.thresholds, sample_weight=sample_weight,
                         class_id=self.class_id, clip=self._clip)

    def _rates(self):
        tp, fp, tn, fn = (self._count(key) for key in ("tp", "fp", "tn", "fn"))
        return {"sensitivity": _divide_no_nan(tp, tp + fn), "recall": _divide_no_nan(tp, tp + fn),
                "specificity": _divide_no_nan(tn, tn + fp),
                "precision": _divide_no_nan(tp, tp + fp)}

    def result(self):
        rates = self._rates()
        feasible = rates[self._target] >= self.value
        best = np.max(np.where(feasible, rates[self._reported], 0), initial=0)
        return self._as_result(best)

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._target: self.value}


@_export()
class SensitivityAtSpecificity(_RateAtRate):
    """The best sensitivity (recall) at a specificity of at least `specificity`."""

    _target, _reported = "specificity", "sensitivity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


@_export()
class SpecificityAtSensitivity(_RateAtRate):
    """The best specificity at a sensitivity (recall) of at least `sensitivity`."""

    _target, _reported = "sensitivity", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


@_export()
class PrecisionAtRecall(_RateAtRate):
    """The best precision at a recall of at least `recall`."""

    _target, _reported = "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


@_export()
class RecallAtPrecision(_RateAtRate):
    """The best recall at a precision of at least `precision`."""

    _target, _reported = "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)
