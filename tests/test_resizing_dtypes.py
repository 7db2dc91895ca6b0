"""Resizing, CenterCrop and RandomCrop on integer and float images against Keras 3 on
TensorFlow (compat/make_resizing_dtypes.py): the output's dtype and shape, and its values,
exactly for integer outputs and to 1e-5 for floats, for every way the oracle called them
(the layer, in a functional model and a Sequential, called and in `predict`, in a `tf.data`
map, in a `tf.function`, and symbolically)."""

import json
import pathlib

import numpy as np
import pytest

import minikeras as mk
from minikeras.compat import tensorflow as tf

DATA = pathlib.Path(__file__).resolve().parent.parent / "compat" / "data"
META = json.loads((DATA / "resizing_dtypes.json").read_text())
ARRAYS = np.load(DATA / "resizing_dtypes.npz")
CASES = {case["name"]: case for case in META["cases"]}


def run(case, x):
    layer = getattr(mk.layers, case["layer"])(**case["kwargs"])
    mode = case["mode"]
    if mode == "symbolic":
        return layer(mk.Input(x.shape[1:], dtype=x.dtype.name))
    if mode == "call":
        kwargs = {} if case["training"] is None else {"training": case["training"]}
        return np.asarray(layer(x, **kwargs))
    if mode.startswith("model_"):
        inputs = mk.Input(x.shape[1:], dtype=x.dtype.name)
        model = mk.Model(inputs, layer(inputs))
    elif mode.startswith("sequential_"):
        model = mk.Sequential([layer])
    if mode in ("model_call", "sequential_call"):
        return np.asarray(model(x))
    if mode in ("model_predict", "sequential_predict"):
        return model.predict(x, verbose=0)
    if mode == "dataset_map":
        return np.asarray(next(iter(
            tf.data.Dataset.from_tensor_slices(x).batch(len(x)).map(layer))))
    return np.asarray(tf.function(layer)(x))


def close(actual, expected):
    """Floats to 1e-5 of the largest magnitude (pixels reach 255 and more)."""
    scale = max(1.0, float(np.abs(expected.astype(np.float64)).max()))
    np.testing.assert_allclose(actual.astype(np.float64) / scale,
                               expected.astype(np.float64) / scale, rtol=1e-5, atol=1e-5)


def as_floats(case, x):
    """minikeras' float32 resize of the case's images (what its integer outputs round)."""
    return np.asarray(mk.layers.Resizing(**case["kwargs"])(x.astype(np.float32)), np.float64)


def assert_integers_match(y, expected, case, x):
    """Exact, but for TensorFlow's float32 arithmetic: integers round a float32 result, and
    TensorFlow sums taps in orders of its own (lanczos, bicubic, area), so where the result is
    within float32 rounding (relative to the pixels summed) of a half either neighbour is
    right, and beyond 2**24 (where float32 steps exceed 1) the outputs agree to that rounding. And Keras saturates int32 and int64
    at the float32 above their maximum (2**31, 2**63), which TensorFlow's cast wraps to their
    minimum: minikeras saturates to the maximum."""
    mismatch = y != expected
    if not mismatch.any():
        return
    floats = as_floats(case, x)
    info = np.iinfo(y.dtype)
    wrapped = (expected == info.min) & (floats > info.max)
    assert (y[wrapped] == info.max).all()
    # float32 sums of taps err in proportion to the pixels they sum
    slack = 16 * np.finfo(np.float32).eps * max(1.0, float(np.abs(x.astype(np.float64)).max()))
    difference = np.abs(y.astype(np.float64) - expected.astype(np.float64))
    near_half = np.abs(floats - np.floor(floats) - 0.5) <= slack
    allowed = wrapped | (difference <= slack) | (near_half & (difference <= 1))
    assert allowed.all(), np.argwhere(~allowed)[:5]


@pytest.mark.parametrize("name", sorted(name for name, case in CASES.items() if "error" not in case))
def test_outputs_match_keras(name):
    case = CASES[name]
    x = ARRAYS[case["input"]]
    y = run(case, x)
    assert (mk.backend.standardize_dtype(y.dtype), list(y.shape)) == (
        case["y"]["dtype"], case["y"]["shape"])
    if case["mode"] == "symbolic" or case["layer"] == "RandomCrop" and any(
            a > b for a, b in zip(x.shape[1:3], case["y"]["shape"][1:3])):
        return  # a symbolic tensor's spec; a crop at a place of Keras' own drawing
    expected = ARRAYS[name]
    if expected.dtype.kind in "iu":
        assert_integers_match(y, expected, case, x)
    else:
        close(y, expected)


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if "error" in c))
def test_a_float_fill_value_pads_integer_images(name):
    """Keras on TensorFlow cannot pad integer images with a float `fill_value` (not even the
    default 0.0: TensorFlow refuses to convert it); minikeras pads them as it pads floats and
    rounds the result as it rounds every integer resize."""
    case = CASES[name]
    assert case["error"]["type"] == "TypeError" and "Cannot convert" in case["error"]["message"]
    x = ARRAYS[case["input"]]
    y = run(case, x)
    info = np.iinfo(x.dtype)
    assert y.dtype == x.dtype
    expected = np.clip(np.rint(as_floats(case, x)), info.min, info.max).astype(x.dtype)
    assert_integers_match(y, expected, case, x)
    assert (y != expected).mean() < 0.05  # only at halves


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_saturation_at_the_top_of_int32_and_int64(dtype):
    """The one place minikeras parts from Keras on integers: Keras' saturation wraps values
    above the maximum to the minimum (see `assert_integers_match`); minikeras' stop at it."""
    case = CASES[f"saturate_{dtype}_bicubic/call"]
    x, expected = ARRAYS[case["input"]], ARRAYS[case["name"]]
    y = run(case, x)
    info = np.iinfo(dtype)
    assert expected[0, 3, 3, 0] == info.min and y[0, 3, 3, 0] == info.max


def test_predict_runs_traced_unless_the_model_runs_eagerly():
    """Keras 3.15 on TensorFlow: predict of a uint8 Input through Resizing gives float32
    (its traced step), and uint8 rounded after `compile(run_eagerly=True)`."""
    from minikeras import Input, Model, layers

    inputs = Input((4, 4, 1), dtype="uint8")
    model = Model(inputs, layers.Resizing(3, 3)(inputs))
    x = (np.arange(32).reshape(2, 4, 4, 1) * 7).astype("uint8")
    traced = model.predict(x, verbose=0)
    assert traced.dtype == np.float32
    np.testing.assert_allclose(traced.ravel()[:5], [5.833334, 15.166667, 24.500002, 43.166668,
                                                    52.5], rtol=1e-6)
    model.compile(run_eagerly=True)
    eager = model.predict(x, verbose=0)
    assert model.run_eagerly and eager.dtype == np.uint8
    np.testing.assert_array_equal(eager.ravel()[:5], [6, 15, 25, 43, 52])
