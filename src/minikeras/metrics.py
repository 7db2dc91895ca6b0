"""Metrics (`keras.metrics`): scores accumulated over batches.

A metric keeps its state in `Variable`s (`update_state` adds a batch, `result` reads the score,
`reset_state` zeroes it). Most Keras metrics are the weighted mean of a per-sample function
(`MeanMetricWrapper`: the accuracies, the regression errors, the crossentropies); the confusion
metrics (TruePositives ... Precision, Recall, AUC) count weighted true/false positives/negatives
at thresholds; R2Score keeps column sums. Names, defaults, configs and numbers are Keras 3's.
`resolve_compile_metric` applies compile()'s rules, e.g. `"accuracy"` chosen by shapes.
"""

import functools
import warnings

import numpy as np

from minikeras import backend, initializers, losses
from minikeras.activations import _as_float, _sigmoid
from minikeras.layers.base import Variable
from minikeras.losses import apply_mask, object_name, squeeze_or_expand_to_same_rank
from minikeras.saving import registry

NEG_INF = -1e10  # the threshold Keras uses when Precision/Recall take the top k


_export = functools.partial(registry.register_class, "metric", module="keras.metrics")


# Metric functions resolve as functions only inside configs (`MeanMetricWrapper(fn=...)`): by
# name, `get("binary_accuracy")` gives the class, as in Keras 3.
_export_function = registry.register("other", module="keras.metrics")


def _divide_no_nan(numerator, denominator):
    """`numerator / denominator`, 0 where the denominator is 0 (Keras' `divide_no_nan`)."""
    numerator, denominator = np.asarray(numerator), np.asarray(denominator)
    if numerator.ndim == denominator.ndim == 0:  # every Mean's result: no masks needed
        zero = numerator.dtype.type(0)
        return zero if denominator == 0 else np.divide(numerator, denominator).astype(
            numerator.dtype)
    safe = np.where(denominator == 0, 1, denominator)
    return np.where(denominator == 0, 0, numerator / safe).astype(numerator.dtype)


def _deserialize_function(config, custom_objects=None):
    """A metric function from its config: custom, a metric function or a loss function."""
    name = config.get("config") if isinstance(config, dict) else config
    found = registry.lookup("other", name, custom_objects)
    return found if found is not None else registry.deserialize("loss", config, custom_objects)


# ----------------------------------------------------------------------------------------------
# Base classes


@_export()
class Metric:
    """Base class of metrics. Subclasses create their state with `add_variable` (or
    `add_weight`) and implement `update_state(...)` and `result()`.

    Args:
        dtype: the dtype of the state and result (default `backend.floatx()`).
        name: the metric name (default: the snake_case class name, made unique).
    """

    def __init__(self, dtype=None, name=None):
        self.name = name or backend.unique_name(losses._snake_case(type(self).__name__))
        self._dtype = backend.standardize_dtype(dtype)
        self._variables = []
        self._metrics = []

    def __setattr__(self, name, value):
        # Metrics held as attributes contribute their variables, as in Keras.
        if isinstance(value, Metric) and "_metrics" in self.__dict__:
            self._metrics.append(value)
        super().__setattr__(name, value)

    @property
    def dtype(self):
        return self._dtype

    @property
    def variables(self):
        return self._variables + [v for metric in self._metrics for v in metric.variables]

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """A new non-trainable state variable filled by `initializer` (default zeros)."""
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                "You forgot to call `super().__init__()` in the `__init__()` method. Go add it!"
            )
        fill = initializers.get(initializer if initializer is not None else "zeros")
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        value = np.array(fill(shape, dtype=dtype or self.dtype))
        variable = Variable(value, name=name, path=f"{self.name}/{name}", trainable=False)
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """`add_variable` with Keras' `add_weight` defaults."""
        return self.add_variable(shape, initializer, dtype=dtype, name=name)

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset_state(self):
        """Zero every state variable."""
        for variable in self.variables:
            variable.assign(np.zeros(variable.shape, dtype=variable.dtype))

    def __call__(self, *args, **kwargs):
        """`update_state(...)`, then `result()`."""
        self.update_state(*args, **kwargs)
        return self.result()

    def _as_result(self, value):
        value = np.asarray(value, dtype=self.dtype)
        return value[()] if value.ndim == 0 else value

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _samplewise(values, sample_weight, reduce, dtype, mask=None):
    """Keras' reduction of values (and weights) to one per sample, weights applied."""
    values = np.asarray(values, dtype=dtype)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=dtype)
        if mask is None and values.ndim == sample_weight.ndim == 0:
            return values * sample_weight, sample_weight  # one weighted value (the loss tracker's)
        sample_weight = apply_mask(sample_weight, mask, dtype, reduction="sum")
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim = sample_weight.ndim
        if values.ndim > weight_ndim:
            values = reduce(values, axis=tuple(range(weight_ndim, values.ndim)))
        sample_weight = np.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce(sample_weight, axis=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


def _total(values):
    """`np.sum(values)`, without its wrapper (one value is its own sum)."""
    return values if values.ndim == 0 else np.add.reduce(values, axis=None)


def _add_to(variable, value):
    """`variable.assign_add(value)`, without its conversion where there is none to make (a
    count, or a value of the variable's dtype): the same addition, in place."""
    if type(value) is int or value.dtype == variable.value.dtype:
        variable.value += value
    else:
        variable.assign_add(value)


@_export()
class Sum(Metric):
    """The weighted sum of every value seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = _samplewise(values, sample_weight, np.sum, self.dtype)
        self.total.assign_add(np.sum(values))

    def result(self):
        return self._as_result(self.total.value)


@_export()
class Mean(Metric):
    """The weighted mean of every value seen (values are first averaged per sample)."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, values, sample_weight=None):
        self._update(values, sample_weight)

    def _update(self, values, sample_weight, mask=None):
        values, sample_weight = _samplewise(values, sample_weight, losses._mean, self.dtype, mask)
        _add_to(self.total, _total(values))
        if sample_weight is not None:
            _add_to(self.count, _total(sample_weight))
        else:
            _add_to(self.count, values.shape[0] if values.ndim else 1)

    def result(self):
        return self._as_result(_divide_no_nan(self.total.value, self.count.value))


@_export()
class MeanMetricWrapper(Mean):
    """The weighted mean of `fn(y_true, y_pred, **kwargs)` over every sample seen.

    Args:
        fn: a per-sample metric or loss function.
        name, dtype: as for `Metric`.
        **kwargs: passed on to `fn`.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        if getattr(fn, "kernel", None) is not None or isinstance(fn, losses.Loss):
            self._direction = "down"  # a loss: lower is better

    def update_state(self, y_true, y_pred, sample_weight=None):
        kernel = getattr(self._fn, "kernel", None)
        if kernel is None:
            self._update(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)
            return
        result = kernel(y_true, _as_float(y_pred), **self._fn_kwargs)
        self._update(result.values, sample_weight, result.mask)

    def get_config(self):
        return {**super().get_config(), "fn": losses.serialize_function(self._fn),
                **self._fn_kwargs}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if "fn" in config:
            config["fn"] = _deserialize_function(config["fn"], custom_objects)
        return cls(**config)


class _FunctionMetric(MeanMetricWrapper):
    """A Keras metric class: a function with fixed options, which are its config."""

    def __init__(self, fn, name, dtype, **kwargs):
        super().__init__(fn, name=name, dtype=dtype, **kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def get_config(self):
        return {**Metric.get_config(self), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


# ----------------------------------------------------------------------------------------------
# Accuracy


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


# ----------------------------------------------------------------------------------------------
# Regression and probabilistic metrics: the weighted mean of a loss function


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


@_export("bce", "BCE")
class BinaryCrossentropy(_FunctionMetric):
    """The mean of `binary_crossentropy`."""

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(losses.binary_crossentropy, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


@_export()
class CategoricalCrossentropy(_FunctionMetric):
    """The mean of `categorical_crossentropy`."""

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(losses.categorical_crossentropy, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


@_export()
class SparseCategoricalCrossentropy(_FunctionMetric):
    """The mean of `sparse_categorical_crossentropy`."""

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(losses.sparse_categorical_crossentropy, name, dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)


@_export()
class KLDivergence(_FunctionMetric):
    """The mean of `kl_divergence`."""

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(losses.kl_divergence, name, dtype)


@_export()
class Poisson(_FunctionMetric):
    """The mean of `poisson`."""

    def __init__(self, name="poisson", dtype=None):
        super().__init__(losses.poisson, name, dtype)


@_export()
class Hinge(_FunctionMetric):
    """The mean of `hinge`."""

    def __init__(self, name="hinge", dtype=None):
        super().__init__(losses.hinge, name, dtype)


@_export()
class SquaredHinge(_FunctionMetric):
    """The mean of `squared_hinge`."""

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(losses.squared_hinge, name, dtype)


@_export()
class CategoricalHinge(_FunctionMetric):
    """The mean of `categorical_hinge`."""

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(losses.categorical_hinge, name, dtype)


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


# ----------------------------------------------------------------------------------------------
# Confusion-matrix metrics


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


# ----------------------------------------------------------------------------------------------
# Names <-> metrics


def serialize(metric):
    """A metric as its Keras 3 config (a function as its name)."""
    return registry.serialize(metric)


def deserialize(config, custom_objects=None):
    """A metric from a name or a Keras 2 / Keras 3 config dict."""
    return registry.deserialize("metric", config, custom_objects)


def get(identifier):
    """A metric from None, a name (a class name or its snake_case, e.g. `"auc"`, `"mse"`), a
    config dict, a `Metric`, a class (instantiated) or a function (returned as is)."""
    return registry.get("metric", identifier)


def resolve_compile_metric(identifier, y_true, y_pred):
    """What `compile(metrics=[identifier])` tracks, as a `Metric`, given the first batch's
    targets and outputs (arrays, or anything with a `.shape`).

    `"accuracy"` / `"acc"` (any case) pick binary, sparse categorical or categorical accuracy
    from the shapes and take the exact string as their name; other strings go through `get` and
    keep the user's spelling as the name (`"mae"` stays `"mae"`); functions become a
    `MeanMetricWrapper` named after the function; `Metric` instances are used as they are.
    """
    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    if str(identifier).lower() in ("accuracy", "acc"):
        binary, sparse = losses.is_binary_or_sparse_categorical(y_true, y_pred)
        chosen = (BinaryAccuracy if binary else
                  SparseCategoricalAccuracy if sparse else CategoricalAccuracy)
        metric = chosen(name=str(identifier))
    else:
        metric = get(identifier)
    name = identifier if isinstance(identifier, str) else object_name(metric)
    if not isinstance(metric, Metric):
        metric = MeanMetricWrapper(metric)
    metric.name = name
    return metric
