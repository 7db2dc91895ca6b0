"""`minikeras.ops.image` against Keras 3 on TensorFlow (compat/data/ops_image.npz), its
gradient against finite differences, its symbolic call and its errors."""

import numpy as np
import pytest

import minikeras as keras
from conftest import COMPAT_DATA, finite_difference
from ops_image_cases import CASES, run_case

REFERENCE = np.load(COMPAT_DATA / "ops_image.npz")


@pytest.mark.parametrize("name", sorted(CASES))
def test_resize_matches_keras(name):
    expected, got = REFERENCE[name], run_case(keras, name)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    if got.dtype.kind in "iu":
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic", "area"])
def test_resize_gradient_is_the_finite_difference(interpolation):
    x = np.random.default_rng(0).random((1, 4, 5, 2))
    weights = np.random.default_rng(1).random((1, 3, 7, 2))

    def loss(values):
        resized = keras.ops.image.resize(values, (3, 7), interpolation=interpolation)
        return keras.ops.sum(resized * weights)

    variable = keras.Variable(x)
    with keras.GradientTape() as tape:
        value = loss(variable)
    grad = np.asarray(tape.gradient(value, variable))
    np.testing.assert_allclose(grad, finite_difference(lambda v: float(loss(v)), x), atol=1e-6)


def test_resize_on_keras_tensors_builds_a_model():
    inputs = keras.Input((6, 6, 3))
    model = keras.Model(inputs, keras.ops.image.resize(inputs, (3, 3)))
    x = np.random.default_rng(2).random((2, 6, 6, 3)).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0),
                                  np.asarray(keras.ops.image.resize(x, (3, 3))))


@pytest.mark.parametrize("size, images, message", [
    ((2,), np.zeros((1, 4, 4, 1)), "Expected `size` to be a tuple of 2 integers"),
    ((0, 2), np.zeros((1, 4, 4, 1)), "must have positive height and width"),
    ((2, 2), np.zeros((4, 4)), "Invalid images rank"),
])
def test_resize_refuses_bad_arguments_as_keras(size, images, message):
    with pytest.raises(ValueError, match=message):
        keras.ops.image.resize(images, size)
