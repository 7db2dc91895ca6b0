"""Regularizers against Keras 3 (compat/data/init_reg_con.*, made by compat/make_init_reg_con.py):
names, configs, values and tf.GradientTape gradients; gradients also against finite differences."""

import json

import numpy as np
import pytest

from conftest import COMPAT_DATA, finite_difference
from minikeras import ops
from minikeras import regularizers

DATA = COMPAT_DATA / "init_reg_con"
REF = json.loads(DATA.with_suffix(".json").read_text())
ARRAYS = np.load(DATA.with_suffix(".npz"))
CASES = REF["cases"]["regularizers"]
IDS = [c["id"] for c in CASES]
K3 = REF["k3"]["names"]["regularizers"]
K2 = REF["k2"]["names"]["regularizers"]
# Keras 3 refuses the string 'l1_l2'; minikeras gives what Keras 2 gave: L1L2(0.01, 0.01).
KERAS2_BEHAVIOUR = {"l1_l2"}


def make(case):
    return getattr(regularizers, case["class"])(**case["kwargs"])


def error_text(fn):
    with pytest.raises(Exception) as info:
        fn()
    return f"{type(info.value).__name__}: {info.value}"


def same_config(got, expected):
    """Keras 2 stored factors rounded to float32, Keras 3 partly not: equal up to that rounding."""
    assert list(got) == list(expected)
    for key, value in expected.items():
        assert got[key] == (pytest.approx(value, rel=1e-7) if isinstance(value, float) else value)


@pytest.mark.parametrize("name", sorted(K3["names"]))
def test_public_names_are_keras3s(name):
    assert getattr(regularizers, name).__name__ == K3["names"][name]


@pytest.mark.parametrize("name", sorted(K3["get"]))
def test_get_by_name_matches_keras3(name):
    expected = (K2 if name in KERAS2_BEHAVIOUR else K3)["get"][name]
    if "error" in expected:
        assert error_text(lambda: regularizers.get(name)) == expected["error"]
        return
    obj = regularizers.get(name)
    assert type(obj).__name__ == expected["class"]
    if expected["config"] is None:  # the base class has no config
        assert error_text(obj.get_config).startswith("NotImplementedError: ")
    else:
        same_config(obj.get_config(), expected["config"])


def test_l1_l2_alias_is_the_keras3_class():
    assert regularizers.l1_l2 is regularizers.L1L2
    assert regularizers.l1_l2(l1=0.1).get_config() == {"l1": 0.1, "l2": 0.0}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_config_and_serialization_match_keras3(case):
    expected = REF["k3"]["configs"][case["id"]]
    obj = make(case)
    assert list(obj.get_config().items()) == list(expected["config"].items())
    assert json.loads(json.dumps(regularizers.serialize(obj))) == expected["serialized"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_config_round_trip(case):
    obj = make(case)
    config = obj.get_config()
    assert type(obj).from_config(config).get_config() == config
    again = regularizers.deserialize(json.loads(json.dumps(regularizers.serialize(obj))))
    assert type(again) is type(obj) and again.get_config() == config
    assert regularizers.get(regularizers.serialize(obj)).get_config() == config


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_keras2_configs_load(case):
    k2_config = REF["k2"]["configs"][case["id"]]["config"]
    obj = regularizers.get({"class_name": case["class"], "config": k2_config})
    same_config(obj.get_config(), REF["k3"]["configs"][case["id"]]["config"])


@pytest.mark.parametrize("inputs", ["x", "edge"])  # edge: a zero row and a row of norm < epsilon
@pytest.mark.parametrize("index, case", list(enumerate(CASES)), ids=IDS)
def test_values_and_gradients_match_keras3(index, case, inputs):
    x = ARRAYS[f"reg/{inputs}"]
    obj = make(case)
    value, gradient = obj(x), obj.gradient(x)
    assert isinstance(value, np.float32)
    assert gradient.dtype == np.float32 and gradient.shape == x.shape
    np.testing.assert_allclose(value, ARRAYS[f"reg/{index}/{inputs}/value"], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gradient, ARRAYS[f"reg/{index}/{inputs}/grad"], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradients_match_finite_differences_in_float64(case):
    x = ARRAYS["reg/x"].astype("float64")  # one entry is exactly 0: |x| must have slope 0 there
    obj = make(case)
    gradient = obj.gradient(x)
    assert gradient.dtype == np.float64 and isinstance(obj(x), np.float64)
    np.testing.assert_allclose(gradient, finite_difference(obj, x), rtol=1e-6, atol=1e-9)


def test_orthogonal_regularizer_vanishes_on_orthogonal_rows_and_columns():
    q = np.linalg.qr(np.random.default_rng(0).normal(size=(5, 3)))[0]
    assert regularizers.OrthogonalRegularizer(mode="columns")(q) == pytest.approx(0.0, abs=1e-12)
    assert regularizers.OrthogonalRegularizer(mode="rows")(q.T) == pytest.approx(0.0, abs=1e-12)


def test_base_and_custom_regularizers():
    base = regularizers.Regularizer()
    assert base(np.ones(3)) == 0.0
    np.testing.assert_array_equal(base.gradient(np.ones(3)), np.zeros(3))

    class Sum(regularizers.Regularizer):
        def __call__(self, x):
            return np.sum(x)

        def get_config(self):
            return {}

    # Written with numpy, it cannot be differentiated: a TypeError, not a silent zero.
    with pytest.raises(TypeError):
        Sum().gradient(np.ones(3))

    class HalfSquare(regularizers.Regularizer):
        def __call__(self, x):
            return 0.5 * ops.sum(ops.square(x))

        def get_config(self):
            return {}

    # Written with minikeras.ops, the autodiff tape differentiates it.
    x = np.array([[1.0, -2.0], [3.0, 0.5]], np.float32)
    gradient = HalfSquare().gradient(x)
    assert gradient.dtype == np.float32
    np.testing.assert_allclose(gradient, x)
    assert regularizers.get(None) is None
    instance = regularizers.L2()
    assert regularizers.get(instance) is instance


ERRORS = {
    "regularizer_unknown": lambda: regularizers.get("foo"),
    "l1_negative": lambda: regularizers.L1(-1),
    "l2_nan": lambda: regularizers.L2(float("nan")),
    "l1l2_negative": lambda: regularizers.L1L2(l1=-0.5),
    "l1l2_inf": lambda: regularizers.L1L2(l2=float("inf")),
    "orthogonal_factor_negative": lambda: regularizers.OrthogonalRegularizer(factor=-1),
    "orthogonal_mode": lambda: regularizers.OrthogonalRegularizer(mode="diagonal"),
    "orthogonal_regularizer_rank": lambda: regularizers.OrthogonalRegularizer()(np.ones(3)),
}


@pytest.mark.parametrize("label", sorted(ERRORS))
def test_error_texts_match_keras3(label):
    assert error_text(ERRORS[label]) == REF["errors"][label]


def sum_from_zeros(x, l1, l2):
    """The gradient of L1 / L2 / L1L2 as it was first written: both terms added to zeros."""
    cast = x.dtype.type
    gradient = np.zeros_like(x)
    if l1:
        gradient = gradient + cast(l1) * np.sign(x)
    if l2:
        gradient = gradient + cast(2 * l2) * x
    return gradient


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("regularizer", [
    regularizers.L1(0.3), regularizers.L2(0.02), regularizers.L1L2(0.01, 0.5),
    regularizers.L1L2(0.0, 0.0), regularizers.L1L2(0.2, 0.0), regularizers.L1L2(0.0, 0.2),
], ids=["l1", "l2", "l1l2", "l1l2-none", "l1l2-l1-only", "l1l2-l2-only"])
def test_elementwise_gradients_are_bit_for_bit_the_sum_from_zeros(regularizer, dtype):
    # Signed zeros, a negative that the l2 term underflows to -0.0, infinities and NaN.
    tiny = np.finfo(dtype).smallest_subnormal
    x = np.array([0.0, -0.0, -tiny, tiny, 1.5, -2.25, np.inf, -np.inf, np.nan, 1e30], dtype)
    l1, l2 = getattr(regularizer, "l1", 0.0), getattr(regularizer, "l2", 0.0)
    for value in (x, x.reshape(2, 5), x[1]):  # 0-d too
        got, want = regularizer.gradient(value), sum_from_zeros(value, l1, l2)
        assert np.asarray(got).dtype == want.dtype and np.shape(got) == np.shape(want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
        np.testing.assert_array_equal(got, want)


def test_regularizer_subclasses_and_plain_functions_share_the_tape_gradient():
    from minikeras.layers.base import regularizer_gradient

    def penalty(x):
        return ops.sum(ops.sqrt(ops.abs(x) + 1.0))

    class Penalty(regularizers.Regularizer):
        __call__ = staticmethod(penalty)

    x = np.array([[1.0, -2.0], [0.5, 3.0]], np.float32)
    want = np.sign(x) / (2 * np.sqrt(np.abs(x) + 1))
    for gradient in (Penalty().gradient(x), regularizer_gradient(Penalty(), x),
                     regularizer_gradient(penalty, x)):
        assert gradient.dtype == np.float32
        np.testing.assert_allclose(gradient, want, rtol=1e-6)
    assert regularizer_gradient(penalty, x.astype(np.float64)).dtype == np.float64
