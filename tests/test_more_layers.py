"""EinsumDense, RMSNormalization, Wrapper, SpectralNormalization and the adaptive pooling
layers against Keras 3 (references written by compat/make_more_layers.py from
tests/more_layer_cases.py): outputs, gradients, weights after a training call, losses,
configs, weight paths; a model through all of them loaded from Keras' file and trained as
Keras trains it; and their argument errors."""

import json
import re

import numpy as np
import pytest

import minikeras as mk
from conftest import COMPAT_DATA, finite_difference
import more_layer_cases as mc
from minikeras import GradientTape, layers, ops
from minikeras.saving import registry

REFERENCE = np.load(COMPAT_DATA / "more_layers.npz")
FACTS = json.loads((COMPAT_DATA / "more_layers.json").read_text())


def close(actual, expected, rtol=1e-5, atol=1e-6, **kwargs):
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=rtol, atol=atol, **kwargs)


def without_names(config):
    """A config without the layers' names (numbered by how many were made before)."""
    if isinstance(config, dict):
        return {k: without_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, list):
        return [without_names(v) for v in config]
    return config


@pytest.mark.parametrize("name", list(mc.CASES))
def test_outputs_gradients_and_weights_after_match_keras(name):
    ours, facts = mc.run_case(mk, name, GradientTape, lambda x: x)
    theirs = {key.split("/", 1)[1]: REFERENCE[key] for key in REFERENCE.files
              if key.split("/", 1)[0] == name}
    assert sorted(ours) == sorted(theirs)
    for key, expected in theirs.items():
        tolerance = {"rtol": 1e-4, "atol": 1e-5} if key.startswith("g") else {}
        close(ours[key], expected, err_msg=key, **tolerance)


@pytest.mark.parametrize("name", list(mc.CASES))
def test_configs_weight_paths_and_output_shapes_are_keras(name):
    _, ours = mc.run_case(mk, name, GradientTape, lambda x: x)
    theirs = FACTS["cases"][name]
    assert without_names(json.loads(json.dumps(ours["config"]))) == without_names(
        theirs["config"])
    def strip(paths):  # the layers' numbers (how many were made before) and outer names
        return [re.sub(r"_\d+(?=/|$)", "", p.split("/", 1)[1]) for p in paths]

    assert strip(ours["paths"]) == strip(theirs["paths"])
    assert strip(ours["trainable"]) == strip(theirs["trainable"])
    if name == "einsum_dense_left_ellipsis":
        # Keras lists the axes a leading ellipsis stands for in reverse once there are two of
        # them (its output is (2, 3, 2, 4), its compute_output_shape (2, 2, 3, 4)).
        assert list(ours["output_shape"]) == [2, 3, 2, 4] != theirs["output_shape"]
    else:
        assert list(ours["output_shape"]) == theirs["output_shape"]


@pytest.mark.parametrize("name", list(mc.CASES))
def test_configs_from_keras_load(name):
    config = FACTS["cases"][name]["config"]
    class_name = mc.CASES[name][0](mk.layers).__class__.__name__
    layer = registry.deserialize("layer", {"class_name": class_name, "config": config})
    assert without_names(json.loads(json.dumps(layer.get_config()))) == without_names(config)


def test_a_keras_model_through_every_new_layer_loads_predicts_and_trains_as_keras():
    """Keras' `.keras` file (fixed weights), its predictions, then 3 `fit` steps of SGD: the
    spectral normalization's training calls assign the normalized kernel, as Keras' do."""
    model = mk.saving.load_model(COMPAT_DATA / "files" / "more_layers_model.keras")
    _, x, y = mc.model_data([w.shape for w in model.weights])
    # The weights in Keras' order (a wrapped layer built by its config, before its wrapper,
    # is named without the wrapper's prefix, in minikeras: as TimeDistributed's).
    assert [w.path.split("/")[-1] for w in model.weights] == [
        p.split("/")[-1] for p in FACTS["model"]["paths"]]
    close(model.predict(x, verbose=0), REFERENCE["model/predict"])
    model.compile(optimizer=mk.optimizers.SGD(0.05), loss="mse")
    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    close(history.history["loss"], FACTS["model"]["loss"], rtol=1e-5)
    for i, w in enumerate(model.get_weights()):
        close(w, REFERENCE[f"model/w{i}"], rtol=1e-4, atol=1e-6, err_msg=model.weights[i].path)


def test_spectral_normalization_gradient_is_the_wrapped_layers_at_the_normalized_kernel():
    """Keras (on TensorFlow) assigns `W / sigma` to the kernel before the wrapped layer runs:
    the kernel's gradient is the layer's at that kernel (nothing flows through sigma), and so
    is the input's: the finite differences of the wrapped layer at the normalized weights."""
    rng = np.random.default_rng(0)
    layer = layers.SpectralNormalization(layers.Dense(3, dtype="float64"), dtype="float64")
    x = rng.normal(size=(4, 5))
    upstream = rng.normal(size=(4, 3))
    layer(x)
    vector_u, normalized = layer.normalized_weights()
    with GradientTape() as tape:
        tape.watch(x)
        total = ops.sum(layer(x, training=True) * upstream)
    grads = tape.gradient(total, [x, *layer.trainable_weights])
    close(layer.kernel.numpy(), normalized, rtol=1e-12)
    close(layer.vector_u.numpy(), vector_u, rtol=1e-12)
    inner = layer.layer

    def objective_x(value):
        return float(np.sum(np.asarray(inner(value)) * upstream))

    close(grads[0], finite_difference(objective_x, x), rtol=1e-6, atol=1e-7)
    for variable, grad in zip(layer.trainable_weights, grads[1:]):
        def objective_w(value, variable=variable):
            saved = variable.value.copy()
            variable.value[...] = value
            result = objective_x(x)
            variable.value[...] = saved
            return result

        close(grad, finite_difference(objective_w, variable.numpy()), rtol=1e-6, atol=1e-7)


def test_spectral_normalization_converges_to_a_unit_spectral_norm_and_keeps_zero_kernels():
    layer = layers.SpectralNormalization(layers.Dense(4, kernel_initializer="random_normal"),
                                         power_iterations=3)
    x = np.ones((2, 6), np.float32)
    before = layer(x)
    np.testing.assert_array_equal(layer(x), before)  # inference: the kernel as it is
    for _ in range(5):
        layer(x, training=True)
    close(np.linalg.svd(layer.kernel.numpy(), compute_uv=False)[0], 1.0, rtol=1e-4)
    zeros = layers.SpectralNormalization(layers.Dense(2, kernel_initializer="zeros"))
    zeros(x, training=True)
    np.testing.assert_array_equal(zeros.kernel.numpy(), 0)
    assert not np.any(np.isnan(zeros.vector_u.numpy()))


def test_spectral_normalization_errors_are_keras():
    with pytest.raises(ValueError, match=r"`power_iterations` should be greater than zero. "
                       r"Received: `power_iterations=0`"):
        layers.SpectralNormalization(layers.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="Flatten object has no attribute 'kernel' nor "
                       "'embeddings'"):
        layers.SpectralNormalization(layers.Flatten())(np.ones((2, 3)))
    with pytest.raises(ValueError, match="isn't a supported layer type"):
        layers.SpectralNormalization("dense")
    layer = layers.SpectralNormalization(layers.Dense(2))
    layer(np.ones((2, 3)))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(np.ones((2, 4)))


def test_wrapper_is_the_base_of_time_distributed_and_spectral_normalization():
    for wrapper in (layers.TimeDistributed(layers.Dense(2)),
                    layers.SpectralNormalization(layers.Dense(2))):
        assert isinstance(wrapper, layers.Wrapper)
        config = wrapper.get_config()
        assert config["layer"]["class_name"] == "Dense"
        assert type(type(wrapper).from_config(config).layer) is layers.Dense
    with pytest.raises(ValueError, match=r"Layer 3 supplied to Wrapper isn't a supported layer "
                       r"type. Please ensure wrapped layer is a valid Keras layer."):
        layers.Wrapper(3)
    with pytest.raises(ValueError, match="Please initialize `TimeDistributed` layer"):
        layers.TimeDistributed(3)


@pytest.mark.parametrize("equation, kwargs, message", [
    ("ab,bc", {}, "Invalid einsum equation 'ab,bc'. Equations must be in the form [X],[Y]->[Z], "
     "...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."),
    ("ab,bc->ac", {"bias_axes": "d"}, "Bias dimension 'd' was requested, but is not part of "
     "the output spec 'ac'"),
    ("ab,bcd->ac", {}, "Weight dimension 'd' did not have a match in either the input spec 'ab' "
     "or the output spec 'ac'. For this layer, the weight must be fully specified."),
    ("ab,bc->acd", {"output_shape": (3, 2)}, "Dimension 'd' was specified in the output 'acd' "
     "but has no corresponding dim in the input spec 'ab' or weight spec 'acd'"),
    ("abc,cd->abd", {"output_shape": (4, 2)}, "Input shape and output shape do not match at "
     "shared dimension 'b'. Input shape is 3, and output shape is 4."),
])
def test_einsum_dense_equation_errors_are_keras(equation, kwargs, message):
    kwargs = {"output_shape": 3, **kwargs}
    layer = layers.EinsumDense(equation, **kwargs)
    with pytest.raises(ValueError) as info:
        layer.build((2, 3, 5) if equation.startswith("abc") else (2, 5))
    assert str(info.value) == message


def test_einsum_dense_fans_are_its_kernels_input_and_output_axes():
    """A variance-scaling initializer counts the subscripts the inputs give as fan-in and the
    others as fan-out (Keras'), and the config keeps it as it was given."""
    layer = layers.EinsumDense("abc,cde->abde", (3, 8, 16),
                               kernel_initializer=mk.initializers.VarianceScaling(
                                   1.0, "fan_in", "uniform", seed=1))
    layer.build((None, 3, 200))
    limit = np.sqrt(3.0 / 200)  # fan-in 200 (c), not 8 * 200 by the last-two-axes rule
    kernel = layer.kernel.numpy()
    assert kernel.shape == (200, 8, 16) and kernel.max() <= limit and kernel.max() > 0.9 * limit
    assert layer.get_config()["kernel_initializer"]["config"]["input_axes"] is None


@pytest.mark.parametrize("cls, size, error, message", [
    (layers.AdaptiveAveragePooling1D, (2, 3), ValueError,
     "For 1D input, `output_size` tuple must have length 1. Received: (2, 3)"),
    (layers.AdaptiveMaxPooling1D, 2.0, TypeError,
     "`output_size` must be an integer or tuple of 1 integer. Received: 2.0 of type "
     "<class 'float'>"),
    (layers.AdaptiveMaxPooling2D, (2,), TypeError,
     "`output_size` must be an integer or (height, width) tuple. Received: (2,) of type "
     "<class 'tuple'>"),
    (layers.AdaptiveAveragePooling3D, (2, 2), TypeError,
     "`output_size` must be an integer or (depth, height, width) tuple. Received: (2, 2) of "
     "type <class 'tuple'>"),
])
def test_adaptive_pooling_output_size_errors_are_keras(cls, size, error, message):
    with pytest.raises(error) as info:
        cls(size)
    assert str(info.value) == message
    with pytest.raises(ValueError, match="Invalid data_format: nhwc. Expected 'channels_first' "
                       "or 'channels_last'."):
        cls(2, data_format="nhwc")


def test_adaptive_max_pooling_sends_the_gradient_of_overlapping_windows_to_their_maximum():
    x = np.array([[[0.0], [3.0], [1.0]]], np.float32)  # windows [0, 2), [1, 3): both hold 3
    with GradientTape() as tape:
        tape.watch(x)
        y = layers.AdaptiveMaxPooling1D(2)(x)
        total = ops.sum(y * np.array([[[1.0], [10.0]]], np.float32))
    np.testing.assert_array_equal(y, [[[3.0], [3.0]]])
    np.testing.assert_array_equal(tape.gradient(total, x), [[[0.0], [11.0], [0.0]]])
