"""`minikeras.random` against Keras 3's numpy backend (compat/data/random.npz), and its
seeding, errors and gradient."""

import os

import numpy as np
import pytest

import minikeras as keras
from minikeras import ops
from random_cases import RANDOM_CASES, draw_case

REFERENCE = np.load(os.path.join(os.path.dirname(__file__), os.pardir, "compat", "data",
                                 "random.npz"))


@pytest.mark.parametrize("case", RANDOM_CASES)
def test_draws_match_keras_numpy_backend(case):
    ours = draw_case(keras, case)
    theirs = {key.split(" | ", 1)[1]: REFERENCE[key] for key in REFERENCE.files
              if key.startswith(f"{case} | ")}
    assert sorted(ours) == sorted(theirs)
    for key, expected in theirs.items():
        got = np.asarray(ours[key])
        assert got.dtype == expected.dtype, key
        np.testing.assert_array_equal(got, expected, err_msg=key)


def test_integer_seed_is_stateless_and_generator_moves_on():
    a, b = keras.random.normal((3,), seed=5), keras.random.normal((3,), seed=5)
    np.testing.assert_array_equal(a, b)
    generator = keras.random.SeedGenerator(5)
    first = keras.random.normal((3,), seed=generator)
    np.testing.assert_array_equal(first, a)  # a generator's first state is [seed, 0]
    assert not np.array_equal(keras.random.normal((3,), seed=generator), first)
    np.testing.assert_array_equal(generator.state.value, [5, 2])


def test_clear_session_and_set_random_seed_restart_unseeded_draws():
    keras.utils.set_random_seed(3)
    first = keras.random.uniform((4,))
    keras.utils.set_random_seed(3)
    np.testing.assert_array_equal(keras.random.uniform((4,)), first)
    keras.backend.clear_session()
    keras.utils.set_random_seed(3)
    np.testing.assert_array_equal(keras.random.uniform((4,)), first)


def test_dropout_gradient_is_the_kept_scale():
    x = keras.Variable(np.ones((4, 5), dtype="float32"))
    with keras.GradientTape() as tape:
        y = keras.random.dropout(x, 0.25, seed=1)
        loss = ops.sum(y)
    grad = np.asarray(tape.gradient(loss, x))
    kept = np.asarray(y) != 0
    np.testing.assert_allclose(grad, np.where(kept, np.float32(1 / 0.75), 0), rtol=1e-7)
    assert kept.any() and not kept.all()


@pytest.mark.parametrize("call, message", [
    (lambda: keras.random.uniform((2,), dtype="int32"), "requires a floating point `dtype`"),
    (lambda: keras.random.randint((2,), 0, 3, dtype="float32"), "requires an integer `dtype`"),
    (lambda: keras.random.normal((2,), seed="x"), "must be either an integer or an instance"),
    (lambda: keras.random.categorical(np.zeros(3), 2), "should be a 2-D tensor"),
    (lambda: keras.random.SeedGenerator(1.5), "must be an integer"),
    (lambda: keras.random.SeedGenerator(1, color="red"), "Unrecognized keyword arguments"),
])
def test_bad_arguments_raise_as_keras(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_custom_layer_samples_inside_fit():
    """The VAE tutorial's sampling layer: a SeedGenerator attribute, normal draws in `call`."""

    class Sampling(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            mean, log_var = inputs
            epsilon = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
            return mean + ops.exp(0.5 * log_var) * epsilon

    inputs = keras.Input((4,))
    mean, log_var = keras.layers.Dense(2)(inputs), keras.layers.Dense(2)(inputs)
    model = keras.Model(inputs, Sampling()([mean, log_var]))
    model.compile("adam", "mse")
    x = np.random.default_rng(0).random((16, 4), dtype=np.float32)
    history = model.fit(x, np.zeros((16, 2), "float32"), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert not np.array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))
