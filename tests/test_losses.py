"""minikeras.losses against Keras 3 (compat/data/losses_metrics.npz) and against calculus."""

import json
import re

import numpy as np
import pytest
from conftest import COMPAT_DATA, finite_difference

from minikeras import losses

REFERENCE = np.load(COMPAT_DATA / "losses_metrics.npz")
META = json.loads(str(REFERENCE["meta"]))
CASES = list(enumerate(META["loss_cases"]))
FUNCTIONS = sorted({case[0] for _, case in CASES})


def data(name):
    return REFERENCE[f"data/{name}/y_true"], REFERENCE[f"data/{name}/y_pred"]


def case_id(case):
    i, (fn_name, kwargs, data_name, _) = case
    return f"{i}-{fn_name}-{data_name}" + "".join(f"-{k}={v}" for k, v in kwargs.items())


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_values_and_gradients_match_keras(case):
    i, (fn_name, kwargs, data_name, class_name) = case
    y_true, y_pred = data(data_name)
    if f"loss/{i}/values" in REFERENCE:
        values = getattr(losses, fn_name)(y_true, y_pred, **kwargs)
        assert values.dtype == np.float32
        np.testing.assert_allclose(values, REFERENCE[f"loss/{i}/values"], rtol=1e-5, atol=1e-5)
    for reduction in META["reductions"]:
        loss = getattr(losses, class_name)(reduction=reduction, **kwargs)
        for weighted, weight in (("none", None), ("weighted", REFERENCE["sample_weight"])):
            key = f"loss/{i}/{reduction}/{weighted}"
            value, grad = loss.value_and_grad(y_true, y_pred, sample_weight=weight)
            assert value.dtype == np.float32 and grad.dtype == np.float32
            assert grad.shape == y_pred.shape
            assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad))
            np.testing.assert_allclose(value, REFERENCE[f"{key}/loss"], rtol=1e-5, atol=1e-5)
            np.testing.assert_allclose(grad, REFERENCE[f"{key}/grad"], rtol=1e-5, atol=1e-5)
            np.testing.assert_array_equal(loss(y_true, y_pred, sample_weight=weight), value)


# Inputs away from every clip and kink, in float64, for checking gradients against differences.
_rng = np.random.default_rng(7)
_probabilities = _rng.uniform(0.1, 0.9, size=(5, 4))
_labels = np.eye(4)[[0, 3, 1, 2, 2]]
INTERIOR = {
    "regression": (_rng.normal(size=(5, 4)), _rng.normal(size=(5, 4)) + 0.05),
    "positive": (_rng.uniform(0, 3, size=(5, 4)), _rng.uniform(0.2, 3, size=(5, 4))),
    "binary": (_rng.integers(0, 2, size=(5, 4)).astype(float), _probabilities),
    "logits": (_rng.integers(0, 2, size=(5, 4)).astype(float), _rng.normal(size=(5, 4)) * 3),
    "categorical": (_labels, _probabilities),
    "categorical_logits": (_labels, _rng.normal(size=(5, 4)) * 3),
    "sparse": (np.array([0, 3, 1, 2, 2]), _probabilities),
    "distribution": (_probabilities / _probabilities.sum(-1, keepdims=True), _probabilities / 2),
    "hinge": (_rng.integers(0, 2, size=(5, 4)) * 2.0 - 1, _rng.choice([-2.5, -0.5, 0.5], (5, 4))),
    "sparse_probabilities": (np.array([0, 3, 1, 2, 2]), _probabilities),
    "masks": (_rng.integers(0, 2, size=(5, 3, 2)).astype(float), _rng.uniform(0.1, 0.9, (5, 3, 2))),
    "embeddings": (np.array([0, 1, 0, 1, 1]), _rng.normal(size=(5, 4)) / 2),
    "ctc": (np.array([[1, 2, 0], [3, 3, 1]]), _rng.normal(size=(2, 5, 4))),
}
GRADIENT_CASES = [
    ("mean_squared_error", {}, "regression"),
    ("mean_absolute_error", {}, "regression"),
    ("mean_absolute_percentage_error", {}, "regression"),
    ("mean_squared_logarithmic_error", {}, "positive"),
    ("huber", {"delta": 0.7}, "regression"),
    ("log_cosh", {}, "regression"),
    ("cosine_similarity", {}, "regression"),
    ("poisson", {}, "positive"),
    ("kl_divergence", {}, "distribution"),
    ("hinge", {}, "hinge"),
    ("squared_hinge", {}, "hinge"),
    ("categorical_hinge", {}, "categorical_logits"),
    ("binary_crossentropy", {"label_smoothing": 0.1}, "binary"),
    ("binary_crossentropy", {"from_logits": True}, "logits"),
    ("binary_focal_crossentropy", {"apply_class_balancing": True, "gamma": 1.5}, "binary"),
    ("binary_focal_crossentropy", {"from_logits": True}, "logits"),
    ("categorical_crossentropy", {"label_smoothing": 0.2}, "categorical"),
    ("categorical_crossentropy", {"from_logits": True}, "categorical_logits"),
    ("categorical_focal_crossentropy", {"gamma": 3.0}, "categorical"),
    ("categorical_focal_crossentropy", {"from_logits": True}, "categorical_logits"),
    ("sparse_categorical_crossentropy", {}, "sparse"),
    ("sparse_categorical_crossentropy", {"from_logits": True}, "categorical_logits"),
    ("dice", {}, "binary"),
    ("dice", {"axis": [1, 2]}, "masks"),
    ("tversky", {"alpha": 0.3, "beta": 0.7}, "binary"),
    ("tversky", {"axis": -1}, "binary"),
    ("circle", {"gamma": 2.0}, "embeddings"),
    ("circle", {"remove_diagonal": False, "margin": 0.3}, "embeddings"),
    ("categorical_generalized_cross_entropy", {"q": 0.4}, "sparse_probabilities"),
    ("ctc", {}, "ctc"),
]


def test_every_loss_function_has_a_gradient_case():
    assert {case[0] for case in GRADIENT_CASES} == set(FUNCTIONS)


@pytest.mark.parametrize("fn_name, kwargs, data_name", GRADIENT_CASES)
def test_gradient_matches_finite_differences(fn_name, kwargs, data_name):
    fn = getattr(losses, fn_name)
    y_true, y_pred = INTERIOR[data_name]
    if fn_name == "sparse_categorical_crossentropy":
        y_true = INTERIOR["sparse"][0]
    grad = fn.gradient(y_true, y_pred, **kwargs)
    assert grad.dtype == np.float64 and grad.shape == y_pred.shape
    expected = finite_difference(lambda x: np.sum(fn(y_true, x, **kwargs)), y_pred)
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
def test_class_gradient_includes_weights_and_reduction(reduction):
    loss = losses.CategoricalCrossentropy(reduction=reduction, dtype="float64")
    y_true, y_pred = INTERIOR["categorical"]
    weight = np.array([1.0, 0.0, 2.0, 0.5, 3.0])
    value, grad = loss.value_and_grad(y_true, y_pred, sample_weight=weight)
    expected = finite_difference(lambda x: loss(y_true, x, sample_weight=weight), y_pred)
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-8)
    assert value.dtype == np.float64


def test_extreme_inputs_stay_finite():
    saturated = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], dtype="float32")
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype="float32")
    labels = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], dtype="float32")
    # Not for the losses of embeddings and sequences, nor for the generalised cross-entropy,
    # whose gradient at a probability of 0 is infinite, in Keras as in calculus.
    others = {"circle", "ctc", "categorical_generalized_cross_entropy"}
    for fn_name in sorted(set(FUNCTIONS) - others):
        fn = getattr(losses, fn_name)
        for y_pred, kwargs in ((saturated, {}), (logits, {"from_logits": True})):
            if "from_logits" in kwargs and "crossentropy" not in fn_name:
                continue
            y_true = labels.argmax(-1) if fn_name.startswith("sparse") else labels
            values, grad = fn(y_true, y_pred, **kwargs), fn.gradient(y_true, y_pred, **kwargs)
            assert np.all(np.isfinite(values)) and np.all(np.isfinite(grad)), fn_name


def test_keras_numbers_for_unnormalised_and_saturated_probabilities():
    # surface.md: CCE normalises [1, 3] first; K3's BCE clips without adding eps.
    cce = losses.categorical_crossentropy(np.array([[0.0, 1.0]]), np.array([[1.0, 3.0]], "float32"))
    np.testing.assert_allclose(cce, [0.28768], rtol=1e-5)
    eps = 1e-7
    expected = -np.log(np.float32(eps))
    bce = losses.binary_crossentropy(np.array([[1.0]]), np.array([[0.0]], "float32"))
    np.testing.assert_allclose(bce, [expected], rtol=1e-6)


# ----------------------------------------------------------------------------------------------
# The fused softmax / sigmoid gradient


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@pytest.mark.parametrize(
    "loss, y_true",
    [
        (losses.CategoricalCrossentropy(label_smoothing=0.1), INTERIOR["categorical"][0]),
        (losses.get("categorical_crossentropy"), INTERIOR["categorical"][0]),
        (losses.SparseCategoricalCrossentropy(), INTERIOR["sparse"][0]),
        (losses.SparseCategoricalCrossentropy(ignore_class=2), INTERIOR["sparse"][0]),
    ],
    ids=["cce-smoothing", "cce-function", "sparse", "sparse-ignore"],
)
def test_softmax_logits_gradient_is_the_chain_rule(loss, y_true):
    if not isinstance(loss, losses.Loss):
        loss = losses.resolve_compile_loss(loss, y_true, INTERIOR["categorical"][1])
    logits = np.random.default_rng(3).normal(size=(5, 4)).astype("float32")
    probabilities = _softmax(logits)
    weight = np.array([1.0, 0.5, 0.0, 2.0, 1.0], "float32")
    _, grad_p = loss.value_and_grad(y_true, probabilities, sample_weight=weight)
    chained = probabilities * (grad_p - np.sum(grad_p * probabilities, -1, keepdims=True))
    _, fused = loss.logits_value_and_grad(y_true, logits, weight, "softmax")
    np.testing.assert_allclose(fused, chained, rtol=1e-4, atol=1e-7)


def test_sigmoid_logits_gradient_is_the_chain_rule():
    loss = losses.BinaryCrossentropy(label_smoothing=0.2, reduction="sum")
    y_true = INTERIOR["binary"][0].astype("float32")
    logits = np.random.default_rng(4).normal(size=(5, 4)).astype("float32")
    probabilities = (1 / (1 + np.exp(-logits))).astype("float32")
    _, grad_p = loss.value_and_grad(y_true, probabilities)
    _, fused = loss.logits_value_and_grad(y_true, logits, None, "sigmoid")
    np.testing.assert_allclose(fused, grad_p * probabilities * (1 - probabilities), rtol=1e-4)


@pytest.mark.parametrize("case", list(enumerate(META["fused_cases"])), ids=str)
def test_logits_value_and_grad_matches_keras_on_a_softmax_or_sigmoid_output(case):
    # Keras on TensorFlow computes these from the logits the activation cached: 5000, not the
    # -log(1e-7) of clipped probabilities, for a logit of 1e4 on the wrong class.
    i, (class_name, kwargs, data_name, activation) = case
    y_true, logits = data(data_name)
    loss = getattr(losses, class_name)(**kwargs)
    for weighted, weight in (("none", None), ("weighted", REFERENCE["sample_weight"])):
        value, grad = loss.logits_value_and_grad(y_true, logits, weight, activation)
        np.testing.assert_allclose(value, REFERENCE[f"fused/{i}/{weighted}/loss"], rtol=1e-5)
        np.testing.assert_allclose(grad, REFERENCE[f"fused/{i}/{weighted}/grad"], rtol=1e-5,
                                   atol=1e-6)
    assert loss.logits_value_and_grad(y_true, logits, None, "linear") is None


def _logits_with_extremes(shape, dtype, seed):
    logits = (np.random.default_rng(seed).normal(size=shape) * 30).astype(dtype)
    with np.errstate(over="ignore"):  # 1e30 is inf in float16
        logits.flat[:4] = [np.inf, -np.inf, 1e30, -0.0]
    if logits.size > 8:
        logits.flat[7] = np.nan
    return logits


@pytest.mark.parametrize("shape, axis", [((128, 10), -1), ((3, 5, 7), 1), ((4, 6), 0),
                                         ((2, 3, 4), (1, 2)), ((9,), -1)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_log_softmax_and_softmax_in_one_pass_are_the_activations_values(shape, axis, dtype):
    from minikeras import activations

    for seed in range(3):
        logits = _logits_with_extremes(shape, dtype, seed)
        with np.errstate(all="ignore"):
            log_probabilities, probabilities = losses._log_softmax_and_softmax(logits, axis)
            expected_log = activations.log_softmax(logits, axis=axis)
            expected = activations.softmax(logits, axis=axis)
            once = probabilities()
        assert log_probabilities.dtype == once.dtype == logits.dtype
        np.testing.assert_array_equal(log_probabilities, expected_log)
        np.testing.assert_array_equal(once, expected)
        assert probabilities() is once  # asked again (a persistent tape): the same values


@pytest.mark.parametrize("fn, labels", [
    (losses.categorical_crossentropy, "one-hot"), (losses.categorical_crossentropy, "soft"),
    (losses.sparse_categorical_crossentropy, "sparse")])
def test_crossentropy_at_logits_keeps_the_values_and_gradient_of_separate_passes(fn, labels):
    from minikeras import activations

    rng = np.random.default_rng(5)
    logits = _logits_with_extremes((64, 10), "float32", 1)
    sparse = rng.integers(0, 10, 64)
    y_true = {"one-hot": np.eye(10, dtype="float32")[sparse], "sparse": sparse,
              "soft": rng.dirichlet(np.ones(10), 64).astype("float32") * 1.5}[labels]
    cotangent = rng.random(64, dtype=np.float32)
    with np.errstate(all="ignore"):
        result = fn.kernel(y_true, logits, from_logits=True)
        grad = result.pullback(cotangent)
        if labels == "sparse":  # the formulas before the shared pass, on the activations
            values = -np.take_along_axis(activations.log_softmax(logits), sparse[:, None], -1)[:, 0]
            one_hot = np.arange(10) == sparse[:, None]
            expected = cotangent[:, None] * (activations.softmax(logits) - one_hot)
        else:
            values = -np.sum(y_true * activations.log_softmax(logits), axis=-1)
            mass = np.sum(y_true, axis=-1, keepdims=True)
            expected = cotangent[:, None] * (mass * activations.softmax(logits) - y_true)
    np.testing.assert_array_equal(result.values, values)
    np.testing.assert_array_equal(grad, expected)
    np.testing.assert_array_equal(result.pullback(cotangent), expected)  # again: unchanged


@pytest.mark.parametrize(
    "loss, activation",
    [
        (losses.CategoricalCrossentropy(from_logits=True), "softmax"),
        (losses.CategoricalCrossentropy(), "sigmoid"),
        (losses.BinaryCrossentropy(), "softmax"),
        (losses.MeanSquaredError(), "softmax"),
        (losses.Loss(), "softmax"),
    ],
)
def test_logits_value_and_grad_is_none_without_a_stable_form(loss, activation):
    y = INTERIOR["categorical"][0]
    assert loss.logits_value_and_grad(y, y, None, activation) is None


# ----------------------------------------------------------------------------------------------
# Reductions, masks, dtypes


def test_reduction_none_returns_weighted_values_and_their_sum_gradient():
    y_true, y_pred = data("regression")
    weight = REFERENCE["sample_weight"]
    loss = losses.MeanSquaredError(reduction="none")
    value, grad = loss.value_and_grad(y_true, y_pred, sample_weight=weight)
    np.testing.assert_allclose(value, losses.mean_squared_error(y_true, y_pred) * weight, rtol=1e-6)
    np.testing.assert_allclose(grad, 2 * (y_pred - y_true) / 3 * weight[:, None], rtol=1e-6)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight",
                                       "none"])
@pytest.mark.parametrize("values_shape, weight_shape", [
    ((5,), None), ((5,), (5,)), ((5,), (5, 1)), ((5, 3), (5, 1)), ((5, 1), (5, 3)),
], ids=str)
def test_reduction_pullback_sums_the_weights_broadcast_against_the_values(
        reduction, values_shape, weight_shape):
    rng = np.random.default_rng(0)
    values = rng.random(values_shape)
    weight = None if weight_shape is None else rng.random(weight_shape)
    loss, pullback = losses.reduce_weighted_values(values, weight, reduction=reduction)
    cotangent = rng.random(np.shape(loss))
    expected = finite_difference(  # the reduction is linear: exact up to rounding
        lambda v: np.sum(losses.reduce_weighted_values(v, weight, reduction=reduction)[0]
                         * cotangent), values)
    got = pullback(cotangent)
    assert got.shape == values.shape
    np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean",
                                       "mean_with_sample_weight", "none"])
@pytest.mark.parametrize("values_shape, weight_shape, masked", [
    ((32,), None, False), ((8, 5), None, False), ((32,), (32,), False), ((5, 3), (5, 1), False),
    ((6,), None, True), ((6,), (6,), True), ((0,), None, False),
], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_loss_gradient_seed_is_the_pullback_of_ones_bit_for_bit(
        reduction, values_shape, weight_shape, masked, dtype):
    """`pullback()` (the gradient of the loss itself, what `value_and_grad` takes) gives the
    array `pullback(ones)` gives: unweighted and reduced, a cached read-only one."""
    rng = np.random.default_rng(1)
    values = rng.random(values_shape).astype(dtype)
    weight = None if weight_shape is None else rng.random(weight_shape).astype(dtype)
    mask = np.arange(values_shape[0]) % 3 != 0 if masked else None
    loss, pullback = losses.reduce_weighted_values(values, weight, mask, reduction)
    general = pullback(np.ones_like(loss))
    seeded = pullback()
    assert seeded.shape == general.shape == values.shape and seeded.dtype == general.dtype
    np.testing.assert_array_equal(seeded, general)
    if weight is None and mask is None and reduction != "none" and values.size:
        assert not seeded.flags.writeable and pullback() is seeded  # the same at every step


@pytest.mark.parametrize("loss", [
    losses.CategoricalCrossentropy(), losses.SparseCategoricalCrossentropy(),
    losses.BinaryCrossentropy(), losses.MeanSquaredError(reduction="sum"),
    losses.CategoricalCrossentropy(reduction="none"), losses.Huber(),
])
@pytest.mark.parametrize("weighted", [False, True])
def test_value_and_grad_is_the_tape_s_gradient_bit_for_bit(loss, weighted):
    """`value_and_grad` (the seeded pullback, shaped only where it must be) against the
    gradient of the same loss recorded on a tape, through the general pullback with ones."""
    from minikeras import GradientTape, ops

    rng = np.random.default_rng(2)
    sparse = isinstance(loss, losses.SparseCategoricalCrossentropy)
    y_pred = rng.random((16, 4)).astype("float32")
    y_pred /= y_pred.sum(axis=-1, keepdims=True)
    y_true = (rng.integers(0, 4, 16) if sparse
              else np.eye(4, dtype="float32")[rng.integers(0, 4, 16)])
    weight = rng.random(16).astype("float32") if weighted else None
    value, grad = loss.value_and_grad(y_true, y_pred, sample_weight=weight)
    with GradientTape() as tape:
        tape.watch(y_pred)
        recorded = loss(y_true, ops.multiply(y_pred, np.float32(1)), sample_weight=weight)
    expected = tape.gradient(recorded, y_pred)
    np.testing.assert_array_equal(value, np.asarray(recorded))
    assert grad.dtype == np.float32 and grad.shape == y_pred.shape
    np.testing.assert_array_equal(grad, expected)


def test_values_alone_build_no_derivative(monkeypatch):
    from minikeras import metrics

    calls = []
    sigmoid = losses._sigmoid
    monkeypatch.setattr(losses, "_sigmoid", lambda x: calls.append(x) or sigmoid(x))
    y_true, logits = np.array([[0.0], [1.0]], np.float32), np.array([[-2.0], [3.0]], np.float32)
    losses.binary_crossentropy(y_true, logits, from_logits=True)
    losses.BinaryCrossentropy(from_logits=True)(y_true, logits)
    metrics.BinaryCrossentropy(from_logits=True).update_state(y_true, logits)
    assert not calls  # the derivative, sigmoid(x) - y, is only built for a gradient
    losses.binary_crossentropy.gradient(y_true, logits, from_logits=True)
    assert calls


def test_ignore_class_averages_over_the_kept_samples_only():
    y_true, y_pred = np.array([0, -1, 2, 1]), data("sparse")[1]
    kept = losses.sparse_categorical_crossentropy(y_true[[0, 2, 3]], y_pred[[0, 2, 3]])
    loss = losses.SparseCategoricalCrossentropy(ignore_class=-1)
    np.testing.assert_allclose(loss(y_true, y_pred), kept.mean(), rtol=1e-6)


def test_wrong_labels_and_reductions_raise():
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`"):
        losses.MeanSquaredError(reduction="mean_all")
    with pytest.raises(ValueError, match="outside the valid range of \\[0, 3\\)"):
        losses.sparse_categorical_crossentropy(np.array([3]), np.ones((1, 3), "float32") / 3)
    with pytest.raises(ValueError, match="must have the same shape"):
        losses.categorical_crossentropy(np.ones((2, 3)), np.ones((2, 4)))
    assert losses.Loss(reduction="auto").reduction == "sum_over_batch_size"  # Keras 2 files


def test_float64_and_python_inputs():
    assert losses.mean_squared_error([[1.0, 2.0]], [[0.0, 0.0]]).dtype == np.float32
    assert losses.mean_squared_error(np.ones((2, 2)), np.zeros((2, 2))).dtype == np.float64
    loss = losses.MeanSquaredError()
    assert loss(np.ones((2, 2)), np.zeros((2, 2))).dtype == np.float32


# ----------------------------------------------------------------------------------------------
# Names and configs

# Where Keras 3 drops a constructor argument from the config (and loses it on reload), minikeras
# keeps it.
EXTRA_CONFIG = {"Huber": {"delta": 1.0}, "CosineSimilarity": {"axis": -1}}


@pytest.mark.parametrize("class_name", sorted(META["loss_configs"]))
def test_config_matches_keras_and_round_trips(class_name):
    loss = getattr(losses, class_name)()
    config = loss.get_config()
    assert config == {**META["loss_configs"][class_name], **EXTRA_CONFIG.get(class_name, {})}
    assert list(config)[: len(META["loss_configs"][class_name])] == list(
        META["loss_configs"][class_name]
    )
    rebuilt = losses.deserialize(losses.serialize(loss))
    assert type(rebuilt) is type(loss) and rebuilt.get_config() == config


def test_round_trip_keeps_non_default_options():
    loss = losses.BinaryFocalCrossentropy(gamma=3.0, from_logits=True, reduction="sum", name="f")
    rebuilt = losses.get(losses.serialize(loss))
    assert rebuilt.get_config() == loss.get_config()
    assert rebuilt.gamma == 3.0 and rebuilt.reduction == "sum" and rebuilt.name == "f"
    wrapper = losses.LossFunctionWrapper(losses.huber, delta=2.0, name="h")
    config = wrapper.get_config()
    assert config["fn"] == {"module": "builtins", "class_name": "function", "config": "huber",
                            "registered_name": "function"}
    rebuilt = losses.LossFunctionWrapper.from_config(config)
    assert rebuilt.fn is losses.huber and rebuilt._fn_kwargs == {"delta": 2.0}


def test_get_accepts_every_keras_name_it_implements():
    implemented = set(dir(losses))
    checked = 0
    for name, target in META["loss_names"].items():
        if target["name"] not in implemented or name == "LossFunctionWrapper":
            continue  # needs `fn`
        found = losses.get(name)
        if target["is_class"]:
            assert type(found).__name__ == target["name"], name
        else:
            assert found is getattr(losses, target["name"]), name
        checked += 1
    assert checked >= 55


def test_get_errors_and_keras2_aliases():
    kind, message = META["errors"]["loss_get"]
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        losses.get("foo")
    assert losses.get("logcosh") is losses.log_cosh
    assert losses.get("huber_loss") is losses.huber
    assert losses.get("kullback_leibler_divergence") is losses.kl_divergence
    assert losses.get(None) is None
    assert losses.get({"class_name": "Huber", "config": {"delta": 3.0}}).delta == 3.0


KERAS2_ALIASES = ("logcosh", "huber_loss", "kullback_leibler_divergence")


def _identifier(spec):
    if isinstance(spec, str):
        return spec
    if "function" in spec:
        return getattr(losses, spec["function"])
    class_name, kwargs = spec["instance"]
    return getattr(losses, class_name)(**kwargs)


@pytest.mark.parametrize(
    "row",
    [row for row in META["resolution"] if row["kind"] == "loss"],
    ids=lambda row: f"{row['identifier']}-{row['shapes']}",
)
def test_compile_loss_resolution_matches_keras(row):
    true_shape, pred_shape = META["shapes"][row["shapes"]]
    y_true, y_pred = np.zeros(true_shape, "float32"), np.zeros(pred_shape, "float32")
    if row["identifier"] in KERAS2_ALIASES:  # Keras 3 refuses them; minikeras follows Keras 2
        assert losses.resolve_compile_loss(row["identifier"], y_true, y_pred).name == "logcosh"
        return
    if "error" in row:
        with pytest.raises(ValueError, match=f"^{re.escape(row['error'][1])}$"):
            losses.resolve_compile_loss(_identifier(row["identifier"]), y_true, y_pred)
        return
    loss = losses.resolve_compile_loss(_identifier(row["identifier"]), y_true, y_pred)
    assert (type(loss).__name__, loss.name, loss.fn.__name__) == (row["class"], row["name"],
                                                                  row["fn"])


# ----------------------------------------------------------------------------------------------
# Losses written by users, differentiated by the tape


def test_user_losses_get_gradients_from_the_tape():
    pytest.importorskip("minikeras.autodiff")
    from minikeras import ops

    class Squared(losses.Loss):
        def call(self, y_true, y_pred):
            return ops.mean(ops.square(y_pred - y_true), axis=-1)

    def squared(y_true, y_pred):
        return ops.mean(ops.square(y_pred - y_true), axis=-1)

    class TwiceBuiltin(losses.Loss):  # a user loss calling a built-in loss class
        def call(self, y_true, y_pred):
            return losses.MeanSquaredError(reduction="none")(y_true, y_pred) * 2.0

    def twice_builtin(y_true, y_pred):  # a user loss calling a built-in loss function
        return losses.mean_squared_error(y_true, y_pred) + ops.mean(
            ops.square(y_pred - y_true), axis=-1
        )

    user = Squared()
    assert user.name == "squared"
    y_true, y_pred = data("regression")
    weight = REFERENCE["sample_weight"]
    expected = losses.MeanSquaredError().value_and_grad(y_true, y_pred, sample_weight=weight)
    for loss, scale in ((user, 1), (losses.resolve_compile_loss(squared, y_true, y_pred), 1),
                        (TwiceBuiltin(), 2),
                        (losses.resolve_compile_loss(twice_builtin, y_true, y_pred), 2)):
        value, grad = loss.value_and_grad(y_true, y_pred, sample_weight=weight)
        np.testing.assert_allclose(value, scale * expected[0], rtol=1e-6)
        np.testing.assert_allclose(grad, scale * expected[1], rtol=1e-6)


def test_sparse_crossentropy_on_one_hot_targets_says_what_to_use():
    one_hot, probabilities = np.eye(3, dtype=np.float32), np.full((3, 3), 1 / 3, np.float32)
    with pytest.raises(ValueError, match=r"^Argument `output` must have rank \(ndim\) "
                                         r"`target.ndim - 1`\. Received: target.shape=\(3, 3\), "
                                         r"output.shape=\(3, 3\)\. \(One-hot targets go with "
                                         r"`categorical_crossentropy`\.\)$"):
        losses.sparse_categorical_crossentropy(one_hot, probabilities)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int32"])
def test_mean_without_numpys_wrapper_is_numpys_mean_bit_for_bit(dtype):
    """`losses._mean` (the loss and metric kernels' per-sample means) skips `np.mean`'s Python:
    the same sum and division, so the same bytes, for every axis spelling, long (pairwise)
    and short rows, infinities and NaN; float16, integers and empty slices go to np.mean."""
    rng = np.random.default_rng(5)
    arrays = [np.asarray(rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4, shape))
              for shape in [(32, 1), (32, 10), (7, 300), (3, 4, 5), (1000,), ()]]
    special = rng.standard_normal((6, 9))
    special[0, 1], special[2, 3], special[4, :] = np.inf, np.nan, -np.inf
    arrays.append(special)
    for array in arrays:
        with np.errstate(invalid="ignore"):  # (inf and NaN as integers)
            array = array.astype(dtype)
        axes = [None, *range(-array.ndim, array.ndim)]
        if array.ndim >= 2:
            axes += [(0, 1), (1, array.ndim - 1) if array.ndim > 2 else (1,)]
        for axis in axes:
            with np.errstate(all="ignore"):
                expected, got = np.mean(array, axis=axis), losses._mean(array, axis=axis)
            assert type(got) is type(expected) and got.dtype == expected.dtype, (array.shape, axis)
            assert np.asarray(got).tobytes() == np.asarray(expected).tobytes(), (array.shape, axis)
    for axis in (2, -3, (0, 2)):  # out of range: numpy's own error
        with pytest.raises(np.exceptions.AxisError):
            losses._mean(np.zeros((2, 3), np.float32), axis=axis)
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"), np.errstate(invalid="ignore"):
        assert np.isnan(losses._mean(np.zeros((0, 3), np.float32), axis=0)).all()


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("shape, softmax_axis", [((32, 10), -1), ((100, 10), 1), ((3, 4, 5), -1),
                                                 ((3, 4, 5), 1)])
@pytest.mark.parametrize("sparse", [False, True])
def test_crossentropy_at_a_recorded_softmax_reuses_its_maxima_sums_and_values_exactly(
        monkeypatch, dtype, shape, softmax_axis, sparse):
    """At the logits of a recorded softmax along its own axis, a crossentropy takes the
    softmax's maxima, sums and values (`Node.intermediates`) instead of computing them again:
    the loss and the tape's gradient are byte for byte those of computing them again,
    infinite and NaN logits included; along another axis, or from logits the loss converts,
    nothing is taken."""
    from minikeras import activations
    from minikeras.core import tape

    rng = np.random.default_rng(11)
    logits = (rng.standard_normal(shape) * 4).astype(dtype)
    logits[0, 0] = np.inf
    logits[1, 1] = -np.inf
    logits[2, -1] = np.nan
    labels = rng.integers(0, shape[-1], shape[:-1])
    y_true = labels if sparse else np.eye(shape[-1], dtype=dtype)[labels]
    loss = losses.get("sparse_categorical_crossentropy" if sparse else "categorical_crossentropy")
    loss = losses.LossFunctionWrapper(loss)
    taken = []
    recorded_softmax = losses._recorded_softmax

    def spied(*args):
        known = recorded_softmax(*args)
        taken.append(known is not None)
        return known

    def value_and_gradient(reuse):
        with monkeypatch.context() as patch:
            patch.setattr(losses, "_recorded_softmax", spied if reuse else lambda *args: None)
            with np.errstate(all="ignore"), tape.GradientTape() as recording:
                recording.watch(logits)
                value = loss(y_true, activations.softmax(tape.lift(logits), axis=softmax_axis))
                gradient = recording.gradient(value, logits)
        return np.asarray(tape.value_of(value)).tobytes(), np.asarray(gradient).tobytes()

    assert value_and_gradient(reuse=True) == value_and_gradient(reuse=False)
    # (logits of another dtype than the loss's float32 are converted: nothing to take)
    assert taken == [softmax_axis % len(shape) == len(shape) - 1 and dtype == "float32"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_binary_crossentropy_at_a_recorded_sigmoid_takes_its_values_exactly(
        monkeypatch, dtype, label_smoothing):
    """At the logits of a recorded sigmoid, binary crossentropy's gradient takes the sigmoid's
    values instead of computing them again: loss and tape gradient byte for byte those of
    computing them again (saturated and NaN logits included); from logits the loss converts
    (float64 here), they are computed."""
    from minikeras import activations
    from minikeras.core import tape

    rng = np.random.default_rng(4)
    logits = (rng.standard_normal((32, 1)) * 30).astype(dtype)
    logits[0, 0], logits[1, 0] = np.nan, -np.inf
    y_true = rng.integers(0, 2, (32, 1)).astype(np.float32)
    loss = losses.BinaryCrossentropy(label_smoothing=label_smoothing)
    taken = []
    recorded_activation = losses._recorded_activation

    def spied(op, values):
        found = recorded_activation(op, values)
        taken.append(found is not None)
        return found

    def value_and_gradient(reuse):
        with monkeypatch.context() as patch:
            patch.setattr(losses, "_recorded_activation",
                          spied if reuse else lambda op, values: None)
            with np.errstate(all="ignore"), tape.GradientTape() as recording:
                recording.watch(logits)
                value = loss(y_true, activations.sigmoid(tape.lift(logits)))
                gradient = recording.gradient(value, logits)
        return np.asarray(tape.value_of(value)).tobytes(), np.asarray(gradient).tobytes()

    assert value_and_gradient(reuse=True) == value_and_gradient(reuse=False)
    assert taken == [dtype == "float32"]


@pytest.mark.parametrize("loss, inputs, outputs, targets", [
    (losses.Dice(), (6,), [("dense", 3, "sigmoid")], lambda rng: rng.integers(0, 2, (32, 3))),
    (losses.Tversky(alpha=0.7, beta=0.3, axis=-1), (6,), [("dense", 3, "sigmoid")],
     lambda rng: rng.integers(0, 2, (32, 3))),
    (losses.Circle(gamma=10.0), (6,), [("dense", 4, None), ("unit", None, None)],
     lambda rng: rng.integers(0, 3, (32,))),
    (losses.CategoricalGeneralizedCrossEntropy(q=0.7), (6,), [("dense", 3, "softmax")],
     lambda rng: rng.integers(0, 3, (32,))),
    (losses.CTC(), (5, 6), [("dense", 4, None)], lambda rng: rng.integers(0, 4, (32, 2))),
], ids=lambda value: type(value).__name__ if isinstance(value, losses.Loss) else None)
def test_new_losses_train_a_model_and_survive_a_keras_file(loss, inputs, outputs, targets,
                                                           tmp_path):
    from minikeras import Sequential, layers, models

    rng = np.random.default_rng(3)
    x = rng.normal(size=(32, *inputs)).astype("float32")
    y = targets(rng).astype("float32")
    stack = [layers.Input(inputs)]
    for kind, units, activation in outputs:
        stack.append(layers.Dense(units, activation=activation) if kind == "dense"
                     else layers.UnitNormalization())
    model = Sequential(stack)
    model.compile("adam", loss)
    first = model.evaluate(x, y, batch_size=32, verbose=0)
    model.fit(x, y, epochs=25, batch_size=32, verbose=0)
    assert model.evaluate(x, y, batch_size=32, verbose=0) < first  # it learns
    model.save(tmp_path / "m.keras")
    loaded = models.load_model(tmp_path / "m.keras")
    assert type(loaded.loss) is type(loss) and loaded.loss.get_config() == loss.get_config()
    np.testing.assert_allclose(loaded.evaluate(x, y, batch_size=32, verbose=0),
                               model.evaluate(x, y, batch_size=32, verbose=0), rtol=1e-6)
