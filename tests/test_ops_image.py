"""`minikeras.ops.image` against Keras 3 on TensorFlow (compat/data/ops_image.npz), its
gradients against finite differences, its symbolic calls and its errors."""

import numpy as np
import pytest

import minikeras as keras
from conftest import COMPAT_DATA, finite_difference
from ops_image_cases import CASES, NOISE, run_case

REFERENCE = np.load(COMPAT_DATA / "ops_image.npz")
image = keras.ops.image


@pytest.fixture
def keras_noise(monkeypatch):
    """Make `elastic_transform` draw the normal numbers Keras on TensorFlow drew for a case."""
    def use(name):
        drawn = REFERENCE[f"noise {name}"]

        def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
            assert tuple(shape) == drawn.shape and np.dtype(dtype) == drawn.dtype
            return drawn

        monkeypatch.setattr(keras.random, "normal", normal)
    return use


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_keras(name, keras_noise):
    if name in NOISE:
        keras_noise(name)
    expected, got = REFERENCE[name], run_case(keras, name)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    if got.dtype.kind in "iu":
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)


_COORDINATES = np.random.default_rng(7).uniform(-1, 5, (4, 6))  # float64: read in float64
_TRANSFORM = np.array([0.9, 0.2, 0.7, -0.1, 1.1, -0.4, 0.01, -0.02], "float32")

GRADIENT_CASES = {
    "resize bilinear": lambda x: image.resize(x, (3, 7)),
    "resize bicubic": lambda x: image.resize(x, (3, 7), interpolation="bicubic"),
    "resize area": lambda x: image.resize(x, (3, 7), interpolation="area"),
    "affine_transform": lambda x: image.affine_transform(x, _TRANSFORM, fill_mode="reflect"),
    "perspective_transform": lambda x: image.perspective_transform(
        x, [[0, 0], [0, 4], [5, 0], [5, 4]], [[0.3, 0.1], [0, 4.2], [4.6, -0.2], [5.1, 3.8]]),
    "map_coordinates": lambda x: image.map_coordinates(
        x, _COORDINATES, 1, fill_mode="wrap"),
    "elastic_transform": lambda x: image.elastic_transform(x, alpha=2.0, sigma=1.0, seed=1),
    "gaussian_blur": lambda x: image.gaussian_blur(x, (3, 4), (1.0, 0.7)),
    "sobel_edges": lambda x: image.sobel_edges(x),
    "ssim": lambda x: image.ssim(x, np.cos(np.arange(40.0)).reshape(1, 4, 5, 2), filter_size=3),
    "scale_and_translate": lambda x: image.scale_and_translate(
        x, (1, 3, 7, 2), np.array([0.7, 1.4]), np.array([0.2, -0.3]), (1, 2), "lanczos3"),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_CASES))
def test_gradient_is_the_finite_difference(name):
    function = GRADIENT_CASES[name]
    x = np.random.default_rng(0).random((1, 4, 5, 2))
    weights = np.random.default_rng(1).random(np.shape(function(x)))

    def loss(values):
        return keras.ops.sum(function(values) * weights)

    variable = keras.Variable(x)
    with keras.GradientTape() as tape:
        value = loss(variable)
    grad = np.asarray(tape.gradient(value, variable))
    np.testing.assert_allclose(grad, finite_difference(lambda v: float(loss(v)), x), atol=1e-6)


SYMBOLIC_CASES = {
    "resize": (lambda x: image.resize(x, (3, 3)), "Resizing"),
    "affine_transform": (lambda x: image.affine_transform(x, _TRANSFORM), "AffineTransform"),
    "perspective_transform": (lambda x: image.perspective_transform(
        x, [[0, 0], [0, 6], [6, 0], [6, 6]], [[1, 0], [0, 6], [6, 1], [5, 6]]),
        "PerspectiveTransform"),
    "map_coordinates": (lambda x: image.map_coordinates(
        x, np.zeros((4, 2, 3), "float32") + [[[0]], [[1.5]], [[2.2]], [[1]]], 1),
        "MapCoordinates"),
    "elastic_transform": (lambda x: image.elastic_transform(x, sigma=1.0, seed=2),
                          "ElasticTransform"),
    "gaussian_blur": (lambda x: image.gaussian_blur(x), "GaussianBlur"),
    "sobel_edges": (lambda x: image.sobel_edges(x), "SobelEdges"),
    "ssim": (lambda x: image.ssim(x, x * 0.5, filter_size=3), "SSIM"),
    "scale_and_translate": (lambda x: image.scale_and_translate(
        x, (2, 3, 4, 3), np.array([0.5, 0.7], "float32"), np.zeros(2, "float32"), (1, 2),
        "bicubic"), "ScaleAndTranslate"),
    "rgb_to_grayscale": (lambda x: image.rgb_to_grayscale(x), "RGBToGrayscale"),
    "pad_images": (lambda x: image.pad_images(x, 1, 2, 0, 1), "PadImages"),
}


@pytest.mark.parametrize("name", sorted(SYMBOLIC_CASES))
def test_on_keras_tensors_builds_a_model(name):
    function, op = SYMBOLIC_CASES[name]
    inputs = keras.Input((6, 6, 3))
    outputs = function(inputs)
    assert type(outputs._keras_history[0]).__name__ == op
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(2).random((2, 6, 6, 3)).astype("float32")
    expected = np.asarray(function(x))
    assert outputs.shape[1:] == expected.shape[1:] or name == "map_coordinates"
    np.testing.assert_array_equal(model.predict(x, verbose=0), expected)
    rebuilt = keras.Model.from_config(model.get_config())
    np.testing.assert_array_equal(rebuilt.predict(x, verbose=0), expected)


def test_elastic_transform_draws_by_its_seed():
    x = np.random.default_rng(3).random((2, 8, 8, 1)).astype("float32")
    first = np.asarray(image.elastic_transform(x, sigma=1.0, seed=4))
    np.testing.assert_array_equal(first, image.elastic_transform(x, sigma=1.0, seed=4))
    assert not np.allclose(first, image.elastic_transform(x, sigma=1.0, seed=5))
    assert first.dtype == np.float32
    # No displacement reads every pixel where it is.
    np.testing.assert_array_equal(image.elastic_transform(x, alpha=0.0, seed=4), x)


def test_scale_and_translate_rounds_and_clips_integers():
    x = np.random.default_rng(4).integers(0, 256, (5, 6)).astype("uint8")
    args = ((8, 9), np.array([1.7, 1.4], "float32"), np.array([0.1, 0.4], "float32"), (0, 1),
            "lanczos3")
    got = np.asarray(image.scale_and_translate(x, *args))
    floats = np.asarray(image.scale_and_translate(x.astype("float32"), *args))
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, np.clip(np.round(floats), x.min(), x.max()))


@pytest.mark.parametrize("call, error, message", [
    (lambda: image.resize(np.zeros((1, 4, 4, 1)), (2,)), ValueError,
     "Expected `size` to be a tuple of 2 integers"),
    (lambda: image.resize(np.zeros((1, 4, 4, 1)), (0, 2)), ValueError,
     "must have positive height and width"),
    (lambda: image.resize(np.zeros((4, 4)), (2, 2)), ValueError, "Invalid images rank"),
    (lambda: image.affine_transform(np.zeros((4, 4)), _TRANSFORM), ValueError,
     "Invalid images rank"),
    (lambda: image.affine_transform(np.zeros((4, 4, 1)), np.zeros((1, 1, 8))), ValueError,
     "Invalid transform rank"),
    (lambda: image.affine_transform(np.zeros((4, 4, 1)), _TRANSFORM, interpolation="cubic"),
     ValueError, "Invalid value for argument `interpolation`"),
    (lambda: image.affine_transform(np.zeros((4, 4, 1)), _TRANSFORM, fill_mode="mirror"),
     ValueError, "Invalid value for argument `fill_mode`"),
    (lambda: image.perspective_transform(np.zeros((4, 4, 1)), np.zeros((3, 2)),
                                         np.zeros((3, 2))),
     ValueError, r"Invalid start_points shape: expected \(4,2\)"),
    (lambda: image.perspective_transform(np.zeros((4, 4, 1)), np.zeros((4, 2)),
                                         np.zeros((1, 4, 2))),
     ValueError, "start_points and end_points must have the same shape"),
    (lambda: image.map_coordinates(np.zeros((4, 4)), np.zeros((3, 2)), 1), ValueError,
     "First dim of `coordinates` must be the same as the rank of `inputs`"),
    (lambda: image.map_coordinates(np.zeros(4), np.zeros(1), 1), ValueError,
     "Invalid coordinates rank: expected at least rank 2"),
    (lambda: image.map_coordinates(np.zeros(4), np.zeros((1, 2)), 3), NotImplementedError,
     "map_coordinates currently requires order<=1"),
    (lambda: image.map_coordinates(np.arange(4.0), np.array([[4.0]]), 1, fill_mode="mirror"),
     IndexError, "does not index into an axis of size 4"),
    (lambda: image.elastic_transform(np.zeros((4, 4, 1)), fill_mode="mirror"), ValueError,
     "Invalid value for argument `fill_mode`"),
    (lambda: image.gaussian_blur(np.zeros((4, 4))), ValueError, "Invalid images rank"),
    (lambda: image.sobel_edges(np.zeros((4, 4, 1))), ValueError,
     r"expected rank 4 \(batch of images\)"),
    (lambda: image.ssim(np.zeros((4, 4)), np.zeros((4, 4))), ValueError,
     "Invalid image1 rank"),
    (lambda: image.scale_and_translate(np.zeros((4, 4)), (2, 2), [1.0, 1.0], [0.0, 0.0],
                                       (0, 1), "area"), ValueError,
     "Invalid value for argument `method`"),
])
def test_refuses_bad_arguments_as_keras(call, error, message):
    with pytest.raises(error, match=message):
        call()
