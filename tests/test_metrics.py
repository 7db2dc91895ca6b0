"""minikeras.metrics against Keras 3 (compat/data/losses_metrics.npz)."""

import builtins
import json
import re

import numpy as np
import pytest
from conftest import COMPAT_DATA

from minikeras import losses, metrics

REFERENCE = np.load(COMPAT_DATA / "losses_metrics.npz")
META = json.loads(str(REFERENCE["meta"]))
WEIGHT = REFERENCE["metric_sample_weight"]
HALVES = (slice(0, 4), slice(4, 8))


def data(name):
    return REFERENCE[f"metric_data/{name}/y_true"], REFERENCE[f"metric_data/{name}/y_pred"]


def case_id(case):
    i, (class_name, kwargs, data_name) = case
    return f"{i}-{class_name}-{data_name}" + "".join(f"-{k}={v}" for k, v in kwargs.items())


@pytest.mark.parametrize("case", list(enumerate(META["metric_cases"])), ids=case_id)
def test_results_match_keras_after_two_updates(case):
    i, (class_name, kwargs, data_name) = case
    y_true, y_pred = data(data_name)
    for weighted in ("none", "weighted"):
        metric = getattr(metrics, class_name)(**kwargs)
        for half in HALVES:
            weight = WEIGHT[half] if weighted == "weighted" else None
            metric.update_state(y_true[half], y_pred[half], sample_weight=weight)
        result = metric.result()
        assert np.asarray(result).dtype == np.float32
        np.testing.assert_allclose(result, REFERENCE[f"metric/{i}/{weighted}"], rtol=2e-5,
                                   atol=1e-6)
        metric.reset_state()
        assert all(not np.any(variable.value) for variable in metric.variables)


@pytest.mark.parametrize("class_name", ["Mean", "Sum"])
def test_mean_and_sum_match_keras(class_name):
    values = data("values")[0]
    for weighted in ("none", "weighted"):
        metric = getattr(metrics, class_name)()
        for half in HALVES:
            metric.update_state(values[half], WEIGHT[half] if weighted == "weighted" else None)
        np.testing.assert_allclose(metric.result(), REFERENCE[f"reduction/{class_name}/{weighted}"],
                                   rtol=1e-6)


@pytest.mark.parametrize("case", list(enumerate(META["metric_functions"])), ids=str)
def test_metric_functions_match_keras(case):
    i, (fn_name, kwargs, data_name) = case
    values = getattr(metrics, fn_name)(*data(data_name), **kwargs)
    assert values.dtype == np.float32
    np.testing.assert_allclose(values, REFERENCE[f"metric_fn/{i}"], rtol=1e-6, atol=1e-7)


def test_every_required_metric_is_checked_against_keras():
    checked = {case[0] for case in META["metric_cases"]}
    required = {
        "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
        "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "MeanSquaredError",
        "MeanAbsoluteError", "RootMeanSquaredError", "MeanAbsolutePercentageError",
        "MeanSquaredLogarithmicError", "CosineSimilarity", "LogCoshError", "R2Score", "AUC",
        "Precision", "Recall", "TruePositives", "TrueNegatives", "FalsePositives",
        "FalseNegatives", "BinaryCrossentropy", "CategoricalCrossentropy",
        "SparseCategoricalCrossentropy", "KLDivergence", "Poisson", "Hinge", "SquaredHinge",
        "CategoricalHinge", "PearsonCorrelation", "ConcordanceCorrelation", "IoU", "MeanIoU",
        "BinaryIoU", "OneHotIoU", "OneHotMeanIoU", "F1Score", "FBetaScore", "PrecisionAtRecall",
        "RecallAtPrecision", "SensitivityAtSpecificity", "SpecificityAtSensitivity",
    }
    assert required <= checked


@pytest.mark.parametrize("name", [
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "categorical_hinge", "hinge", "squared_hinge", "huber",
    "kl_divergence", "log_cosh", "poisson", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error",
    "sparse_categorical_crossentropy",
])
def test_metric_functions_named_after_losses_are_the_losses(name):
    assert getattr(metrics, name) is getattr(losses, name)  # as in Keras 3


@pytest.mark.parametrize("class_name, kwargs, error", META["errors"]["metric_arguments"],
                         ids=lambda value: str(value))
def test_bad_arguments_raise_keras_errors(class_name, kwargs, error):
    kind, message = error
    with pytest.raises(getattr(builtins, kind), match=f"^{re.escape(message)}$"):
        getattr(metrics, class_name)(**kwargs)


def test_iou_counts_are_a_confusion_matrix_of_in_range_kept_ids():
    metric = metrics.IoU(3, [0, 2], ignore_class=1)
    with pytest.warns(UserWarning, match="passing weight as `float`"):
        metric.update_state([0, 1, 2, 5, 2], [0, 1, 1, 2, 2],
                            sample_weight=np.array([1, 1, 1, 1, 2.9]))
    np.testing.assert_array_equal(metric.total_cm.value, [[1, 0, 0], [0, 0, 0], [0, 1, 2]])
    assert metric.total_cm.value.dtype == np.int64
    # IoU(0) = 1 / (1 + 1 - 1); IoU(2) = 2 / (3 + 2 - 2)
    np.testing.assert_allclose(metric.result(), (1 + 2 / 3) / 2, rtol=1e-6)


def test_f_scores_build_their_counts_at_the_first_batch():
    metric = metrics.F1Score(average="micro")
    assert metric.variables == []
    metric.update_state(np.eye(3), np.eye(3) * 0.9)
    assert [v.path for v in metric.variables] == [
        "f1_score/true_positives", "f1_score/false_positives", "f1_score/false_negatives",
        "f1_score/intermediate_weights"]
    assert metric.true_positives.shape == ()
    np.testing.assert_allclose(metric.result(), 1.0, atol=1e-6)
    with pytest.raises(ValueError, match="^FBetaScore expects 2D inputs"):
        metrics.F1Score().update_state(np.ones(3), np.ones(3))


def test_new_metrics_train_and_survive_a_keras_file(tmp_path):
    from minikeras import Sequential, layers, models

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 64)]
    model = Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    chosen = [metrics.F1Score(average="macro"), metrics.OneHotMeanIoU(3),
              metrics.PrecisionAtRecall(0.5), metrics.PearsonCorrelation()]
    model.compile("adam", "categorical_crossentropy", metrics=chosen)
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert {"f1_score", "one_hot_mean_io_u", "precision_at_recall", "pearson_correlation"} <= set(
        history.history)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = models.load_model(path)
    before = model.evaluate(x, y, verbose=0, return_dict=True)
    after = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert before.keys() == after.keys()
    for key in before:
        np.testing.assert_allclose(after[key], before[key], rtol=1e-6)
    assert [type(m).__name__ for m in loaded.metrics[1].metrics] == [
        "F1Score", "OneHotMeanIoU", "PrecisionAtRecall", "PearsonCorrelation"]


def test_top_k_counts_ties_at_the_boundary_as_in():
    y_pred = np.array([[0.5, 0.2, 0.2, 0.1]], "float32")
    assert metrics.sparse_top_k_categorical_accuracy([2], y_pred, k=2)[0] == 1.0
    assert metrics.sparse_top_k_categorical_accuracy([3], y_pred, k=3)[0] == 0.0
    ids = np.array([[2, 0, 1, 3]], "float32")
    assert metrics.sparse_top_k_categorical_accuracy([0], ids, k=2, from_sorted_ids=True)[0] == 1


# Targets (N,) against outputs (N, 1): minikeras brings them to one rank, as Keras' own loss
# classes do; Keras' metric functions do not, and broadcast them into an (N, N) matrix of every
# target against every output (docs/compat.md, "Known differences"). Values: Keras 3.15's with
# targets (N, 1), equal to its loss classes' with (N,); its metrics give the second numbers.
RANK_TARGETS = np.array([0.0, 1.0, 1.0, 0.0], "float32")
MARGINS = np.array([[0.2], [1.7], [0.4], [-0.9]], "float32")
PROBABILITIES = np.array([[0.2], [0.7], [0.4], [0.9]], "float32")
RANK_FIXED = [
    ("Hinge", MARGINS, 0.4750000238418579),  # Keras' metric: 1.0875
    ("SquaredHinge", MARGINS, 0.45250001549720764),  # 1.91375
    ("CategoricalHinge", MARGINS, 0.4750000238418579),  # 1.05
    ("KLDivergence", PROBABILITIES, 0.3182406723499298),  # 1.49388
    ("Poisson", PROBABILITIES, 0.8682413101196289),  # 0.92347
]


@pytest.mark.parametrize("class_name, y_pred, expected", RANK_FIXED, ids=[c[0] for c in RANK_FIXED])
def test_loss_metrics_fix_ranks_where_keras_broadcasts(class_name, y_pred, expected):
    metric = getattr(metrics, class_name)()
    assert metric(RANK_TARGETS, y_pred) == pytest.approx(expected, rel=1e-6)
    assert getattr(metrics, class_name)()(RANK_TARGETS[:, None], y_pred) == metric.result()
    assert getattr(losses, class_name)()(RANK_TARGETS, y_pred) == metric.result()


# ----------------------------------------------------------------------------------------------
# State, names, subclasses


def test_state_lives_in_named_variables():
    metric = metrics.Mean()
    assert [v.path for v in metric.variables] == ["mean/total", "mean/count"]
    assert metric([1.0, 2.0, 6.0]) == np.float32(3.0)
    assert metric(4.0) == np.float32(3.25)
    metric.reset_state()
    assert metric.result() == 0.0
    auc = metrics.AUC()
    assert auc.name == "auc" and metrics.AUC().name == "auc_1"
    assert [v.name for v in auc.variables] == [
        "true_positives", "false_positives", "true_negatives", "false_negatives"
    ]
    assert auc.variables[0].shape == (200,) and not auc.variables[0].trainable


def test_user_metric_subclass():
    class CountPositives(metrics.Metric):
        def __init__(self, name="count_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.positives = self.add_weight(name="positives", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.positives.assign_add(np.sum(np.asarray(y_pred) > 0.5))

        def result(self):
            return self.positives

    metric = CountPositives()
    metric.update_state(None, [0.2, 0.7, 0.9])
    assert float(metric.result()) == 2.0 and metric.variables[0].path == "count_positives/positives"
    metric.reset_state()
    assert float(metric.result()) == 0.0
    assert metric.get_config() == {"name": "count_positives", "dtype": "float32"}

    class Forgetful(metrics.Metric):
        def __init__(self):
            self.total = self.add_weight(name="total")

    with pytest.raises(RuntimeError, match="forgot to call `super\\(\\).__init__\\(\\)`"):
        Forgetful()


def test_metrics_held_by_a_metric_contribute_their_variables():
    class Pair(metrics.Metric):
        def __init__(self):
            super().__init__(name="pair")
            self.first, self.second = metrics.Mean(name="a"), metrics.Sum(name="b")

    assert [v.path for v in Pair().variables] == ["a/total", "a/count", "b/total"]


# ----------------------------------------------------------------------------------------------
# Configs and names

EXTRA_CONFIG = {"CosineSimilarity": {"axis": -1}}  # Keras 3 drops it from the config


@pytest.mark.parametrize("class_name", sorted(META["metric_configs"]))
def test_config_matches_keras_and_round_trips(class_name):
    metric = getattr(metrics, class_name)(**META["metric_required_args"].get(class_name, {}))
    config = metric.get_config()
    expected = {**META["metric_configs"][class_name], **EXTRA_CONFIG.get(class_name, {})}
    assert config == expected
    assert list(config) == list(expected)
    rebuilt = metrics.deserialize(metrics.serialize(metric))
    assert type(rebuilt) is type(metric) and rebuilt.get_config() == config


def test_non_default_configs_round_trip():
    for metric in (
        metrics.AUC(thresholds=[0.2, 0.6], curve="PR", multi_label=True, label_weights=[1, 2]),
        metrics.Precision(thresholds=[0.3, 0.7], top_k=2, class_id=1, name="p"),
        metrics.BinaryAccuracy(threshold=0.3),
        metrics.SparseTopKCategoricalAccuracy(k=3, from_sorted_ids=True),
        metrics.R2Score(class_aggregation=None, num_regressors=2),
    ):
        rebuilt = metrics.get(metrics.serialize(metric))
        assert type(rebuilt) is type(metric) and rebuilt.get_config() == metric.get_config()


@pytest.mark.parametrize(
    "fn, kwargs", [(metrics.binary_accuracy, {"threshold": 0.3}), (losses.huber, {"delta": 2.0})]
)
def test_mean_metric_wrapper_round_trips_its_function(fn, kwargs):
    metric = metrics.MeanMetricWrapper(fn, name="wrapped", **kwargs)
    config = metric.get_config()
    assert config["fn"]["config"] == fn.__name__ and config["name"] == "wrapped"
    rebuilt = metrics.deserialize(metrics.serialize(metric))
    assert rebuilt._fn is fn and rebuilt._fn_kwargs == kwargs


def test_get_accepts_every_keras_name_it_implements():
    checked = 0
    for name, target in META["metric_names"].items():
        if not hasattr(metrics, target["name"]) or target["name"] in (
                "MeanMetricWrapper", *META["metric_required_args"]):
            continue  # classes with required arguments (`fn`, `num_classes`, ...)
        assert type(metrics.get(name)).__name__ == target["name"], name
        checked += 1
    assert checked >= 70


def test_get_errors():
    kind, message = META["errors"]["metric_get"]
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        metrics.get("foo")
    with pytest.raises(ValueError, match="^Could not interpret metric identifier: acc$"):
        metrics.get("acc")  # only compile() knows "acc"
    assert metrics.get(metrics.binary_accuracy) is metrics.binary_accuracy
    assert type(metrics.get("accuracy")) is metrics.Accuracy


def _identifier(spec):
    if isinstance(spec, str):
        return spec
    if "function" in spec:
        name = spec["function"]
        return getattr(metrics, name, None) or getattr(losses, name)
    if "class" in spec:
        return getattr(metrics, spec["class"])
    class_name, kwargs = spec["instance"]
    return getattr(metrics, class_name)(**kwargs)


@pytest.mark.parametrize(
    "row",
    [row for row in META["resolution"] if row["kind"] == "metric"],
    ids=lambda row: f"{row['identifier']}-{row['shapes']}",
)
def test_compile_metric_resolution_matches_keras(row):
    true_shape, pred_shape = META["shapes"][row["shapes"]]
    y_true, y_pred = np.zeros(true_shape, "float32"), np.zeros(pred_shape, "float32")
    identifier = _identifier(row["identifier"])
    if "error" in row:
        with pytest.raises(ValueError, match=f"^{re.escape(row['error'][1])}$"):
            metrics.resolve_compile_metric(identifier, y_true, y_pred)
        return
    metric = metrics.resolve_compile_metric(identifier, y_true, y_pred)
    assert type(metric).__name__ == row["class"]
    # A class gets an automatic name, numbered by how many came before it in the process.
    expected = re.sub(r"_\d+$", "", row["name"]) if "class" in row["identifier"] else row["name"]
    assert metric.name == expected


def test_plain_function_becomes_a_mean_named_after_it():
    def my_metric(y_true, y_pred):
        return np.abs(np.asarray(y_true) - np.asarray(y_pred))

    metric = metrics.resolve_compile_metric(my_metric, np.zeros((4, 1)), np.zeros((4, 1)))
    assert type(metric) is metrics.MeanMetricWrapper and metric.name == "my_metric"
    metric.update_state([[1.0], [2.0]], [[0.0], [0.0]])
    assert metric.result() == np.float32(1.5)
