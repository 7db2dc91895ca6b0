"""RandomErasing, RandomGaussianBlur, RandomShear, RandomPerspective, MixUp, CutMix and
RandomElasticTransform against Keras 3 on TensorFlow (compat/make_image_mixing.py): the
output made from the transformation Keras drew (and the normal draw of its elastic
transform), to 1e-5 of 255; TensorFlow's gradients (finite differences for the warps, whose
TensorFlow gradient approximates the adjoint); mixed labels; configs. Then the draws
themselves: seeded, in range, with the right statistics, and the identity at inference."""

import json

import numpy as np
import pytest

import image_mixing_cases as ic
import minikeras as mk
from conftest import COMPAT_DATA, finite_difference
from minikeras import GradientTape, ops
from minikeras.layers.preprocessing.image_preprocessing import random_shear
from minikeras.layers.preprocessing.image_preprocessing.random_elastic_transform import (
    elastic_parameters,
)
from minikeras.saving import registry

REFERENCES = np.load(COMPAT_DATA / "image_mixing.npz")
META = json.loads((COMPAT_DATA / "image_mixing.json").read_text())
# TensorFlow's gradient of a projective transform is the inverse transform applied to the
# output's gradient, not its adjoint: these are checked by finite differences only.
WARPS = ("RandomShear", "RandomPerspective")


def close(actual, expected, rtol=1e-5, atol=1e-5):
    expected = np.asarray(expected)
    scale = max(1.0, float(np.abs(expected).max()))  # pixels reach 255: relative to it
    np.testing.assert_allclose(np.asarray(actual) / scale, expected / scale, rtol=rtol,
                               atol=atol)


@pytest.fixture
def keras_noise(monkeypatch):
    """Make the elastic transform of case `name` draw the normal numbers Keras drew."""
    def use(name):
        drawn = REFERENCES[f"{name}/noise"]

        def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
            assert tuple(shape) == drawn.shape and seed == ic.ELASTIC_SEED
            return drawn.astype(dtype)

        monkeypatch.setattr(mk.random, "normal", normal)
    return use


def keras_transformation(name):
    """The transformation Keras 3 drew for case `name`, as minikeras' layer takes it."""
    cls = ic.RANDOM[name][0]
    drawn = {key: REFERENCES[f"{name}/{key}"] for key in ic.TRANSFORMATION_KEYS[cls]}
    if cls == "RandomShear":
        return random_shear.shear_transforms(drawn["shear_factor"])
    if cls == "RandomElasticTransform":
        drawn["seed"] = ic.ELASTIC_SEED
    return drawn


def case(name, **extra):
    cls, kwargs, shape = ic.RANDOM[name]
    layer = getattr(mk.layers, cls)(**kwargs, **extra)
    transformation = keras_transformation(name)
    layer._draw = lambda shape: transformation  # replay Keras' draw
    return layer, ic.images(name, shape)


@pytest.mark.parametrize("name", ic.RANDOM)
def test_outputs_labels_and_gradients_match_keras(name, keras_noise):
    cls, _, shape = ic.RANDOM[name]
    if cls == "RandomElasticTransform":
        keras_noise(name)
    layer, x = case(name)
    labels = ic.labels(name, shape)
    with GradientTape() as tape:
        tape.watch(x)
        y = layer(x if labels is None else {"images": x, "labels": labels}, training=True)
        images = y if labels is None else y["images"]
        total = ops.sum(images * ic.upstream(name, shape))
    close(images, REFERENCES[f"{name}/y"])
    if labels is not None:
        close(y["labels"], REFERENCES[f"{name}/labels"])
    if cls not in WARPS:
        close(tape.gradient(total, x), REFERENCES[f"{name}/g"], rtol=1e-4)


def test_the_cases_move_pixels_and_apply_to_some_images_only():
    """The references are not trivial: each case changes its images, and the ones drawing
    whether to apply left some images alone (a single image mixed up is mixed with itself)."""
    for name in (n for n in ic.RANDOM if n != "mix_up_unbatched"):
        assert not np.allclose(REFERENCES[f"{name}/y"], ic.images(name, ic.RANDOM[name][2]))
    for key in ("erasing/apply_erasing", "blur/should_apply_blur",
                "perspective_factor/apply_perspective", "elastic/apply_transform"):
        assert 0 < REFERENCES[key].sum() < REFERENCES[key].size


def assert_gradient_is_finite_differences(layer, x):
    u = np.random.default_rng(0).normal(size=np.shape(layer(x, training=True)))
    with GradientTape() as tape:
        tape.watch(x)
        total = ops.sum(layer(x, training=True) * u)
    expected = finite_difference(
        lambda v: float(np.sum(np.asarray(layer(v, training=True)) * u)), x, eps=1e-4)
    np.testing.assert_allclose(tape.gradient(total, x), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", [n for n in ic.RANDOM if not n.endswith("unbatched")])
def test_gradients_match_finite_differences(name, keras_noise):
    """Keras' draw held fixed, in float64: the hand-written adjoints (masks, permutations,
    warps' taps) and the ops' tape (blur, elastic warp), on pixels away from clip bounds."""
    cls, kwargs, shape = ic.RANDOM[name]
    if cls == "RandomElasticTransform":
        keras_noise(name)
    layer, x = case(name, dtype="float64")
    x = x.astype(np.float64)
    if cls in ("RandomGaussianBlur", "RandomElasticTransform"):
        low, high = kwargs.get("value_range", (0, 255))
        x = low + (high - low) * (0.1 + 0.8 * (x - x.min()) / (x.max() - x.min()))
    assert_gradient_is_finite_differences(layer, x)


@pytest.mark.parametrize("name", ["mix_up_labels", "cut_mix_labels"])
def test_label_gradients_are_the_mixing_weights(name):
    layer, x = case(name, dtype="float64")
    labels = ic.labels(name, ic.RANDOM[name][2]).astype(np.float64)
    u = np.random.default_rng(1).normal(size=labels.shape)
    with GradientTape() as tape:
        tape.watch(labels)
        total = ops.sum(layer({"images": x, "labels": labels}, training=True)["labels"] * u)
    expected = finite_difference(lambda v: float(np.sum(np.asarray(
        layer({"images": x, "labels": v}, training=True)["labels"]) * u)), labels)
    np.testing.assert_allclose(tape.gradient(total, labels), expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ic.RANDOM)
def test_config_is_keras_3s_and_round_trips(name):
    layer, _ = case(name)
    ours = json.loads(json.dumps(layer.get_config()))
    keras = dict(META["cases"][name]["config"])
    keras["seed"] = ours["seed"]  # the compat script's own seeds
    for config in (ours, keras):
        config.pop("name")
    assert ours == keras
    clone = registry.deserialize("layer", json.loads(json.dumps(registry.serialize(layer))))
    assert json.loads(json.dumps(clone.get_config())) == json.loads(json.dumps(
        layer.get_config()))
    # Keras' own config loads (RandomShear's `(-f, f)` too, which Keras 3.15 cannot load)
    written = META["cases"][name]["config"]
    loaded = registry.deserialize("layer", {"class_name": ic.RANDOM[name][0], "config": written})
    assert json.loads(json.dumps(loaded.get_config())) == written


# -- the draws ------------------------------------------------------------------------------

RANDOM_LAYERS = {
    "erasing": lambda seed: mk.layers.RandomErasing(seed=seed),
    "blur": lambda seed: mk.layers.RandomGaussianBlur(factor=0.8, seed=seed),
    "shear": lambda seed: mk.layers.RandomShear(0.3, 0.2, seed=seed),
    "perspective": lambda seed: mk.layers.RandomPerspective(scale=0.5, seed=seed),
    "mix_up": lambda seed: mk.layers.MixUp(seed=seed),
    "cut_mix": lambda seed: mk.layers.CutMix(seed=seed),
    "elastic": lambda seed: mk.layers.RandomElasticTransform(seed=seed),
}


@pytest.mark.parametrize("name", RANDOM_LAYERS)
def test_random_layers_are_seeded_and_the_identity_at_inference(name):
    x = ic.images(name, (6, 20, 21, 3))
    first, again, other = (RANDOM_LAYERS[name](seed) for seed in (3, 3, 4))
    draws = [np.asarray(first(x, training=True)) for _ in range(2)]
    np.testing.assert_array_equal(np.asarray(again(x, training=True)), draws[0])
    assert not np.array_equal(np.asarray(other(x, training=True)), draws[0])
    assert not np.array_equal(draws[0], draws[1])  # each call draws anew
    assert not np.array_equal(np.asarray(first(x)), np.asarray(first(x)))  # training by default
    np.testing.assert_array_equal(first(x, training=False), x)
    model = mk.Sequential([mk.Input(x.shape[1:]), RANDOM_LAYERS[name](1)])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    np.testing.assert_array_equal(model(x, training=False), x)
    assert first(x[0], training=True).shape == x.shape[1:]


def test_erasing_draws_boxes_of_keras_sizes_and_probabilities():
    layer = mk.layers.RandomErasing(factor=(0.2, 0.6), scale=(0.04, 0.25), fill_value=2.0,
                                    value_range=(0, 1), seed=0)
    t = layer._draw((4000, 40, 50, 1))
    assert abs(t["apply_erasing"].mean() - 0.4) < 0.03  # the mean of the drawn probabilities
    masks = t["batch_masks"][..., 0]
    heights, widths = masks.any(axis=2).sum(axis=1), masks.any(axis=1).sum(axis=1)
    assert 0.2 * 40 - 1 <= heights.min() and heights.max() <= 0.5 * 40 + 1
    assert 0.2 * 50 - 1 <= widths.min() and widths.max() <= 0.5 * 50 + 1
    # boxes reach every row but the first (a box holds it only if it starts at exactly 0)
    np.testing.assert_array_equal(np.flatnonzero(masks.any(axis=(0, 2))), np.arange(1, 40))
    np.testing.assert_array_equal(t["fill_value"], 1.0)  # clipped to the value range
    noise = mk.layers.RandomErasing(value_range=(-10, 10), seed=0)._draw((50, 8, 8, 3))
    values = noise["fill_value"]
    assert values.min() == -10 and values.max() == 10 and abs(values.mean()) < 0.5


def test_blur_perspective_elastic_draw_probabilities_and_ranges():
    blur = mk.layers.RandomGaussianBlur(factor=(0.3, 0.5), sigma=(0.2, 0.7), seed=0)
    draws = [blur._draw((1000, 5, 5, 1)) for _ in range(200)]
    assert abs(np.mean([d["should_apply_blur"].mean() for d in draws]) - 0.4) < 0.01
    sigmas = np.array([d["blur_factor"] for d in draws])
    assert sigmas.shape == (200, 2) and 0.2 < sigmas.min() < 0.21 and 0.69 < sigmas.max() <= 0.7
    perspective = mk.layers.RandomPerspective(factor=0.5, scale=0.4, seed=0)._draw(
        (4000, 7, 9, 1))
    assert abs(perspective["apply_perspective"].mean() - 0.25) < 0.03
    moves = perspective["end_points"] / np.where(perspective["start_points"] == 0, 1,
                                                 perspective["start_points"]) - 1
    moved = moves[:, 3]  # the far corner: (8, 6) moved by up to a fifth of each coordinate
    assert -0.2 <= moved.min() < -0.19 and 0.19 < moved.max() <= 0.2
    np.testing.assert_array_equal(perspective["end_points"][:, 0], 0)  # the origin stays
    elastic = mk.layers.RandomElasticTransform(factor=0.6, scale=(0.2, 0.4), seed=0)
    draws = [elastic._draw((1000, 5, 5, 1)) for _ in range(100)]
    assert abs(np.mean([d["apply_transform"].mean() for d in draws]) - 0.3) < 0.01
    distortions = [float(d["distortion_factor"]) for d in draws]
    assert 0.2 <= min(distortions) and max(distortions) <= 0.4
    assert mk.layers.RandomElasticTransform(scale=0.0)._draw((2, 5, 5, 1)) is None
    alpha, sigma = elastic_parameters(30, 20, 0.5)
    assert alpha.dtype == np.float32 and (alpha, sigma) == (np.float32(1.5), np.float32(0.5))


def test_shear_draws_both_signs_of_each_range():
    shear = mk.layers.RandomShear(x_factor=(0.1, 0.3), y_factor=0.2, seed=0)
    transforms = shear._draw((4000, 5, 6, 1))
    sx, sy = transforms[:, 1], transforms[:, 3]
    assert 0.1 <= np.abs(sx).min() < 0.101 and 0.299 < np.abs(sx).max() <= 0.3
    assert abs((sx < 0).mean() - 0.5) < 0.03 and np.abs(sy).max() <= 0.2
    np.testing.assert_array_equal(transforms[:, [0, 4]], 1)


def test_mixing_draws_permutations_and_beta_weights():
    mix_up = mk.layers.MixUp(alpha=2.0, seed=0)
    t = mix_up._draw((5000, 2, 2, 1))
    assert sorted(t["permutation_order"]) == list(range(5000))
    weights = t["mix_weight"]  # Beta(2, 2): mean 1/2, variance 1/20
    assert abs(weights.mean() - 0.5) < 0.01 and abs(weights.var() - 0.05) < 0.005
    cut_mix = mk.layers.CutMix(factor=(0.5, 0.5), seed=0)
    t = cut_mix._draw((2000, 30, 40, 2))
    area = t["batch_masks"][..., 0].mean(axis=(1, 2))  # whole pixels inside each box
    kept = t["mix_weight"].reshape(-1)
    np.testing.assert_allclose(1 - area, kept, atol=2 * (30 + 40 + 1) / (30 * 40))
    assert abs(kept.mean() - 0.5) < 0.02  # Beta(a, a) with a = 0.5: mean 1/2


def test_cut_mix_passes_single_images_through():
    x = ic.images("single", (6, 7, 2))
    np.testing.assert_array_equal(mk.layers.CutMix(seed=1)(x, training=True), x)


def test_mixed_images_and_labels_follow_the_permutation():
    x = np.arange(4, dtype=np.float32)[:, None, None, None] * np.ones((4, 3, 3, 1), np.float32)
    labels = np.eye(4, dtype=np.float32)
    layer = mk.layers.MixUp()
    layer._draw = lambda shape: {"permutation_order": np.array([1, 2, 3, 0]),
                                 "mix_weight": np.array([1.0, 0.5, 0.25, 0.0], np.float32)}
    out = layer({"images": x, "labels": labels})
    np.testing.assert_allclose(np.asarray(out["images"])[:, 0, 0, 0], [0, 1.5, 3 - 0.25, 0])
    np.testing.assert_allclose(out["labels"][1], [0, 0.5, 0.5, 0])
    inference = layer({"images": x, "labels": labels}, training=False)
    np.testing.assert_array_equal(inference["labels"], labels)


@pytest.mark.parametrize("make, error, message", [
    (lambda: mk.layers.RandomErasing(factor=1.5), ValueError,
     r"The `factor` argument should be a number \(or a list of two numbers\) in the range "
     r"\[0, 1\]. Received: factor=1.5"),
    (lambda: mk.layers.RandomErasing(scale=(0.1, 0.2, 0.3)), ValueError,
     r"The `scale` argument should be a number \(or a list of two numbers\) in the range "
     r"\[0, 1\]. Received: factor=\(0.1, 0.2, 0.3\)"),
    (lambda: mk.layers.RandomErasing(fill_value=[1, 2])(np.zeros((1, 4, 4, 3))), ValueError,
     r"The `fill_value` argument should be a number \(or a list of three numbers\) "),
    (lambda: mk.layers.RandomGaussianBlur(kernel_size=4), ValueError,
     r"kernel_size must be an odd number. Received: kernel_size=4"),
    (lambda: mk.layers.RandomGaussianBlur(kernel_size=(3, 5, 7)), ValueError,
     r"The `kernel_size` argument should be a number \(or a list of two numbers\) Received: "
     r"kernel_size=\(3, 5, 7\)"),
    (lambda: mk.layers.RandomGaussianBlur(sigma=2.0), ValueError,
     r"The `sigma` argument should be a number .* Received: factor=2.0"),
    (lambda: mk.layers.RandomShear(x_factor=1.2), ValueError,
     r"The `factor` argument should be a number \(or a list of two numbers\) in the range "
     r"\[0, 1.0\]. Received: input_number=1.2"),
    (lambda: mk.layers.RandomShear(y_factor=[0.1]), ValueError, r"Received: y_factor=\[0.1\]"),
    (lambda: mk.layers.RandomShear(fill_mode="mirror"), NotImplementedError,
     r"Unknown `fill_mode` mirror. Expected of one \('reflect', 'wrap', 'constant', "
     r"'nearest'\)."),
    (lambda: mk.layers.RandomPerspective(scale=1.5), ValueError,
     r"The `scale` argument should be a number in the range \[0,1\]. Received: scale=1.5"),
    (lambda: mk.layers.RandomPerspective(interpolation="bicubic"), NotImplementedError,
     r"Unknown `interpolation` bicubic. Expected of one \('nearest', 'bilinear'\)."),
    (lambda: mk.layers.CutMix(factor=-0.5), ValueError, r"in the range \[0, 1\]"),
    (lambda: mk.layers.RandomElasticTransform(fill_mode="edge"), NotImplementedError,
     r"Unknown `fill_mode` edge. Expected of one"),
    (lambda: mk.layers.RandomElasticTransform(fill_mode="mirror")(np.zeros((1, 4, 4, 1))),
     ValueError, r"Invalid value for argument `fill_mode`"),
    (lambda: mk.layers.MixUp()({"images": np.zeros((2, 3, 3, 1)),
                                "bounding_boxes": np.zeros((2, 1, 4))}), NotImplementedError,
     r"MixUp in minikeras transforms images and labels only"),
    (lambda: mk.layers.RandomErasing(bounding_box_format="xyxy"), NotImplementedError,
     r"bounding_box_format is not supported"),
])
def test_bad_arguments_are_refused_as_keras_refuses_them(make, error, message):
    with pytest.raises(error, match=message):
        make()


# -- Pipeline -------------------------------------------------------------------------------


def keras_pipeline(name):
    return registry.deserialize("layer", META["pipelines"][name]["serialized"])


@pytest.mark.parametrize("name", ic.PIPELINES)
def test_pipelines_keras_wrote_load_and_compute_as_keras(name):
    _, shape, training = ic.PIPELINES[name]
    pipeline = keras_pipeline(name)
    x = ic.images(name, shape)
    with GradientTape() as tape:
        tape.watch(x)
        y = pipeline(x, training=training)
        total = ops.sum(y * ic.upstream(name, tuple(y.shape)))
    close(y, REFERENCES[f"{name}/y"])
    close(tape.gradient(total, x), REFERENCES[f"{name}/g"], rtol=1e-4)
    ours, keras = (json.loads(json.dumps(config)) for config in (
        pipeline.get_config(), META["pipelines"][name]["config"]))
    assert ours["name"] == keras["name"] and ours.keys() == keras.keys()
    for mine, theirs in zip(ours["layers"], keras["layers"]):
        assert (mine["class_name"], mine["config"]) == (theirs["class_name"], theirs["config"])


def test_pipeline_calls_its_layers_in_turn_with_the_call_s_training():
    x = ic.images("pipeline", (4, 8, 9, 3))
    L = mk.layers
    pipeline = L.Pipeline([L.RandomFlip(seed=1), L.RandomErasing(seed=2), L.Resizing(4, 4)])
    expected = L.Resizing(4, 4)(L.RandomErasing(seed=2)(L.RandomFlip(seed=1)(x)))
    np.testing.assert_array_equal(pipeline(x), expected)  # training by default, as Keras
    np.testing.assert_array_equal(pipeline(x, training=False), L.Resizing(4, 4)(x))
    assert pipeline.layers[1].name.startswith("random_erasing")
    labels = np.eye(4, dtype=np.float32)
    mixed = L.Pipeline([L.MixUp(seed=1), L.CutMix(seed=2)])({"images": x, "labels": labels})
    np.testing.assert_allclose(np.asarray(mixed["labels"]).sum(axis=1), 1, rtol=1e-6)


def test_pipeline_in_a_model_predicts_saves_and_loads(tmp_path):
    L = mk.layers
    inputs = mk.Input((8, 9, 3))
    pipeline = L.Pipeline([L.RandomShear(0.2, 0.2), L.Rescaling(1 / 255), L.CenterCrop(5, 5)])
    hidden = pipeline(inputs)
    assert hidden.shape == (None, 5, 5, 3)
    model = mk.Model(inputs, L.Dense(2)(L.Flatten()(hidden)))
    x = ic.images("pipeline model", (3, 8, 9, 3))
    expected = model.predict(x, verbose=0)
    dense, flatten = model.layers[-1], model.layers[-2]
    head = dense(flatten(L.CenterCrop(5, 5)(x * np.float32(1 / 255))))  # no shear at inference
    np.testing.assert_allclose(expected, head, rtol=1e-5, atol=1e-6)
    model.save(tmp_path / "m.keras")
    again = mk.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), expected, rtol=1e-6)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros((3, 2)), verbose=0)  # trains through the augmentation


def test_pipeline_config_needs_its_layers():
    with pytest.raises(ValueError, match=r"`Pipeline` config must contain a `layers` key "
                                         r"mapping to a list of serialized layers. Received "
                                         r"config with layers=None."):
        mk.layers.Pipeline.from_config({"name": "p"})
