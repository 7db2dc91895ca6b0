"""Reference values for `minikeras.losses` and `minikeras.metrics`, read off Keras 3 (TF backend).

Run under the oracle: `/tmp/oracle/bin/python compat/make_losses_metrics.py`.
Writes compat/data/losses_metrics.npz:
  data/<set>/{y_true,y_pred}        the fixed float32 loss inputs (metric_data/<set>/... for
                                    metrics), sample_weight and metric_sample_weight
  loss/<i>/values                   per-sample values of the loss function of case i
  loss/<i>/<reduction>/<w>/loss     the class' reduced loss (w: "none" or "weighted")
  loss/<i>/<reduction>/<w>/grad     its gradient with respect to y_pred (tf.GradientTape)
  fused/<i>/<w>/{loss,grad}         a crossentropy of softmax(logits) / sigmoid(logits), and its
                                    gradient with respect to the logits
  metric/<i>/<w>                    metric case i's result after two update_state calls
  reduction/{Mean,Sum}/<w>          the same for Mean and Sum
  metric_fn/<i>                     per-sample values of metric function case i
  meta                              JSON: the cases, default configs, what `get` accepts, how
                                    compile() resolves metric and loss identifiers, error texts.
"""

import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras.src.losses import ALL_OBJECTS_DICT as LOSS_NAMES  # noqa: E402
from keras.src.metrics import ALL_OBJECTS_DICT as METRIC_NAMES  # noqa: E402
from keras.src.trainers import compile_utils  # noqa: E402

OUT = pathlib.Path(__file__).parent / "data" / "losses_metrics.npz"
rng = np.random.default_rng(20240601)
later = np.random.default_rng(20261206)  # for data sets added later, leaving rng's draws as they were


def f32(x):
    return np.asarray(x, dtype="float32")


def unit_rows(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def softmax_rows(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# ----------------------------------------------------------------------------------------------
# Inputs: batches of 4 (8 for metrics, updated in two halves). Saturated probabilities (exact 0
# and 1), logits of +-1e4, a zero label for MAPE, an error of exactly delta for Huber, a hinge
# margin of exactly 0, and an unnormalised probability row are all deliberate.

one_hot = f32(np.eye(3)[[0, 2, 0, 2]])
sparse_probs = f32([[0.7, 0.2, 0.1], [0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
DATA = {
    "regression": (
        f32([[0.5, -1.2, 0.0], [2.0, 0.3, -0.7], [1.1, 1.1, -2.5], [-0.4, 3.0, 0.9]]),
        f32([[1.5, -0.8, 0.4], [1.7, 0.3, -0.1], [3.2, 0.6, 20.0], [-1.9, 2.5, 0.95]]),
    ),
    "positive": (
        f32([[0.0, 1.0, 2.0], [3.0, 0.5, 0.0], [1.0, 1.0, 4.0], [0.2, 0.0, 2.5]]),
        f32([[0.3, 1.4, 0.0], [2.2, 0.1, 0.9], [1.0, 2.5, 3.3], [0.05, 0.7, 2.0]]),
    ),
    "binary": (
        f32([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0]]),
        f32([[0.9, 0.2, 0.6], [0.0, 1.0, 1.0], [1.0, 0.35, 0.0], [0.45, 0.8, 0.1]]),
    ),
    "binary_logits": (
        f32([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0]]),
        f32([[2.1, -0.4, 0.3], [1e4, -1e4, 1e4], [-1e4, 0.0, 1e4], [-1.5, 3.0, -0.2]]),
    ),
    "binary_column": (f32([1, 0, 1, 0]), f32([[0.8], [0.3], [1.0], [0.0]])),
    "categorical": (
        one_hot,
        f32([[0.7, 0.2, 0.1], [0.2, 0.5, 0.9], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]),
    ),
    "categorical_logits": (
        one_hot,
        f32([[1.2, -0.3, 0.5], [0.1, 0.2, -2.0], [1e4, -1e4, 0.0], [0.0, 1e4, -1e4]]),
    ),
    "sparse": (f32([0, 2, 0, 2]), sparse_probs),
    "sparse_column": (f32([[0], [2], [0], [2]]), sparse_probs),
    "sparse_logits": (f32([0, 2, 0, 2]), f32([[1.2, -0.3, 0.5], [0.1, 0.2, -2.0],
                                                [1e4, -1e4, 0.0], [0.0, 1e4, -1e4]])),
    "sparse_ignore": (f32([0, -1, 2, 1]), sparse_probs),
    "sparse_logits_probs": (f32([1, 2, 0, 2]), f32(softmax_rows(later.normal(size=(4, 3))))),
    "sparse_probs_5": (f32([4, 0, 3, 3]), f32(softmax_rows(later.normal(size=(4, 5)) * 2))),
    "distribution": (
        f32(softmax_rows(rng.normal(size=(4, 3)))),
        f32([[0.2, 0.3, 0.5], [0.6, 0.4, 0.0], [0.1, 0.1, 0.8], [1.0, 0.0, 0.0]]),
    ),
    "hinge_pm1": (
        f32([[1, -1, 1], [-1, -1, 1], [1, 1, -1], [-1, 1, -1]]),
        f32([[0.3, -0.2, 1.0], [0.5, -2.0, 1.4], [-0.7, 0.1, 0.6], [0.0, 2.0, -0.9]]),
    ),
    "hinge_01": (
        f32([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0]]),
        f32([[0.3, -0.2, 1.0], [0.5, -2.0, 1.4], [-0.7, 0.1, 0.6], [0.0, 2.0, -0.9]]),
    ),
    "categorical_scores": (
        one_hot,
        f32([[0.3, -0.2, 1.0], [0.5, -2.0, 1.4], [-0.7, -0.1, -0.6], [0.0, 2.0, -0.9]]),
    ),
    "masks": (f32(later.integers(0, 2, size=(4, 3, 2))), f32(later.uniform(size=(4, 3, 2)))),
    "embeddings": (f32([0, 1, 0, 1]), f32(unit_rows(later.normal(size=(4, 3))))),
    "embeddings_3": (f32([0, 1, 2, 1]), f32(unit_rows(later.normal(size=(4, 5))))),
    # CTC: labels padded with 0 (the blank), logits of 6 steps over 4 classes.
    "ctc": (f32([[1, 2, 0], [3, 3, 1], [2, 0, 0], [1, 3, 2]]), f32(later.normal(size=(4, 6, 4)))),
}
SAMPLE_WEIGHT = f32([1.0, 0.5, 0.0, 2.0])

# (loss function, its options, data set, the Keras 3 class taking the same options)
LOSS_CASES = [
    ("mean_squared_error", {}, "regression", "MeanSquaredError"),
    ("mean_absolute_error", {}, "regression", "MeanAbsoluteError"),
    ("mean_absolute_percentage_error", {}, "regression", "MeanAbsolutePercentageError"),
    ("mean_squared_logarithmic_error", {}, "positive", "MeanSquaredLogarithmicError"),
    ("mean_squared_logarithmic_error", {}, "regression", "MeanSquaredLogarithmicError"),
    ("huber", {}, "regression", "Huber"),
    ("huber", {"delta": 0.4}, "regression", "Huber"),
    ("log_cosh", {}, "regression", "LogCosh"),
    ("cosine_similarity", {}, "regression", "CosineSimilarity"),
    ("poisson", {}, "positive", "Poisson"),
    ("kl_divergence", {}, "distribution", "KLDivergence"),
    ("hinge", {}, "hinge_pm1", "Hinge"),
    ("hinge", {}, "hinge_01", "Hinge"),
    ("squared_hinge", {}, "hinge_pm1", "SquaredHinge"),
    ("squared_hinge", {}, "hinge_01", "SquaredHinge"),
    ("categorical_hinge", {}, "categorical_scores", "CategoricalHinge"),
    ("binary_crossentropy", {}, "binary", "BinaryCrossentropy"),
    ("binary_crossentropy", {"label_smoothing": 0.2}, "binary", "BinaryCrossentropy"),
    ("binary_crossentropy", {"from_logits": True}, "binary_logits", "BinaryCrossentropy"),
    ("binary_crossentropy", {"from_logits": True, "label_smoothing": 0.1}, "binary_logits",
     "BinaryCrossentropy"),
    ("binary_crossentropy", {}, "binary_column", "BinaryCrossentropy"),
    ("binary_focal_crossentropy", {}, "binary", "BinaryFocalCrossentropy"),
    ("binary_focal_crossentropy", {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5,
                                   "label_smoothing": 0.1}, "binary", "BinaryFocalCrossentropy"),
    ("binary_focal_crossentropy", {"from_logits": True}, "binary_logits",
     "BinaryFocalCrossentropy"),
    ("categorical_crossentropy", {}, "categorical", "CategoricalCrossentropy"),
    ("categorical_crossentropy", {"label_smoothing": 0.1}, "categorical",
     "CategoricalCrossentropy"),
    ("categorical_crossentropy", {"from_logits": True}, "categorical_logits",
     "CategoricalCrossentropy"),
    ("categorical_crossentropy", {"from_logits": True, "label_smoothing": 0.2},
     "categorical_logits", "CategoricalCrossentropy"),
    ("categorical_focal_crossentropy", {}, "categorical", "CategoricalFocalCrossentropy"),
    ("categorical_focal_crossentropy", {"alpha": 0.5, "gamma": 3.0, "label_smoothing": 0.1},
     "categorical", "CategoricalFocalCrossentropy"),
    ("categorical_focal_crossentropy", {"from_logits": True}, "categorical_logits",
     "CategoricalFocalCrossentropy"),
    ("sparse_categorical_crossentropy", {}, "sparse", "SparseCategoricalCrossentropy"),
    ("sparse_categorical_crossentropy", {}, "sparse_column", "SparseCategoricalCrossentropy"),
    ("sparse_categorical_crossentropy", {"from_logits": True}, "sparse_logits",
     "SparseCategoricalCrossentropy"),
    ("sparse_categorical_crossentropy", {"ignore_class": -1}, "sparse_ignore",
     "SparseCategoricalCrossentropy"),
    ("dice", {}, "binary", "Dice"),
    ("dice", {"axis": -1}, "binary", "Dice"),
    ("dice", {"axis": [1, 2]}, "masks", "Dice"),
    ("tversky", {}, "binary", "Tversky"),
    ("tversky", {"alpha": 0.3, "beta": 0.7, "axis": -1}, "binary", "Tversky"),
    ("tversky", {"alpha": 0.8, "beta": 0.1, "axis": [1, 2]}, "masks", "Tversky"),
    ("circle", {}, "embeddings", "Circle"),
    ("circle", {"gamma": 2.0, "margin": 0.25}, "embeddings_3", "Circle"),
    ("circle", {"gamma": 4.0, "remove_diagonal": False}, "embeddings", "Circle"),
    ("categorical_generalized_cross_entropy", {"q": 0.5}, "sparse_logits_probs",
     "CategoricalGeneralizedCrossEntropy"),
    ("categorical_generalized_cross_entropy", {"q": 0.2}, "sparse_probs_5",
     "CategoricalGeneralizedCrossEntropy"),
    ("ctc", {}, "ctc", "CTC"),
]
REDUCTIONS = ["sum_over_batch_size", "sum", "mean_with_sample_weight", "none"]
# A crossentropy of a softmax / sigmoid output, as in a model: Keras on TensorFlow then computes
# from the logits the activation cached. (class, options, data set of logits, activation)
FUSED_CASES = [
    ("CategoricalCrossentropy", {}, "categorical_logits", "softmax"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, "categorical_logits", "softmax"),
    ("SparseCategoricalCrossentropy", {}, "sparse_logits", "softmax"),
    ("BinaryCrossentropy", {}, "binary_logits", "sigmoid"),
    ("BinaryCrossentropy", {"label_smoothing": 0.2}, "binary_logits", "sigmoid"),
]

# Metric data: batches of 8, fed as two updates of 4.
labels8 = np.array([0, 2, 1, 1, 0, 2, 2, 1])
probs8 = softmax_rows(rng.normal(size=(8, 3)) * 1.5)
METRIC_DATA = {
    "binary": (f32(rng.integers(0, 2, size=(8, 3))), f32(rng.uniform(size=(8, 3)))),
    "binary_column": (f32([[1], [0], [1], [1], [0], [0], [1], [0]]),
                      f32([[0.9], [0.4], [0.35], [0.8], [0.1], [0.6], [0.5], [0.05]])),
    # Scores outside [0, 1] and exactly on thresholds: Keras clips them for evenly spaced ones.
    "binary_scores": (f32([[1], [0], [1], [1], [0], [0], [1], [1]]),
                      f32([[1.5], [-0.5], [0.0], [1.0], [0.5], [1.0], [0.5], [-0.2]])),
    "binary_logits": (f32([[1], [0], [1], [1], [0], [0], [1], [0]]),
                      f32(rng.normal(size=(8, 1)) * 2)),
    "categorical": (f32(np.eye(3)[labels8]), f32(probs8)),
    "sparse": (f32(labels8), f32(probs8)),
    "sparse_column": (f32(labels8[:, None]), f32(probs8)),
    "sparse_ignore": (f32([0, 2, -1, 1, 0, -1, 2, 1]), f32(probs8)),
    "exact": (f32([1, 2, 3, 4, 1, 2, 3, 4]), f32([1, 2, 0, 4, 1, 1, 3, 4])),
    "regression": (f32(rng.normal(size=(8, 3))), f32(rng.normal(size=(8, 3)))),
    "positive": (f32(rng.uniform(0, 3, size=(8, 3))), f32(rng.uniform(0, 3, size=(8, 3)))),
    "distribution": (f32(softmax_rows(rng.normal(size=(8, 3)))), f32(probs8)),
    "hinge": (f32(rng.integers(0, 2, size=(8, 3))), f32(rng.normal(size=(8, 3)))),
    "values": (f32(rng.normal(size=(8,))), f32(rng.normal(size=(8,)))),
}
METRIC_WEIGHT = f32([1.0, 0.0, 2.0, 0.5, 1.5, 1.0, 0.0, 3.0])

# (metric class, options, data set)
METRIC_CASES = [
    ("Accuracy", {}, "exact"),
    ("BinaryAccuracy", {}, "binary"),
    ("BinaryAccuracy", {"threshold": 0.7}, "binary_column"),
    ("CategoricalAccuracy", {}, "categorical"),
    ("SparseCategoricalAccuracy", {}, "sparse"),
    ("SparseCategoricalAccuracy", {}, "sparse_column"),
    ("TopKCategoricalAccuracy", {"k": 2}, "categorical"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
    ("MeanSquaredError", {}, "regression"),
    ("MeanAbsoluteError", {}, "regression"),
    ("RootMeanSquaredError", {}, "regression"),
    ("MeanAbsolutePercentageError", {}, "regression"),
    ("MeanSquaredLogarithmicError", {}, "positive"),
    ("CosineSimilarity", {}, "regression"),
    ("LogCoshError", {}, "regression"),
    ("R2Score", {}, "regression"),
    ("R2Score", {"class_aggregation": "variance_weighted_average"}, "regression"),
    ("R2Score", {"class_aggregation": None}, "regression"),
    ("R2Score", {"num_regressors": 1}, "regression"),
    ("AUC", {}, "binary_column"),
    ("AUC", {}, "binary"),
    ("AUC", {"curve": "PR"}, "binary"),
    ("AUC", {"summation_method": "majoring"}, "binary"),
    ("AUC", {"curve": "PR", "summation_method": "minoring"}, "binary"),
    ("AUC", {"num_thresholds": 7}, "binary"),
    ("AUC", {"thresholds": [0.3, 0.5, 0.8]}, "binary"),
    ("AUC", {"multi_label": True}, "binary"),
    ("AUC", {"multi_label": True, "label_weights": [1.0, 0.5, 2.0], "curve": "PR"}, "binary"),
    ("AUC", {"from_logits": True}, "binary_logits"),
    ("Precision", {}, "binary"),
    ("Precision", {"thresholds": [0.3, 0.7]}, "binary"),
    ("Precision", {"top_k": 2}, "categorical"),
    ("Precision", {"class_id": 1}, "categorical"),
    ("Recall", {}, "binary"),
    ("Recall", {"thresholds": 0.5}, "binary_column"),
    ("Recall", {"top_k": 2, "class_id": 2}, "categorical"),
    ("AUC", {}, "binary_scores"),
    ("Precision", {"thresholds": [0.0, 0.5, 1.0]}, "binary_scores"),
    ("TruePositives", {"thresholds": [0.0, 0.5, 1.0]}, "binary_scores"),
    ("FalsePositives", {"thresholds": [0.0, 0.3, 1.0]}, "binary_scores"),
    ("TruePositives", {}, "binary"),
    ("TrueNegatives", {}, "binary"),
    ("FalsePositives", {}, "binary"),
    ("FalseNegatives", {"thresholds": [0.2, 0.5, 0.8]}, "binary"),
    ("BinaryCrossentropy", {}, "binary"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "binary_logits"),
    ("CategoricalCrossentropy", {}, "categorical"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.2}, "categorical"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("SparseCategoricalCrossentropy", {"ignore_class": -1}, "sparse_ignore"),
    ("KLDivergence", {}, "distribution"),
    ("Poisson", {}, "positive"),
    ("Hinge", {}, "hinge"),
    ("SquaredHinge", {}, "hinge"),
    ("CategoricalHinge", {}, "categorical"),
    ("PearsonCorrelation", {}, "regression"),
    ("ConcordanceCorrelation", {}, "regression"),
    ("ConcordanceCorrelation", {}, "positive"),
    # IoU: float weights are truncated by the default int64 confusion matrix.
    ("IoU", {"num_classes": 3, "target_class_ids": [0, 2], "sparse_y_pred": False}, "sparse"),
    ("IoU", {"num_classes": 3, "target_class_ids": [1], "sparse_y_pred": False,
             "ignore_class": -1, "dtype": "float32"}, "sparse_ignore"),
    ("IoU", {"num_classes": 5, "target_class_ids": [1, 2, 4]}, "exact"),
    ("MeanIoU", {"num_classes": 3, "sparse_y_pred": False}, "sparse_column"),
    ("MeanIoU", {"num_classes": 4, "ignore_class": 2, "dtype": "float32"}, "exact"),
    ("BinaryIoU", {}, "binary_scores"),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.35, "dtype": "float32"},
     "binary_column"),
    ("OneHotIoU", {"num_classes": 3, "target_class_ids": [0, 1], "dtype": "float32"},
     "categorical"),
    ("OneHotMeanIoU", {"num_classes": 3}, "categorical"),
    ("OneHotMeanIoU", {"num_classes": 3, "dtype": "float32"}, "categorical"),
    ("F1Score", {}, "categorical"),
    ("F1Score", {"average": "micro", "threshold": 0.5}, "binary"),
    ("F1Score", {"average": "macro", "threshold": 0.3}, "binary"),
    ("F1Score", {"average": "weighted"}, "categorical"),
    ("FBetaScore", {"beta": 2.0}, "categorical"),
    ("FBetaScore", {"beta": 0.5, "average": "weighted", "threshold": 0.6}, "binary"),
    ("PrecisionAtRecall", {"recall": 0.5}, "binary"),
    ("PrecisionAtRecall", {"recall": 0.8, "num_thresholds": 7}, "binary_scores"),
    ("RecallAtPrecision", {"precision": 0.6}, "binary_column"),
    ("RecallAtPrecision", {"precision": 0.5, "class_id": 2}, "categorical"),
    ("SensitivityAtSpecificity", {"specificity": 0.5}, "binary"),
    ("SensitivityAtSpecificity", {"specificity": 0.7, "num_thresholds": 1}, "binary_column"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.6}, "binary_scores"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.4, "num_thresholds": 2}, "binary"),
]
# The arguments the classes without defaults for every argument get for their default config.
METRIC_REQUIRED_ARGS = {
    "IoU": {"num_classes": 3, "target_class_ids": [1]},
    "MeanIoU": {"num_classes": 3},
    "OneHotIoU": {"num_classes": 3, "target_class_ids": [0, 2]},
    "OneHotMeanIoU": {"num_classes": 3},
    "PrecisionAtRecall": {"recall": 0.5},
    "RecallAtPrecision": {"precision": 0.5},
    "SensitivityAtSpecificity": {"specificity": 0.5},
    "SpecificityAtSensitivity": {"sensitivity": 0.5},
}
METRIC_BAD_ARGUMENTS = [
    ("F1Score", {"threshold": 1}),
    ("F1Score", {"threshold": 1.5}),
    ("F1Score", {"average": "samples"}),
    ("FBetaScore", {"beta": 2}),
    ("FBetaScore", {"beta": -1.0}),
    ("IoU", {"num_classes": 2, "target_class_ids": [0, 3]}),
    ("PrecisionAtRecall", {"recall": 1.5}),
    ("SpecificityAtSensitivity", {"sensitivity": 0.5, "num_thresholds": 0}),
    ("SensitivityAtSpecificity", {"specificity": -0.1}),
    ("RecallAtPrecision", {"precision": 2}),
]
METRIC_FUNCTIONS = [
    ("binary_accuracy", {}, "binary"),
    ("binary_accuracy", {"threshold": 0.3}, "binary_column"),
    ("categorical_accuracy", {}, "categorical"),
    ("sparse_categorical_accuracy", {}, "sparse"),
    ("sparse_categorical_accuracy", {}, "sparse_column"),
    ("top_k_categorical_accuracy", {"k": 2}, "categorical"),
    ("sparse_top_k_categorical_accuracy", {"k": 2}, "sparse"),
    ("pearson_correlation", {}, "regression"),
    ("concordance_correlation", {"axis": 0}, "regression"),
    ("binary_focal_crossentropy", {}, "binary"),
    ("huber", {}, "regression"),
]

LOSS_CLASSES = sorted({case[3] for case in LOSS_CASES})
METRIC_CLASSES = sorted({case[0] for case in METRIC_CASES} | {"Mean", "Sum"})

# Identifiers given to compile(metrics=[...]) / compile(loss=...), and target/output shapes.
SHAPES = {
    "binary": ((4, 1), (4, 1)),
    "binary_flat_labels": ((4,), (4, 1)),
    "sparse": ((4,), (4, 3)),
    "sparse_column": ((4, 1), (4, 3)),
    "categorical": ((4, 3), (4, 3)),
    "multi_binary": ((4, 2), (4, 2)),
}
METRIC_IDENTIFIERS = [
    "accuracy", "acc", "ACC", "Accuracy", "mse", "mae", "mean_squared_error", "auc", "AUC",
    "binary_accuracy", "binary_crossentropy", "bce", "crossentropy", "ce", "foo",
    {"function": "binary_accuracy"}, {"function": "mean_squared_error"},
    {"class": "Precision"}, {"instance": ["AUC", {"name": "my_auc"}]},
]
LOSS_IDENTIFIERS = [
    "crossentropy", "ce", "CE", "mse", "MeanSquaredError", "categorical_crossentropy",
    "kld", "foo", "logcosh", {"function": "mean_absolute_error"},
    {"instance": ["Huber", {"delta": 2.0}]},
]


def shapes_for(spec):
    """Every shape pair for the identifiers resolved by shape, one pair for the others."""
    if isinstance(spec, str) and spec.lower() in ("accuracy", "acc", "crossentropy", "ce"):
        return SHAPES.items()
    return [("categorical", SHAPES["categorical"])]


def make_identifier(spec, module):
    if isinstance(spec, str):
        return spec
    if "function" in spec:
        return getattr(keras.metrics if module == "metric" else keras.losses, spec["function"])
    if "class" in spec:
        return getattr(keras.metrics if module == "metric" else keras.losses, spec["class"])
    class_name, kwargs = spec["instance"]
    return getattr(keras.metrics if module == "metric" else keras.losses, class_name)(**kwargs)


def error_text(fn):
    try:
        fn()
    except Exception as error:  # noqa: BLE001 - recording what Keras raises
        return [type(error).__name__, str(error)]
    return None


def main():
    arrays = {}
    # Default configs first, while no automatic name has been used yet.
    loss_configs = {name: getattr(keras.losses, name)().get_config() for name in LOSS_CLASSES}
    metric_configs = {name: getattr(keras.metrics, name)(**METRIC_REQUIRED_ARGS.get(name, {}))
                      .get_config() for name in METRIC_CLASSES}

    for prefix, sets in (("data", DATA), ("metric_data", METRIC_DATA)):
        for name, (y_true, y_pred) in sets.items():
            arrays[f"{prefix}/{name}/y_true"] = y_true
            arrays[f"{prefix}/{name}/y_pred"] = y_pred
    arrays["sample_weight"] = SAMPLE_WEIGHT
    arrays["metric_sample_weight"] = METRIC_WEIGHT

    for i, (fn_name, kwargs, data, class_name) in enumerate(LOSS_CASES):
        y_true, y_pred = DATA[data]
        try:
            arrays[f"loss/{i}/values"] = np.asarray(
                getattr(keras.losses, fn_name)(y_true, y_pred, **kwargs)
            )
        except ValueError:  # Keras' function forms want equal ranks; the classes fix them up
            pass
        for reduction in REDUCTIONS:
            loss = getattr(keras.losses, class_name)(reduction=reduction, **kwargs)
            for weighted, weight in (("none", None), ("weighted", SAMPLE_WEIGHT)):
                pred = tf.constant(y_pred)
                with tf.GradientTape() as tape:
                    tape.watch(pred)
                    value = loss(y_true, pred, sample_weight=weight)
                arrays[f"loss/{i}/{reduction}/{weighted}/loss"] = np.asarray(value)
                arrays[f"loss/{i}/{reduction}/{weighted}/grad"] = tape.gradient(value, pred).numpy()

    for i, (class_name, kwargs, data, activation) in enumerate(FUSED_CASES):
        y_true, logits = DATA[data]
        loss = getattr(keras.losses, class_name)(**kwargs)
        for weighted, weight in (("none", None), ("weighted", SAMPLE_WEIGHT)):
            z = tf.constant(logits)
            with tf.GradientTape() as tape:
                tape.watch(z)
                value = loss(y_true, getattr(keras.activations, activation)(z), weight)
            arrays[f"fused/{i}/{weighted}/loss"] = np.asarray(value)
            arrays[f"fused/{i}/{weighted}/grad"] = tape.gradient(value, z).numpy()

    for i, (class_name, kwargs, data) in enumerate(METRIC_CASES):
        y_true, y_pred = METRIC_DATA[data]
        for weighted in ("none", "weighted"):
            metric = getattr(keras.metrics, class_name)(**kwargs)
            for half in (slice(0, 4), slice(4, 8)):
                weight = METRIC_WEIGHT[half] if weighted == "weighted" else None
                metric.update_state(y_true[half], y_pred[half], sample_weight=weight)
            arrays[f"metric/{i}/{weighted}"] = np.asarray(metric.result())
    values = METRIC_DATA["values"][0]
    for class_name in ("Mean", "Sum"):
        for weighted in ("none", "weighted"):
            metric = getattr(keras.metrics, class_name)()
            for half in (slice(0, 4), slice(4, 8)):
                weight = METRIC_WEIGHT[half] if weighted == "weighted" else None
                metric.update_state(values[half], sample_weight=weight)
            arrays[f"reduction/{class_name}/{weighted}"] = np.asarray(metric.result())
    for i, (fn_name, kwargs, data) in enumerate(METRIC_FUNCTIONS):
        y_true, y_pred = METRIC_DATA[data]
        arrays[f"metric_fn/{i}"] = np.asarray(getattr(keras.metrics, fn_name)(y_true, y_pred,
                                                                              **kwargs))

    resolution = []
    for spec in METRIC_IDENTIFIERS:
        for shape_name, (true_shape, pred_shape) in shapes_for(spec):
            y_true, y_pred = np.zeros(true_shape, "float32"), np.zeros(pred_shape, "float32")
            try:
                metric = compile_utils.get_metric(make_identifier(spec, "metric"), y_true, y_pred)
                outcome = {"class": type(metric).__name__, "name": metric.name}
            except Exception as error:  # noqa: BLE001
                outcome = {"error": [type(error).__name__, str(error)]}
            resolution.append({"kind": "metric", "identifier": spec, "shapes": shape_name,
                               **outcome})
    for spec in LOSS_IDENTIFIERS:
        for shape_name, (true_shape, pred_shape) in shapes_for(spec):
            y_true, y_pred = np.zeros(true_shape, "float32"), np.zeros(pred_shape, "float32")
            try:
                loss = compile_utils.get_loss(make_identifier(spec, "loss"), y_true, y_pred)
                outcome = {"class": type(loss).__name__, "name": loss.name,
                           "fn": getattr(getattr(loss, "fn", None), "__name__", None)}
            except Exception as error:  # noqa: BLE001
                outcome = {"error": [type(error).__name__, str(error)]}
            resolution.append({"kind": "loss", "identifier": spec, "shapes": shape_name,
                               **outcome})

    def target(obj):
        return {"name": obj.__name__, "is_class": isinstance(obj, type)}

    meta = {
        "epsilon": keras.backend.epsilon(),
        "loss_cases": LOSS_CASES,
        "reductions": REDUCTIONS,
        "fused_cases": FUSED_CASES,
        "metric_cases": METRIC_CASES,
        "metric_functions": METRIC_FUNCTIONS,
        "loss_configs": loss_configs,
        "metric_configs": metric_configs,
        "metric_required_args": METRIC_REQUIRED_ARGS,
        "loss_names": {name: target(LOSS_NAMES[name]) for name in sorted(LOSS_NAMES)},
        "metric_names": {name: target(METRIC_NAMES[name]) for name in sorted(METRIC_NAMES)},
        "shapes": SHAPES,
        "resolution": resolution,
        "errors": {
            "loss_get": error_text(lambda: keras.losses.get("foo")),
            "metric_get": error_text(lambda: keras.metrics.get("foo")),
            "metric_arguments": [
                [class_name, kwargs, error_text(lambda: getattr(keras.metrics, class_name)(**kwargs))]
                for class_name, kwargs in METRIC_BAD_ARGUMENTS
            ],
        },
    }
    arrays["meta"] = np.array(json.dumps(meta))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(arrays)} arrays)")


if __name__ == "__main__":
    main()
