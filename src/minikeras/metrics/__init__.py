"""Metrics (`keras.metrics`): scores accumulated over batches.

A metric keeps its state in `Variable`s (`update_state` adds a batch, `result` reads the score,
`reset_state` zeroes it). Most Keras metrics are the weighted mean of a per-sample function
(`MeanMetricWrapper`: the accuracies, the regression errors, the crossentropies); the confusion
metrics (TruePositives ... Precision, Recall, AUC, PrecisionAtRecall ...) count weighted
true/false positives/negatives at thresholds; the IoU metrics keep a confusion matrix; the
F-scores per-class counts; R2Score column sums. Names, defaults, configs and numbers are Keras 3's.
`resolve_compile_metric` applies compile()'s rules, e.g. `"accuracy"` chosen by shapes.
"""

from minikeras import losses
from minikeras.losses import (  # Keras 3's metric functions of these names are the losses
    binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
    categorical_focal_crossentropy, categorical_hinge, hinge, huber, kl_divergence, log_cosh,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
    mean_squared_logarithmic_error, object_name, poisson, sparse_categorical_crossentropy,
    squared_hinge,
)
from minikeras.metrics.accuracy_metrics import (
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, accuracy, binary_accuracy,
    categorical_accuracy, sparse_categorical_accuracy, sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from minikeras.metrics.confusion_metrics import (
    AUC, FalseNegatives, FalsePositives, Precision, PrecisionAtRecall, Recall, RecallAtPrecision,
    SensitivityAtSpecificity, SpecificityAtSensitivity, TrueNegatives, TruePositives,
)
from minikeras.metrics.correlation_metrics import (
    ConcordanceCorrelation, PearsonCorrelation, concordance_correlation, pearson_correlation,
)
from minikeras.metrics.f_score_metrics import F1Score, FBetaScore
from minikeras.metrics.hinge_metrics import CategoricalHinge, Hinge, SquaredHinge
from minikeras.metrics.iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from minikeras.metrics.metric import Metric
from minikeras.metrics.probabilistic_metrics import (
    BinaryCrossentropy, CategoricalCrossentropy, KLDivergence, Poisson,
    SparseCategoricalCrossentropy,
)
from minikeras.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum
from minikeras.metrics.regression_metrics import (
    CosineSimilarity, LogCoshError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredError, MeanSquaredLogarithmicError, R2Score, RootMeanSquaredError,
)
from minikeras.saving import registry


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


__all__ = [
    "Accuracy", "accuracy", "AUC", "binary_accuracy", "binary_crossentropy",
    "binary_focal_crossentropy", "BinaryAccuracy", "BinaryCrossentropy", "BinaryIoU",
    "categorical_accuracy", "categorical_crossentropy", "categorical_focal_crossentropy",
    "categorical_hinge", "CategoricalAccuracy", "CategoricalCrossentropy", "CategoricalHinge",
    "concordance_correlation", "ConcordanceCorrelation", "CosineSimilarity", "deserialize",
    "F1Score", "FalseNegatives", "FalsePositives", "FBetaScore", "get", "Hinge", "hinge", "huber",
    "IoU", "kl_divergence", "KLDivergence", "log_cosh", "LogCoshError", "Mean",
    "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
    "mean_squared_logarithmic_error", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanIoU", "MeanMetricWrapper", "MeanSquaredError", "MeanSquaredLogarithmicError", "Metric",
    "OneHotIoU", "OneHotMeanIoU", "pearson_correlation", "PearsonCorrelation", "Poisson",
    "poisson", "Precision", "PrecisionAtRecall", "R2Score", "Recall", "RecallAtPrecision",
    "resolve_compile_metric", "RootMeanSquaredError", "SensitivityAtSpecificity", "serialize",
    "sparse_categorical_accuracy", "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy", "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy", "SparseTopKCategoricalAccuracy", "SpecificityAtSensitivity",
    "squared_hinge", "SquaredHinge", "Sum", "top_k_categorical_accuracy",
    "TopKCategoricalAccuracy", "TrueNegatives", "TruePositives",
]
