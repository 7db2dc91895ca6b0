"""Every activation against Keras 3 (compat/data/activations.npz), its `backward` and its record
on the autodiff tape against finite differences, at its defaults and at each non-default argument
set of the reference file, and `get` / `serialize` / `deserialize` against Keras' names and
messages."""

import functools
import json

import numpy as np
import pytest

from conftest import COMPAT_DATA, finite_difference
from minikeras import activations, autodiff
from minikeras.saving import registry

DATA = np.load(COMPAT_DATA / "activations.npz")
META = json.loads(str(DATA["meta"]))
NAMES = META["names"]  # dir(keras.activations), minus get / serialize / deserialize
CASES = META["cases"]  # [name, kwargs, input key, output key]

# `threshold` has no defaults: the arguments it is called with where one set is enough.
REQUIRED = {"threshold": {"threshold": 0.25, "default_value": -1.0}}
# Every activation at its defaults, then every argument set Keras was called with.
ARGUMENT_SETS = [(name, {}) for name in NAMES if name not in REQUIRED] + [
    (name, kwargs) for name, kwargs, *_ in CASES if kwargs
]
ARGUMENT_IDS = [f"{name}{kwargs or ''}" for name, kwargs in ARGUMENT_SETS]
# Where the piecewise activations have no derivative, at the defaults and those argument sets.
KINKS = np.array([0.0, 0.25, 0.5, 1.0, 3.0, 4.0, 6.0, -0.5, -1.0, -3.0])


def test_every_keras_activation_is_registered_under_its_name():
    assert sorted(registry.builtin_names("activation")) == NAMES
    for name in NAMES:
        assert registry.builtin_names("activation")[name] is getattr(activations, name)


def assert_projects_onto_simplex(x, y, axis):
    """sparsemax(x) = argmin |y - x| over the simplex: y >= 0, sum(y) = 1, and for some tau
    x - y = tau on the support and x <= tau off it."""
    rows_x = np.moveaxis(np.asarray(x, np.float64), axis, -1).reshape(-1, x.shape[axis])
    rows_y = np.moveaxis(np.asarray(y, np.float64), axis, -1).reshape(-1, y.shape[axis])
    for row_x, row_y in zip(rows_x, rows_y):
        support = row_y > 0
        tau = row_x[support] - row_y[support]
        assert row_y.min() >= 0 and abs(row_y.sum() - 1) < 1e-6
        assert np.ptp(tau) < 1e-5 and np.all(row_x[~support] <= tau.mean() + 1e-6)


@pytest.mark.parametrize(
    "name, kwargs, source, key", CASES, ids=[f"{c[0]}{c[1]}-{c[2]}" for c in CASES]
)
def test_matches_keras(name, kwargs, source, key):
    x, expected = DATA[source], DATA[key]
    y = getattr(activations, name)(x, **kwargs)
    assert y.dtype == np.float32 and y.shape == expected.shape
    if name == "sparsemax":
        # Keras 3.15 computes the wrong threshold when the support has 2+ entries
        # (keras-team/keras#23425): check the definition everywhere, Keras where it is right.
        axis = kwargs.get("axis", -1)
        assert_projects_onto_simplex(x, y, axis)
        single = np.broadcast_to(np.sum(y > 0, axis=axis, keepdims=True) == 1, y.shape)
        y, expected = y[single], expected[single]
    np.testing.assert_allclose(y, expected, rtol=1e-6, atol=1e-6)


def away_from_kinks(rng, shape):
    x = rng.uniform(-7, 7, shape)
    while (near := np.abs(x[..., None] - KINKS).min(axis=-1) < 0.05).any():
        x[near] = rng.uniform(-7, 7, near.sum())
    return x


@pytest.mark.parametrize("name, kwargs", ARGUMENT_SETS, ids=ARGUMENT_IDS)
def test_backward_and_tape_match_finite_differences(name, kwargs):
    rng = np.random.default_rng(7)
    fn = getattr(activations, name)
    x = away_from_kinks(rng, (4, 8))
    y = fn(x, **kwargs)
    grad = rng.normal(size=y.shape)
    expected = finite_difference(lambda t: np.sum(grad * fn(t, **kwargs)), x)
    got = fn.backward(x, y, grad, **kwargs)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    # Traced inside a user function, the activation is one primitive with that same rule.
    value, pullback = autodiff.vjp(lambda t: 2.0 * fn(t, **kwargs), x)
    np.testing.assert_array_equal(value, 2.0 * y)
    np.testing.assert_allclose(pullback(grad)[0], 2.0 * got, rtol=1e-12)


def test_arguments_may_be_positional_in_the_activation_and_its_backward():
    x = DATA["x2d"].astype(np.float64)
    grad = np.random.default_rng(0).normal(size=x.shape)
    y = activations.threshold(x, 0.5, -1.0)
    expected = grad * (x > 0.5)
    np.testing.assert_array_equal(activations.threshold.backward(x, y, grad, 0.5, -1.0), expected)
    _, pullback = autodiff.vjp(lambda t: activations.threshold(t, 0.5, default_value=-1.0), x)
    np.testing.assert_array_equal(pullback(grad)[0], expected)
    with pytest.raises(TypeError):
        activations.threshold.backward(x, y, grad)  # `threshold` has no defaults


@pytest.mark.parametrize("name, kwargs", ARGUMENT_SETS, ids=ARGUMENT_IDS)
def test_backward_keeps_float32_and_leaves_its_arguments_alone(name, kwargs):
    fn = getattr(activations, name)
    x = DATA["x2d"]
    y = fn(x, **kwargs)
    grad = np.random.default_rng(0).normal(size=y.shape).astype(np.float32)
    saved = [a.copy() for a in (x, y, grad)]
    got = fn.backward(x, y, grad, **kwargs)
    assert got.dtype == np.float32 and got.shape == x.shape
    for after, before in zip((x, y, grad), saved):
        np.testing.assert_array_equal(after, before)


@pytest.mark.parametrize("name", NAMES)
def test_get_serialize_deserialize_round_trip(name):
    fn = activations.get(name)
    assert fn is getattr(activations, name)
    assert activations.serialize(fn) == META["serialized"][name]  # swish -> 'silu'
    assert activations.deserialize(activations.serialize(fn)) is fn


def test_get_accepts_none_configs_and_callables():
    assert activations.get(None) is activations.linear
    k3_config = {"module": "builtins", "class_name": "function", "config": "relu",
                 "registered_name": "function"}
    assert activations.get(k3_config) is activations.relu
    assert activations.deserialize(k3_config) is activations.relu
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu

    def custom(x):
        return 2 * x

    assert activations.get(custom) is custom
    assert activations.deserialize("custom", custom_objects={"custom": custom}) is custom


@pytest.mark.parametrize(
    "call, identifier", [("get('foo')", "foo"), ("get('Relu')", "Relu"), ("get(5)", 5)]
)
def test_unknown_identifiers_raise_keras_message(call, identifier):
    with pytest.raises(ValueError) as info:
        activations.get(identifier)
    assert f"ValueError: {info.value}" == META["errors"][call]


def test_glu_rejects_an_odd_axis_with_keras_message():
    with pytest.raises(ValueError) as info:
        activations.glu(np.ones((4, 3), np.float32))
    assert f"ValueError: {info.value}" == META["errors"]["glu(shape (4, 3))"]


def test_float_dtype_is_kept_and_other_input_becomes_floatx():
    assert activations.sigmoid(np.zeros(3, np.float64)).dtype == np.float64
    assert activations.softmax(np.zeros(3, np.float16)).dtype == np.float16
    np.testing.assert_array_equal(activations.relu([-1, 2]), np.array([0, 2], np.float32))
    assert activations.relu([-1, 2]).dtype == np.float32


ALONG_AN_AXIS = {"glu", "softmax", "log_softmax", "sparsemax"}


@pytest.mark.parametrize("name", sorted(set(NAMES) - ALONG_AN_AXIS))
def test_elementwise_activations_take_scalars(name):
    fn = functools.partial(getattr(activations, name), **REQUIRED.get(name, {}))
    x = DATA["x2d"]
    for value in (x[0, 0], x[1, 3], x[3, 2]):
        y = fn(value)
        assert np.ndim(y) == 0 and y.dtype == np.float32
        np.testing.assert_allclose(y, fn(x)[x == value], rtol=1e-6)
        assert fn.func.backward(value, y, np.float32(1.0), **fn.keywords).dtype == np.float32


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape", [(300, 10), (300, 100), (5, 300, 10)])
def test_softmax_family_on_many_rows_matches_the_formula(name, shape):
    """Tall inputs take the transposed-reduction path; the values must not change."""
    x = np.random.default_rng(7).normal(scale=5, size=shape)
    shifted = x - x.max(axis=-1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    expected = log_probabilities if name == "log_softmax" else np.exp(log_probabilities)
    np.testing.assert_allclose(getattr(activations, name)(x), expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        getattr(activations, name)(x.astype(np.float32)), expected, rtol=2e-5, atol=1e-6
    )
