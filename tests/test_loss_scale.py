"""Loss scaling (`LossScaleOptimizer`, an optimizer's `loss_scale_factor`, the `mixed_float16`
policy's automatic wrap) against Keras 3's runs and files (`compat/make_loss_scale.py`)."""

import pathlib

import numpy as np
import pytest

import minikeras as keras
from minikeras.optimizers import SGD, Adam, LossScaleOptimizer

DATA = pathlib.Path(__file__).parent.parent / "compat" / "data" / "loss_scale"
RUNS = np.load(DATA / "runs.npz")
X = np.random.default_rng(0).normal(size=(24, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")
START = [np.array([[0.1], [0.2], [-0.3]], "float32"), np.array([0.05], "float32")]


@pytest.fixture(autouse=True)
def _default_policy():
    yield
    keras.utils.clear_session(free_memory=False)


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.set_weights(START)
    return model


def test_fit_with_a_loss_scale_optimizer_follows_keras_scale_and_weights():
    model = _model()
    optimizer = LossScaleOptimizer(SGD(0.05), initial_scale=2.0**10, dynamic_growth_steps=3)
    model.compile(optimizer, "mse")
    for epoch in range(2):
        model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        np.testing.assert_allclose(model.get_weights()[0], RUNS[f"lso_kernel_{epoch}"], rtol=1e-6)
        assert optimizer.dynamic_scale.numpy() == RUNS[f"lso_scale_{epoch}"]
        assert optimizer.step_counter.numpy() == RUNS[f"lso_counter_{epoch}"]
        assert int(optimizer.iterations.numpy()) == RUNS[f"lso_iterations_{epoch}"]


def test_fit_scales_the_loss_by_an_optimizers_loss_scale_factor():
    model = _model()
    model.compile(SGD(0.05, loss_scale_factor=8.0), "mse")
    model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(model.get_weights()[0], RUNS["factor_kernel"], rtol=1e-6)


def test_a_non_finite_gradient_skips_the_step_and_halves_the_scale():
    variable = keras.Variable(np.ones(3, "float32"))
    optimizer = LossScaleOptimizer(SGD(0.1))
    optimizer.apply([np.array([1.0, np.inf, 1.0], "float32")], [variable])
    np.testing.assert_array_equal(variable.numpy(), RUNS["nonfinite_variable"])
    assert optimizer.dynamic_scale.numpy() == RUNS["nonfinite_scale"]
    assert int(optimizer.iterations.numpy()) == RUNS["nonfinite_iterations"]
    optimizer.apply([np.array([1.0, 2.0, 3.0], "float32")], [variable])
    np.testing.assert_array_equal(variable.numpy(), RUNS["finite_variable"])
    assert optimizer.scale_loss(np.float32(3.0)) == RUNS["scaled_loss"]
    assert repr(sorted(optimizer.get_config())) == str(RUNS["config"])
    # tf_keras' names for the same
    assert optimizer.get_scaled_loss(np.float32(3.0)) == RUNS["scaled_loss"]
    np.testing.assert_array_equal(
        optimizer.get_unscaled_gradients([np.float32(RUNS["nonfinite_scale"])])[0], 1.0)


def test_arguments_of_the_inner_optimizer_are_refused():
    with pytest.raises(ValueError, match="does not support `clipnorm`"):
        LossScaleOptimizer(SGD(), clipnorm=1.0)
    with pytest.raises(ValueError, match="no longer supports `dynamic=False`"):
        LossScaleOptimizer(SGD(), dynamic=False)
    with pytest.raises(ValueError, match="inner_optimizer"):
        LossScaleOptimizer("sgd")


def test_compile_under_mixed_float16_wraps_the_optimizer_as_keras():
    keras.mixed_precision.set_global_policy("mixed_float16")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, dtype="float32")])
    model.compile("adam", "mse")
    assert isinstance(model.optimizer, LossScaleOptimizer)
    assert model.optimizer.name == "loss_scale_optimizer"
    assert isinstance(model.optimizer.inner_optimizer, Adam)
    model.compile("adam", "mse", auto_scale_loss=False)
    assert isinstance(model.optimizer, Adam)


@pytest.mark.parametrize("file_name", ["k3_mixed.keras", "k3_mixed.h5", "k2_mixed.h5"])
def test_keras_mixed_precision_files_load_with_their_optimizer(file_name):
    expected = np.load(DATA / f"{file_name.split('.')[0]}.npz")
    model = keras.models.load_model(DATA / file_name)
    optimizer = model.optimizer
    assert isinstance(optimizer, LossScaleOptimizer)
    assert len(optimizer.variables) == 14  # its 4 and Adam's 10, as Keras 3 keeps them
    if file_name.startswith("k3"):  # tf_keras does not store the scale
        assert optimizer.dynamic_scale.numpy() == expected["scale"]
    # Keras computed in float16, minikeras in float32
    np.testing.assert_allclose(model.predict(expected["x"], verbose=0), expected["y"], atol=2e-3)
    model.fit(X, Y, epochs=1, verbose=0)  # and trains on


@pytest.mark.parametrize("extension", ["keras", "h5"])
def test_our_files_keep_the_scale_state(tmp_path, extension):
    model = _model()
    model.compile(LossScaleOptimizer(SGD(0.05), initial_scale=2.0**10, dynamic_growth_steps=2),
                  "mse")
    model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    path = tmp_path / f"m.{extension}"
    model.save(path)
    loaded = keras.models.load_model(path)
    for saved, restored in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(saved.numpy(), restored.numpy())
    assert loaded.optimizer.dynamic_scale.numpy() == 2.0**11
