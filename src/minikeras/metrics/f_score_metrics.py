"""F-scores: the weighted harmonic mean of precision and recall, per class or averaged."""

import numpy as np

from minikeras import backend
from minikeras.metrics.metric import Metric, _export


@_export()
class FBetaScore(Metric):
    """`(1 + beta**2) * precision * recall / (beta**2 * precision + recall)` per class, from
    2-D labels and scores of shape (batch, classes).

    Args:
        average: None (one score per class), `"micro"` (counts pooled over classes),
            `"macro"` (the mean of the class scores) or `"weighted"` (their mean weighted by
            each class's label count).
        beta: how much more recall weighs than precision, a Python float > 0.
        threshold: a score above which a prediction is positive, a Python float in (0, 1];
            None: the highest score of each row is the positive prediction.
        name, dtype: as for `Metric`.
    """

    _direction = "up"
    _AVERAGES = (None, "micro", "macro", "weighted")

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in self._AVERAGES:
            raise ValueError(
                "Invalid `average` argument value. Expected one of: {None, 'micro', 'macro', "
                f"'weighted'}}. Received: average={average}"
            )
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(
                    "Invalid `threshold` argument value. It should be a Python float. "
                    f"Received: threshold={threshold} of type '{type(threshold)}'"
                )
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify "
                                 f"0 < threshold <= 1. Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0  # the axis counts are summed over
        self._built = False

    def _build(self, true_shape, pred_shape):
        if len(pred_shape) != 2 or len(true_shape) != 2:
            raise ValueError(
                "FBetaScore expects 2D inputs with shape (batch_size, output_dim). "
                f"Received input shapes: y_pred.shape={pred_shape} and "
                f"y_true.shape={true_shape}."
            )
        shape = () if self.average == "micro" else (pred_shape[-1],)
        for name in ("true_positives", "false_positives", "false_negatives",
                     "intermediate_weights"):
            setattr(self, name, self.add_variable(shape, "zeros", name=name))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = np.asarray(y_true, dtype=self.dtype)
        y_pred = np.asarray(y_pred, dtype=self.dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if self.threshold is None:
            positive = (y_pred >= y_pred.max(axis=-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
        else:
            positive = y_pred > self.threshold
        predicted = positive.astype(self.dtype)
        weight = None if sample_weight is None else np.asarray(sample_weight, self.dtype)[:, None]

        def weighted_sum(values):
            return np.sum(values if weight is None else values * weight, axis=self.axis)

        for variable, values in ((self.true_positives, predicted * y_true),
                                 (self.false_positives, predicted * (1 - y_true)),
                                 (self.false_negatives, (1 - predicted) * y_true),
                                 (self.intermediate_weights, y_true)):
            variable.assign(variable.value + weighted_sum(values))

    def result(self):
        epsilon = backend.epsilon()
        tp = self.true_positives.value
        precision = tp / (tp + self.false_positives.value + epsilon)
        recall = tp / (tp + self.false_negatives.value + epsilon)
        beta_squared = self.beta ** 2
        score = (precision * recall / (beta_squared * precision + recall + epsilon)
                 * (1 + beta_squared))
        if self.average == "weighted":
            weights = self.intermediate_weights.value
            score = np.sum(score * (weights / (np.sum(weights) + epsilon)))
        elif self.average is not None:
            score = np.mean(score)
        return self._as_result(score)

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


@_export()
class F1Score(FBetaScore):
    """`FBetaScore` with `beta=1`: the harmonic mean of precision and recall."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
