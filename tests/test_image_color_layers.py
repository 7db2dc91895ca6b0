"""Keras 3's colour layers against Keras 3 on TensorFlow (reference data from
compat/make_image_color.py): deterministic outputs and, for the random layers, the output made
from the transformation Keras drew, to 1e-5 of the value range; TensorFlow's gradients;
Keras' configs. Then the draws themselves: seeded, in range, with the right statistics, and
the identity at inference; finite differences of the gradients; Keras' errors."""

import json
import pathlib

import numpy as np
import pytest

import image_color_cases as cc
import minikeras as mk
from conftest import finite_difference
from minikeras import GradientTape, ops
from minikeras.saving import registry

DATA = pathlib.Path(__file__).resolve().parent.parent / "compat" / "data"
REFERENCES = np.load(DATA / "image_color.npz")
META = json.loads((DATA / "image_color.json").read_text())
ALL = {**cc.DETERMINISTIC, **cc.RANDOM}


def close(actual, expected, rtol=1e-5, atol=1e-5):
    expected = np.asarray(expected)
    scale = max(1.0, float(np.abs(expected).max()))  # pixels reach 255: relative to it
    np.testing.assert_allclose(np.asarray(actual) / scale, expected / scale, rtol=rtol,
                               atol=atol)


def keras_transformation(name):
    """The transformation Keras 3 drew for case `name`, as minikeras' layer draws it."""
    keys = cc.TRANSFORMATION_KEYS[cc.RANDOM[name][0]]
    if keys is None:
        return REFERENCES[f"{name}/transformation"]
    if keys == "adjustments":  # RandomColorJitter's, by adjustment, as each layer draws it
        # (minikeras' RandomBrightness and RandomContrast draw an array, the others a dict)
        drawn = {adjustment: REFERENCES[f"{name}/{adjustment}/{key}"]
                 for adjustment, key in cc.JITTER_KEYS.items()
                 if f"{name}/{adjustment}/{key}" in REFERENCES}
        return {adjustment: {"factor": value} if adjustment in ("saturation", "hue") else value
                for adjustment, value in drawn.items()}
    return {key: REFERENCES[f"{name}/{key}"] for key in keys}


def case(name, **extra):
    cls, kwargs, shape = ALL[name]
    layer = getattr(mk.layers, cls)(**kwargs, **extra)
    x = cc.images(name, shape)
    if name in cc.RANDOM:
        transformation = keras_transformation(name)
        layer._draw = lambda shape: transformation  # replay Keras' draw
    return layer, x


@pytest.mark.parametrize("name", list(ALL))
def test_outputs_and_gradients_match_keras(name):
    layer, x = case(name)
    with GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        total = ops.sum(y * cc.upstream(name, tuple(y.shape)))
    assert y.dtype == "float32"
    close(y.value, REFERENCES[f"{name}/y"])
    if META["cases"][name]["gradient"]:
        grad, expected = np.asarray(tape.gradient(total, x)), REFERENCES[f"{name}/g"]
        # TensorFlow's gradient of a constant channel AutoContrast keeps is NaN (its `where`
        # differentiates the NaN stretch too); minikeras' is the identity's
        undefined = np.isnan(expected)
        np.testing.assert_array_equal(grad[undefined], cc.upstream(name, x.shape)[undefined])
        close(np.where(undefined, 0, grad), np.where(undefined, 0, expected), rtol=1e-4,
              atol=1e-5)


# (a constant channel is where AutoContrast jumps: no derivative there)
@pytest.mark.parametrize("name", [n for n in ALL if n != "auto_contrast_constant_channel"])
def test_gradients_match_finite_differences(name):
    """In float64, the draw held fixed (piecewise-constant layers: zero)."""
    layer, x = case(name, dtype="float64")
    x = x.astype(np.float64)
    u = np.random.default_rng(0).normal(size=layer(x, training=True).shape)
    with GradientTape() as tape:
        tape.watch(x)
        total = ops.sum(layer(x, training=True) * u)
    expected = finite_difference(
        lambda v: float(np.sum(np.asarray(layer(v, training=True)) * u)), x, eps=1e-5)
    np.testing.assert_allclose(tape.gradient(total, x), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", list(ALL))
def test_config_is_keras_3s_and_round_trips(name):
    layer, _ = case(name)
    ours = json.loads(json.dumps(layer.get_config()))
    keras = dict(META["configs"][name])
    if "seed" in keras:
        keras["seed"] = ours["seed"]  # the compat script's own seeds
    for config in (ours, keras):
        config.pop("name")
    assert ours == keras
    clone = registry.deserialize("layer", json.loads(json.dumps(registry.serialize(layer))))
    assert json.loads(json.dumps(clone.get_config())) == json.loads(json.dumps(
        layer.get_config()))


def test_keras_file_loads_and_predicts(tmp_path):
    """Keras' file of a model with the colour layers: its predictions (AutoContrast the only
    one transforming at inference), and the same again from minikeras' own file."""
    files = DATA / "files" / "image"
    data = np.load(files / "k3_color.npz")
    model = mk.models.load_model(files / "k3_color.keras")
    assert [type(layer).__name__ for layer in model.layers] == [c for c, _ in cc.MODEL_LAYERS]
    close(model.predict(data["x"], verbose=0), data["pred"], atol=1e-6)
    for i, weight in enumerate(model.get_weights()):
        np.testing.assert_array_equal(weight, data[f"w{i}"])
    model.save(tmp_path / "again.keras")
    again = mk.models.load_model(tmp_path / "again.keras")
    close(again.predict(data["x"], verbose=0), data["pred"], atol=1e-6)


# -- the draws ------------------------------------------------------------------------------

RANDOM_LAYERS = {
    "grayscale": lambda seed: mk.layers.RandomGrayscale(seed=seed),
    "invert": lambda seed: mk.layers.RandomInvert(seed=seed),
    "solarization": lambda seed: mk.layers.Solarization(0.5, 0.5, seed=seed),
    "posterization": lambda seed: mk.layers.RandomPosterization((1, 8), seed=seed),
    "saturation": lambda seed: mk.layers.RandomSaturation(0.9, seed=seed),
    "hue": lambda seed: mk.layers.RandomHue(0.9, seed=seed),
    "color_degeneration": lambda seed: mk.layers.RandomColorDegeneration(0.9, seed=seed),
    "sharpness": lambda seed: mk.layers.RandomSharpness(0.9, seed=seed),
    "color_jitter": lambda seed: mk.layers.RandomColorJitter(
        brightness_factor=0.2, contrast_factor=0.3, saturation_factor=0.5, hue_factor=0.2,
        seed=seed),
}


@pytest.mark.parametrize("name", RANDOM_LAYERS)
def test_random_layers_are_seeded_and_the_identity_at_inference(name):
    x = cc.images(name, (8, 6, 7, 3))
    first, again, other = (RANDOM_LAYERS[name](seed) for seed in (3, 3, 4))
    draws = [np.asarray(first(x, training=True)) for _ in range(2)]
    np.testing.assert_array_equal(np.asarray(again(x, training=True)), draws[0])
    assert not np.array_equal(np.asarray(other(x, training=True)), draws[0])
    assert not np.array_equal(draws[0], draws[1])  # each call draws anew
    assert not np.array_equal(np.asarray(first(x)), np.asarray(first(x)))  # training by default
    np.testing.assert_array_equal(first(x, training=False), x)
    model = mk.Sequential([mk.Input(x.shape[1:]), RANDOM_LAYERS[name](1)])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    assert META["cases"][name]["inference_is_identity"]


def test_draws_have_keras_ranges_and_statistics():
    shape = (4000, 5, 6, 3)
    turn = mk.layers.RandomGrayscale(0.3, seed=0)._draw(shape)
    assert turn.shape == (4000, 1, 1, 1) and abs(turn.mean() - 0.3) < 0.03
    # the probability of inverting is drawn from (0.2, 0.6), then applied: 0.4 on average
    invert = mk.layers.RandomInvert((0.2, 0.6), seed=0)._draw(shape)["apply_inversion"]
    assert invert.shape == (4000,) and abs(invert.mean() - 0.4) < 0.03
    draws = mk.layers.Solarization((0.1, 0.2), 0.5, seed=0)._draw(shape)
    additions, thresholds = draws["additions"], draws["thresholds"]
    assert additions.shape == thresholds.shape == (4000, 1, 1, 1)
    assert 0.1 <= additions.min() < 0.2 and 50.5 < additions.max() <= 51  # [0.1, 0.2 * 255]
    assert 0 <= thresholds.min() < 0.2 and 127 < thresholds.max() <= 127.5
    shifts = mk.layers.RandomPosterization((2, 6), seed=0)._draw(shape)["shift_factor"]
    assert shifts.dtype == np.uint8  # 8 - bits, bits in {2, ..., 5}
    np.testing.assert_allclose(np.bincount(shifts, minlength=7)[3:], 1000, rtol=0.1)
    assert set(np.unique(mk.layers.RandomPosterization(
        (5, 5), seed=0)._draw(shape)["shift_factor"])) == {3}

    # f / (1 - f): f in (0.2, 0.6) scales the saturation by (0.25, 1.5)
    saturation = mk.layers.RandomSaturation((0.2, 0.6), seed=0)._draw(shape)["factor"]
    assert saturation.shape == (4000,) and 0.25 <= saturation.min() < 0.26
    assert 1.49 < saturation.max() <= 1.5
    hue = mk.layers.RandomHue((0.2, 0.6), seed=0)._draw(shape)["factor"]  # half a turn: 1
    assert 0.1 <= np.abs(hue).min() < 0.101 and 0.299 < np.abs(hue).max() <= 0.3
    assert abs((hue > 0).mean() - 0.5) < 0.03
    degeneration = mk.layers.RandomColorDegeneration(0.4, seed=0)._draw(shape)["factor"]
    assert degeneration.shape == (4000, 1, 1, 1) and -0.4 <= degeneration.min() < -0.39
    assert 0.39 < degeneration.max() <= 0.4 and abs(degeneration.mean()) < 0.01
    sharpness = mk.layers.RandomSharpness(0.4, seed=0)._draw(shape)["factor"]
    assert sharpness.shape == (4000,) and 0 <= sharpness.min() < 0.01
    assert 0.39 < sharpness.max() <= 0.4


def test_saturation_and_hue_keep_what_they_should():
    x = cc.images("saturation", (4, 4, 5, 3))
    grey = mk.layers.RandomSaturation(0.0)  # f = 0: no saturation left
    grey._draw = lambda shape: {"factor": np.zeros(4, np.float32)}
    y = np.asarray(grey(x))
    np.testing.assert_allclose(y, np.broadcast_to(x.max(axis=-1, keepdims=True), x.shape),
                               rtol=1e-6)  # grey at each pixel's value (its largest channel)
    same = mk.layers.RandomSaturation(0.0)
    same._draw = lambda shape: {"factor": np.ones(4, np.float32)}
    np.testing.assert_allclose(same(x), x, rtol=1e-5, atol=1e-3)
    turn = mk.layers.RandomHue(1.0)  # a whole turn in two halves: back where it was
    turn._draw = lambda shape: {"factor": np.full(4, 0.5, np.float32)}
    np.testing.assert_allclose(turn(turn(x)), x, rtol=1e-5, atol=1e-3)


def test_degeneration_and_sharpness_at_their_ends():
    x = cc.images("sharpness", (2, 5, 6, 3))
    gray = mk.layers.RandomColorDegeneration(1.0)
    gray._draw = lambda shape: {"factor": np.ones((2, 1, 1, 1), np.float32)}
    np.testing.assert_allclose(gray(x), mk.layers.RandomGrayscale(1.0)(x), rtol=1e-6)
    layer = mk.layers.RandomSharpness(1.0)
    layer._draw = lambda shape: {"factor": np.full(2, 0.5, np.float32)}  # s = 1: unchanged
    np.testing.assert_allclose(layer(x), x, rtol=1e-6)
    layer._draw = lambda shape: {"factor": np.zeros(2, np.float32)}  # s = 0: the smoothing
    kernel = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]]) / 13
    padded = np.pad(x, [(0, 0), (1, 1), (1, 1), (0, 0)])
    smoothed = sum(kernel[i, j] * padded[:, i:i + 5, j:j + 6] for i in range(3) for j in range(3))
    np.testing.assert_allclose(layer(x), smoothed, rtol=1e-5)


def test_color_jitter_is_its_adjustments_in_turn():
    x = cc.images("color_jitter", (3, 5, 6, 3))
    jitter = mk.layers.RandomColorJitter(brightness_factor=0.3, hue_factor=0.4, seed=2)
    drawn = jitter._draw(x.shape)
    assert set(drawn) == {"brightness", "hue"}
    brightness, hue = mk.layers.RandomBrightness(0.3), mk.layers.RandomHue(0.4)
    brightness._draw = lambda shape: drawn["brightness"]
    hue._draw = lambda shape: drawn["hue"]
    jitter._draw = lambda shape: drawn
    np.testing.assert_allclose(jitter(x), hue(brightness(x)), rtol=1e-6)
    np.testing.assert_array_equal(mk.layers.RandomColorJitter(seed=1)(x), x)  # none given


def test_equalization_spreads_each_channel_over_the_range_in_training_only():
    x = cc.images("equalization", (2, 16, 16, 3)) ** 2 / 255  # crowded at the dark end
    layer = mk.layers.Equalization()
    y = np.asarray(layer(x))
    assert y.min() == 0 and y.max() == 255 and np.array_equal(y, np.round(y))
    for channel in range(3):  # about as many pixels in each quarter of the range (the
        # lowest bin's all go to 0)
        counts = np.histogram(y[..., channel], bins=4, range=(0, 256))[0]
        np.testing.assert_allclose(counts, 128, rtol=0.2)
        assert np.histogram(x[..., channel], bins=4, range=(0, 256))[0][0] > 200
    np.testing.assert_array_equal(layer(x, training=False), x)
    model = mk.Sequential([mk.Input(x.shape[1:]), mk.layers.Equalization()])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


def test_solarization_inverts_what_is_above_the_threshold():
    x = np.array([10.0, 100.0, 200.0, 250.0], np.float32).reshape(1, 1, 4, 1)
    layer = mk.layers.Solarization()
    layer._draw = lambda shape: {"additions": np.float32([[[[30.0]]]]),
                                 "thresholds": np.float32([[[[150.0]]]])}
    np.testing.assert_array_equal(layer(x), [[[[40.0], [130.0], [25.0], [0.0]]]])
    np.testing.assert_array_equal(mk.layers.Solarization()(x), 255 - x)  # defaults: all


def test_posterization_keeps_the_top_bits():
    x = np.array([0.0, 37.9, 128.5, 255.0], np.float32).reshape(1, 1, 4, 1)
    layer = mk.layers.RandomPosterization((2, 2))
    np.testing.assert_array_equal(layer(x), [[[[0.0], [0.0], [128.0], [192.0]]]])


def test_auto_contrast_stretches_each_channel_and_keeps_constant_ones():
    x = cc.images("auto_contrast_constant_channel", (2, 4, 5, 3))
    y = np.asarray(mk.layers.AutoContrast()(x))
    np.testing.assert_array_equal(y[0, ..., 1], x[0, ..., 1])
    others = np.delete(y.reshape(2, -1, 3), [1], axis=-1)
    np.testing.assert_allclose(others.min(axis=1), 0, atol=1e-4)
    np.testing.assert_allclose(others.max(axis=1), 255, rtol=1e-6)
    np.testing.assert_array_equal(mk.layers.AutoContrast()(x, training=False), y)


@pytest.mark.parametrize("make, error, message", [
    (lambda: mk.layers.RandomGrayscale(1.5), ValueError,
     r"^`factor` should be between 0 and 1. Received: factor=1.5$"),
    (lambda: mk.layers.RandomGrayscale()(np.ones((1, 3, 3, 2), "float32")), ValueError,
     r"Invalid channel size: expected 3 \(RGB\) or 1 \(Grayscale\). Received input with "
     r"shape: images.shape=\(1, 3, 3, 2\)"),
    (lambda: mk.layers.RandomInvert(-0.5), ValueError,
     r"The `factor` argument should be a number \(or a list of two numbers\) in the range "
     r"\[0, 1\]. Received: factor=-0.5"),
    (lambda: mk.layers.Solarization(addition_factor=1.5), ValueError,
     r"^The `addition_factor` and `threshold_factor` arguments should be a number \(or a "
     r"list of two numbers\) in the range \[0, 1\]. Received: input_number=1.5$"),
    (lambda: mk.layers.Solarization(threshold_factor=(0.1, 0.2, 0.3)), ValueError,
     r"Received: threshold_factor=\(0.1, 0.2, 0.3\)$"),
    (lambda: mk.layers.Solarization(threshold_factor="high"), ValueError,
     r"Received: threshold_factor=high$"),
    (lambda: mk.layers.Solarization(value_range=(0, 1, 2)), ValueError,
     r"^The `value_range` argument should be a list of two numbers. "
     r"Received: value_range=\(0, 1, 2\)$"),
    (lambda: mk.layers.RandomPosterization(9), ValueError,
     r"in the range \[1, 8\]. Received: factor=9"),
    (lambda: mk.layers.RandomSaturation(1.2), ValueError,
     r"in the range \[-1, 1\]. Received: factor=1.2"),
    (lambda: mk.layers.RandomSaturation(0.5, value_range=[1]), ValueError,
     r"Received: value_range=\[1\]$"),
    (lambda: mk.layers.RandomHue(-0.2), ValueError,
     r"in the range \[0, 1\]. Received: factor=-0.2"),
    (lambda: mk.layers.RandomColorDegeneration(-1.5), ValueError,
     r"in the range \[-1, 1\]. Received: factor=-1.5"),
    (lambda: mk.layers.RandomSharpness((0.1, 0.2, 0.3)), ValueError,
     r"in the range \[0, 1\]. Received: factor=\(0.1, 0.2, 0.3\)"),
    (lambda: mk.layers.RandomSharpness(0.5, value_range="unit"), ValueError,
     r"Received: value_range=unit$"),
    (lambda: mk.layers.RandomColorJitter(hue_factor=1.5), ValueError,
     r"in the range \[0, 1\]. Received: factor=1.5"),
    (lambda: mk.layers.Equalization(value_range=(0,)), ValueError,
     r"Received: value_range=\(0,\)$"),
    (lambda: mk.layers.AutoContrast(value_range=255), ValueError,
     r"Received: value_range=255$"),
    (lambda: mk.layers.AutoContrast()(np.ones((2, 3), "float32")), ValueError,
     r"Expected image tensor to have rank 3 \(single image\) or 4 \(batch of images\)"),
])
def test_bad_arguments_are_refused_as_keras_refuses_them(make, error, message):
    with pytest.raises(error, match=message):
        make()
