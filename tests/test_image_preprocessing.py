"""Image preprocessing and augmentation layers against Keras 3 on TensorFlow (reference data
from compat/make_image_preprocessing.py): deterministic outputs and, for the random layers, the
output made from the transformation Keras drew, to 1e-5; TensorFlow's gradients; configs of
both generations; files both generations saved. Then the draws themselves: seeded, in range,
with the right statistics, and the identity at inference."""

import json
import pathlib

import numpy as np
import pytest

import image_preprocessing_cases as ic
import minikeras as mk
from conftest import finite_difference
from minikeras import GradientTape, ops
from minikeras.layers.preprocessing.image_preprocessing import (
    random_rotation, random_translation, random_zoom,
)
from minikeras.saving import registry

DATA = pathlib.Path(__file__).resolve().parent.parent / "compat" / "data"
REFERENCES = np.load(DATA / "image_preprocessing.npz")
META = json.loads((DATA / "image_preprocessing.json").read_text())
FILES = DATA / "files" / "image"
MANIFEST = json.loads((FILES / "manifest.json").read_text())


def close(actual, expected, rtol=1e-5, atol=1e-5, **kwargs):
    expected = np.asarray(expected)
    scale = max(1.0, float(np.abs(expected).max()))  # pixels reach 255: relative to it
    np.testing.assert_allclose(np.asarray(actual) / scale, expected / scale, rtol=rtol,
                               atol=atol, **kwargs)


def keras_transformation(name, layer, x):
    """The transformation Keras 3 drew for case `name`, as minikeras' layer takes it."""
    cls = ic.RANDOM[name][0]
    get = lambda key: REFERENCES[f"{name}/{key}"]  # noqa: E731
    height, width = layer._size_of(x)
    if cls == "RandomRotation":
        return random_rotation.rotation_transforms(get("angle"), height, width)
    if cls == "RandomZoom":
        return random_zoom.zoom_transforms(get("height_zoom")[:, 0], get("width_zoom")[:, 0],
                                           height, width)
    if cls == "RandomTranslation":
        shifts = get("translations")  # (columns, rows) in pixels
        return random_translation.translation_transforms(shifts[:, 1], shifts[:, 0])
    if cls == "RandomFlip":
        return get("flips").reshape(-1)
    return get("contrast_factor" if cls == "RandomContrast" else "rgb_delta")


def case(name):
    cls, kwargs, shape = {**ic.DETERMINISTIC, **ic.RANDOM}[name]
    layer = getattr(mk.layers, cls)(**kwargs)
    x = ic.images(name, shape)
    if name in ic.RANDOM:
        transformation = keras_transformation(name, layer, x)
        layer._draw = lambda shape: transformation  # replay Keras' draw
    return layer, x


# TensorFlow's gradient of a projective transform is the inverse transform applied to the
# output's gradient, an approximation of its adjoint (no fill, other taps): minikeras'
# is exact (test_random_layer_gradients_match_finite_differences).
AFFINE = ("RandomRotation", "RandomZoom", "RandomTranslation")


@pytest.mark.parametrize("name", [*ic.DETERMINISTIC, *ic.RANDOM])
def test_outputs_and_gradients_match_keras(name):
    layer, x = case(name)
    with GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        total = ops.sum(y * ic.upstream(name, tuple(y.shape)))
    close(y.value, REFERENCES[f"{name}/y"])
    # TensorFlow has no gradient for area resizing (the battery's finite differences check it)
    if META["cases"][name]["gradient"] and type(layer).__name__ not in AFFINE:
        close(tape.gradient(total, x), REFERENCES[f"{name}/g"], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", [n for n in ic.RANDOM if not n.startswith("flip")])
def test_random_layer_gradients_match_finite_differences(name):
    """Each draw's transform is linear in the pixels (clipped for colour): its hand-written
    adjoint against central differences in float64, the draw held fixed (a few pixels of
    each batch, none within a difference step of a clip bound)."""
    cls, kwargs, shape = ic.RANDOM[name]
    layer = getattr(mk.layers, cls)(dtype="float64", **kwargs)
    x = ic.images(name, shape).astype(np.float64)[:2, :4, :5]
    transformation = keras_transformation(name, layer, ic.images(name, shape))
    transformation = transformation[:2] if transformation.ndim > 1 else transformation
    if cls == "RandomBrightness":
        transformation = transformation * 0.5
    layer._draw = lambda shape: transformation
    assert_gradient_is_finite_differences(layer, x)


def assert_gradient_is_finite_differences(layer, x):
    """The layer's gradient in training (of a random weighting of its output) against central
    differences, its draws repeating (a fixed `_draw`, or one a seed fixes)."""
    u = np.random.default_rng(0).normal(size=layer(x, training=True).shape)
    with GradientTape() as tape:
        tape.watch(x)
        total = ops.sum(layer(x, training=True) * u)
    expected = finite_difference(
        lambda v: float(np.sum(np.asarray(layer(v, training=True)) * u)), x, eps=1e-4)
    np.testing.assert_allclose(tape.gradient(total, x), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", [*ic.DETERMINISTIC, *ic.RANDOM])
def test_config_is_keras_3s_and_round_trips(name):
    layer, _ = case(name)
    ours = json.loads(json.dumps(layer.get_config()))
    keras = dict(META["configs"]["k3"][name])
    if name in ic.RANDOM or ic.DETERMINISTIC[name][0] == "RandomCrop":
        keras["seed"] = ours["seed"]  # the compat script's own seeds
    for config in (ours, keras):
        config.pop("name")
    assert ours == keras
    clone = registry.deserialize("layer", json.loads(json.dumps(registry.serialize(layer))))
    assert json.loads(json.dumps(clone.get_config())) == json.loads(json.dumps(
        layer.get_config()))


@pytest.mark.parametrize("name", sorted(META["configs"]["k2"]))
def test_keras2_configs_load(name):
    config = META["configs"]["k2"][name]
    cls = {**ic.DETERMINISTIC, **ic.RANDOM}[name][0]
    layer = registry.deserialize("layer", {"class_name": cls, "config": config})
    ours = layer.get_config()
    for key, value in config.items():
        if key in ("rng_type", "dtype", "name"):
            continue
        if key == "factor" and not isinstance(value, list):
            value = list(layer._standardize_factor(value))
        assert json.loads(json.dumps(ours[key])) == value, key


@pytest.mark.parametrize("name", sorted(n for n in MANIFEST if not n.endswith("weights.h5")))
def test_keras_files_load_and_predict(name):
    data = np.load(FILES / MANIFEST[name]["npz"])
    model = mk.models.load_model(FILES / name)
    close(model.predict(data["x"], verbose=0), data["pred"], atol=1e-6)
    for weight, expected in zip(model.get_weights(), (data[f"w{i}"] for i in range(9))):
        np.testing.assert_array_equal(weight, expected)


@pytest.mark.parametrize("name", sorted(n for n in MANIFEST if n.endswith("weights.h5")))
def test_keras_weight_files_load(name):
    entry = MANIFEST[name]
    input_shape, specs = ic.model_specs(entry["writer"])[entry["model"]]
    model = mk.Sequential([mk.Input(input_shape)] + [
        getattr(mk.layers, cls)(**kwargs) for cls, kwargs in specs])
    model.load_weights(FILES / name)
    data = np.load(FILES / entry["npz"])
    close(model.predict(data["x"], verbose=0), data["pred"], atol=1e-6)


def test_our_files_load_back(tmp_path):
    """What minikeras writes of these models it reads back to the same predictions (real Keras
    reading them: compat/check_our_files.py, the `image_*` rows of docs/compat.md); `.h5`
    leaves out the Keras 3 arguments tf_keras' image layers refuse while they hold tf_keras'
    behaviour."""
    from minikeras.saving import legacy_h5

    model = mk.models.load_model(FILES / "k3_resize_methods.keras")
    resizings = [entry["config"] for entry in legacy_h5.model_config(model)["config"]["layers"]
                 if entry["class_name"] == "Resizing"]
    assert len(resizings) == 3
    for config in resizings:
        assert not {"data_format", "antialias", "pad_to_aspect_ratio"} & set(config)
    for name in ("k3_augment_resize.keras", "k2_random_crop.h5"):
        data = np.load(FILES / MANIFEST[name]["npz"])
        model = mk.models.load_model(FILES / name)
        for suffix in (".keras", ".h5"):
            path = tmp_path / (name.split(".")[0] + suffix)
            model.save(path)
            again = mk.models.load_model(path)
            close(again.predict(data["x"], verbose=0), data["pred"], atol=1e-6)


# -- the draws ------------------------------------------------------------------------------

RANDOM_LAYERS = {
    "flip": lambda seed: mk.layers.RandomFlip(seed=seed),
    "rotation": lambda seed: mk.layers.RandomRotation(0.2, seed=seed),
    "zoom": lambda seed: mk.layers.RandomZoom(0.3, (-0.2, 0.4), seed=seed),
    "translation": lambda seed: mk.layers.RandomTranslation(0.2, 0.3, seed=seed),
    "contrast": lambda seed: mk.layers.RandomContrast(0.5, seed=seed),
    "brightness": lambda seed: mk.layers.RandomBrightness(0.3, seed=seed),
    "crop": lambda seed: mk.layers.RandomCrop(5, 6, seed=seed),
}


@pytest.mark.parametrize("name", RANDOM_LAYERS)
def test_random_layers_are_seeded_and_the_identity_at_inference(name):
    x = ic.images(name, (4, 8, 9, 3))
    first, again, other = (RANDOM_LAYERS[name](seed) for seed in (3, 3, 4))
    draws = [np.asarray(first(x, training=True)) for _ in range(2)]
    np.testing.assert_array_equal(np.asarray(again(x, training=True)), draws[0])
    assert not np.array_equal(np.asarray(other(x, training=True)), draws[0])
    assert not np.array_equal(draws[0], draws[1])  # each call draws anew
    assert not np.array_equal(np.asarray(first(x)), np.asarray(first(x)))  # training by default
    if name != "crop":
        np.testing.assert_array_equal(first(x, training=False), x)
        model = mk.Sequential([mk.Input(x.shape[1:]), RANDOM_LAYERS[name](1)])
        np.testing.assert_array_equal(model.predict(x, verbose=0), x)
        np.testing.assert_array_equal(model(x, training=False), x)


def test_random_crop_at_inference_resizes_the_centre():
    """As Keras 3 documents it and tf_keras does (Keras 3.15 returns its input uncropped)."""
    x = ic.images("crop", (2, 8, 12, 1))
    expected = mk.layers.Resizing(4, 4, crop_to_aspect_ratio=True)(x)
    np.testing.assert_allclose(mk.layers.RandomCrop(4, 4)(x, training=False), expected)


@pytest.mark.parametrize("target, shape", [((6, 9), (2, 5, 7, 2)), ((5, 8), (1, 9, 6, 1))])
def test_random_crop_of_smaller_images_passes_gradients(target, shape):
    """Training on an image not larger than the target: Keras 3.15's cut from the aspect
    window's start, stretched (its values: tests/test_resizing_dtypes.py), differentiated."""
    layer = mk.layers.RandomCrop(*target, seed=0, dtype="float64")
    assert_gradient_is_finite_differences(layer, ic.images("crop", shape).astype(np.float64))


def test_draws_have_keras_ranges_and_statistics():
    shape = (4000, 5, 6, 1)
    rotation = mk.layers.RandomRotation((-0.1, 0.25), seed=0)
    transforms = rotation._draw(shape)
    angles = np.degrees(np.arctan2(transforms[:, 3], transforms[:, 0]))
    assert -36 <= angles.min() < -35 and 89 < angles.max() <= 90
    zoom = mk.layers.RandomZoom((-0.2, 0.4), seed=0)._draw(shape)
    assert 0.8 <= zoom[:, 0].min() < 0.81 and 1.39 < zoom[:, 0].max() <= 1.4
    np.testing.assert_array_equal(zoom[:, 0], zoom[:, 4])  # one factor keeps the aspect ratio
    zoom = mk.layers.RandomZoom(0.3, 0.1, seed=0)._draw(shape)
    assert abs(zoom[:, 4].mean() - 1) < 0.01 and zoom[:, 0].max() <= 1.1
    assert np.corrcoef(zoom[:, 0], zoom[:, 4])[0, 1] < 0.1  # drawn independently
    shifts = mk.layers.RandomTranslation(0.5, (0.0, 0.2), seed=0)._draw(shape)
    assert -2.5 <= shifts[:, 5].min() < -2.49 and 2.49 < shifts[:, 5].max() <= 2.5  # rows
    assert -1.2 <= shifts[:, 2].min() < -1.19 and shifts[:, 2].max() <= 0  # columns, negated
    flips = mk.layers.RandomFlip(seed=0)._draw(shape)
    assert abs(flips.mean() - 0.5) < 0.03
    contrast = mk.layers.RandomContrast(0.5, seed=0)._draw(shape)
    assert contrast.shape == (4000, 1, 1, 1) and 1 <= contrast.min() < 1.01  # Keras 3: (0, f)
    assert 1.49 < contrast.max() <= 1.5 and abs(contrast.mean() - 1.25) < 0.01
    delta = mk.layers.RandomBrightness((-0.2, 0.1), value_range=(0, 2), seed=0)._draw(shape)
    assert -0.4 <= delta.min() < -0.39 and 0.19 < delta.max() <= 0.2
    crop = mk.layers.RandomCrop(5, 6, seed=0)
    starts = np.array([crop._draw((1, 8, 9, 1)) for _ in range(3000)])
    for axis, count in enumerate((4, 4)):  # every position, about equally often
        frequencies = np.bincount(starts[:, axis], minlength=count) / len(starts)
        np.testing.assert_allclose(frequencies, 1 / count, atol=0.03)


def test_flip_modes_flip_what_they_name():
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(1, 3, 4, 2)
    for mode, axes in (("horizontal", (2,)), ("vertical", (1,)),
                       ("horizontal_and_vertical", (1, 2))):
        layer = mk.layers.RandomFlip(mode)
        layer._draw = lambda shape: np.array([True])
        np.testing.assert_array_equal(layer(x), np.flip(x, axes))


def test_contrast_and_brightness_clip_to_the_value_range():
    x = ic.images("clip", (8, 4, 4, 3))
    for layer in (mk.layers.RandomContrast(1.0, seed=1),
                  mk.layers.RandomBrightness(1.0, seed=1)):
        y = np.asarray(layer(x, training=True))
        assert y.min() == 0 and y.max() == 255


@pytest.mark.parametrize("make, error, message", [
    (lambda: mk.layers.RandomRotation(1.5), ValueError,
     r"The `factor` argument should be a number \(or a list of two numbers\) in the range "
     r"\[-1, 1\]. Received: factor=1.5"),
    (lambda: mk.layers.RandomContrast(-0.1), ValueError, r"in the range \[0, 1\]"),
    (lambda: mk.layers.RandomRotation(0.1, fill_mode="mirror"), NotImplementedError,
     r"Unknown `fill_mode` mirror. Expected of one \('reflect', 'wrap', 'constant', "
     r"'nearest'\)."),
    (lambda: mk.layers.RandomZoom(0.1, interpolation="bicubic"), NotImplementedError,
     r"Unknown `interpolation` bicubic"),
    (lambda: mk.layers.RandomZoom(-1.0), ValueError,
     r"in the range \(-1.0, 1.0\]. Received: input_number=-1.0"),
    (lambda: mk.layers.RandomTranslation(0.1, [0.1]), ValueError,
     r"Received: width_factor=\[0.1\]"),
    (lambda: mk.layers.RandomBrightness(0.1, value_range=5), ValueError,
     r"The `value_range` argument should be a list of two numbers. Received: value_range=5"),
    (lambda: mk.layers.Resizing(3, 3, interpolation="cubic"), ValueError,
     r"Invalid value for argument `interpolation`. Expected of one \('bilinear', 'nearest', "
     r"'lanczos3', 'lanczos5', 'bicubic', 'area'\). Received: interpolation=cubic"),
    (lambda: mk.layers.Resizing(3, 3, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
     ValueError, r"Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`."),
    (lambda: mk.layers.RandomFlip("diagonal", name="f"), ValueError,
     r"RandomFlip layer f received an unknown mode argument diagonal"),
    (lambda: mk.layers.CenterCrop(2, 2)(np.ones((2, 3))), ValueError,
     r"Expected image tensor to have rank 3 \(single image\) or 4 \(batch of images\). "
     r"Received: data.shape=\(2, 3\)"),
])
def test_bad_arguments_are_refused_as_keras_refuses_them(make, error, message):
    with pytest.raises(error, match=message):
        make()
