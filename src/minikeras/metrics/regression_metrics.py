"""Regression metrics: the weighted mean of a regression loss, RMSE, and R2Score."""

import warnings

import numpy as np

from minikeras import losses
from minikeras.losses import squeeze_or_expand_to_same_rank
from minikeras.metrics.metric import Metric, _export
from minikeras.metrics.reduction_metrics import Mean, _FunctionMetric


@_export("mse", "MSE")
class MeanSquaredError(_FunctionMetric):
    """The mean of `mean_squared_error`."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(losses.mean_squared_error, name, dtype)


@_export("mae", "MAE")
class MeanAbsoluteError(_FunctionMetric):
    """The mean of `mean_absolute_error`."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(losses.mean_absolute_error, name, dtype)


@_export("mape", "MAPE")
class MeanAbsolutePercentageError(_FunctionMetric):
    """The mean of `mean_absolute_percentage_error`."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(losses.mean_absolute_percentage_error, name, dtype)


@_export("msle", "MSLE")
class MeanSquaredLogarithmicError(_FunctionMetric):
    """The mean of `mean_squared_logarithmic_error`."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(losses.mean_squared_logarithmic_error, name, dtype)


def _cosine_similarity(y_true, y_pred, axis=-1):
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


@_export()
class CosineSimilarity(_FunctionMetric):
    """The mean cosine of the angle between `y_true` and `y_pred` along `axis`."""

    _direction = "up"

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(_cosine_similarity, name, dtype, axis=axis)


@_export()
class LogCoshError(_FunctionMetric):
    """The mean of `log_cosh`."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(losses.log_cosh, name, dtype)


@_export()
class RootMeanSquaredError(Mean):
    """The square root of the weighted mean of `(y_pred - y_true) ** 2`."""

    _direction = "down"

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = squeeze_or_expand_to_same_rank(
            np.asarray(y_true, dtype=self.dtype), np.asarray(y_pred, dtype=self.dtype)
        )
        self._update(np.square(y_pred - y_true), sample_weight)

    def result(self):
        return self._as_result(np.sqrt(super().result()))


@_export()
class R2Score(Metric):
    """The coefficient of determination, per output column then aggregated.

    Args:
        class_aggregation: `"uniform_average"` (mean over columns), `"variance_weighted_average"`
            or None (one score per column).
        num_regressors: adjusts the score for this many independent variables.
        name, dtype: as for `Metric`.
    """

    _direction = "up"

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        allowed = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in allowed:
            raise ValueError(
                "Invalid value for argument `class_aggregation`. Expected one of "
                f"{allowed}. Received: class_aggregation={class_aggregation}"
            )
        if num_regressors < 0:
            raise ValueError(
                "Invalid value for argument `num_regressors`. Expected a value >= 0. "
                f"Received: num_regressors={num_regressors}"
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")
        self._built = False

    def _build(self, true_shape, pred_shape):
        if len(pred_shape) != 2 or len(true_shape) != 2:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim). Received input "
                f"shapes: y_pred.shape={pred_shape} and y_true.shape={true_shape}."
            )
        columns = pred_shape[-1]
        self.squared_sum = self.add_variable((columns,), "zeros", name="squared_sum")
        self.sum = self.add_variable((columns,), "zeros", name="sum")
        self.total_mse = self.add_variable((columns,), "zeros", name="residual")
        self.count = self.add_variable((columns,), "zeros", name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = squeeze_or_expand_to_same_rank(
            np.asarray(y_true, dtype=self.dtype), np.asarray(y_pred, dtype=self.dtype)
        )
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        weight = np.asarray(1 if sample_weight is None else sample_weight, dtype=self.dtype)
        if weight.ndim == 1:
            weight = weight[:, None]
        weight = np.broadcast_to(weight, y_true.shape)
        weighted = y_true * weight
        self.sum.assign_add(np.sum(weighted, axis=0))
        self.squared_sum.assign_add(np.sum(y_true * weighted, axis=0))
        self.total_mse.assign_add(np.sum(np.square(y_true - y_pred) * weight, axis=0))
        self.count.assign_add(np.sum(weight, axis=0))
        self.num_samples.assign_add(y_true.size)

    def result(self):
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = self.sum.value / self.count.value
            total = self.squared_sum.value - self.sum.value * mean
            scores = 1 - self.total_mse.value / total
        scores = np.where(np.isinf(scores), 0.0, scores)
        if self.class_aggregation == "uniform_average":
            score = np.mean(scores)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * scores) / np.sum(total)
        else:
            score = scores
        samples, regressors = float(self.num_samples.value), self.num_regressors
        if regressors and regressors > samples - 1:
            warnings.warn("More independent predictors than datapoints in adjusted R2 score. "
                          "Falling back to standard R2 score.", stacklevel=2)
        elif regressors and regressors == samples - 1:
            warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard R2 "
                          "score.", stacklevel=2)
        elif regressors:
            score = 1 - (1 - score) * (samples - 1) / (samples - regressors - 1)
        return self._as_result(score)

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
