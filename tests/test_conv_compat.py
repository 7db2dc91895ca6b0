"""Convolution, pooling and spatial layers against real Keras (references written by
compat/make_conv.py from tests/conv_cases.py): outputs and gradients of every layer and option,
configs of both generations, convnet files in every format, and training steps."""

import json
import pathlib
import warnings

import numpy as np
import pytest

import minikeras as mk
from minikeras import GradientTape, ops
from minikeras.saving import registry
import conv_cases as cc

DATA = pathlib.Path(__file__).resolve().parent.parent / "compat" / "data"
LAYERS = np.load(DATA / "conv_layers.npz")
CONFIGS = json.loads((DATA / "conv_configs.json").read_text())
MANIFEST = json.loads((DATA / "files" / "manifest_conv.json").read_text())
MODEL_FILES = sorted(n for n, e in MANIFEST.items() if e["format"] in ("keras", "h5"))
WEIGHT_FILES = sorted(n for n, e in MANIFEST.items() if e["format"] not in ("keras", "h5"))
NPZ = sorted({e["npz"] for e in MANIFEST.values()})


def close(actual, expected, rtol=1e-5, atol=1e-6, **kwargs):
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=rtol, atol=atol, **kwargs)


def case_layer(name):
    cls, args, kwargs, shape = cc.LAYER_CASES[name]
    layer = getattr(mk.layers, cls)(*args, **kwargs)
    layer.build(shape)
    x, weights = cc.layer_data(name, [w.shape for w in layer.weights])
    layer.set_weights(weights)
    return layer, x


@pytest.mark.parametrize("name", list(cc.LAYER_CASES))
def test_outputs_and_gradients_match_keras(name):
    layer, x = case_layer(name)
    with GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        total = ops.sum(y * cc.upstream(name, tuple(y.shape)))
    grads = tape.gradient(total, [x, *layer.trainable_weights])
    close(y.value, LAYERS[f"{name}/y"])
    if f"{name}/losses" in LAYERS.files:  # the weights' regularizers, then the activity's
        close([float(ops.convert_to_numpy(loss)) for loss in layer.losses],
              LAYERS[f"{name}/losses"])
    else:
        assert not layer.losses
    assert len(grads) == len([k for k in LAYERS.files if k.startswith(f"{name}/g")])
    for i, grad in enumerate(grads):
        close(grad, LAYERS[f"{name}/g{i}"], rtol=1e-4, atol=1e-5, err_msg=f"gradient {i}")


@pytest.mark.parametrize("name", list(cc.LAYER_CASES))
def test_config_is_keras_3s(name):
    layer, _ = case_layer(name)
    ours = json.loads(json.dumps(layer.get_config()))
    keras = CONFIGS["k3"][name]
    for config in (ours, keras):
        config.pop("name")
    assert ours == keras


@pytest.mark.parametrize("generation", ["k3", "k2"])
@pytest.mark.parametrize("name", list(cc.LAYER_CASES))
def test_configs_of_both_generations_load(name, generation):
    cls = cc.LAYER_CASES[name][0]
    layer = registry.deserialize("layer", {"class_name": cls, "config": CONFIGS[generation][name]})
    reference, x = case_layer(name)
    layer.build(x.shape)
    layer.set_weights(reference.get_weights())
    if generation == "k2" and name in cc.KERAS2_UNDILATED:
        assert max(layer.dilation_rate) == 1
        return
    close(layer(x), LAYERS[f"{name}/y"])


@pytest.mark.parametrize("name", list(cc.KERAS2_ONLY_CASES))
def test_keras2_only_configs_load_and_compute_as_tf_keras(name):
    """Layers tf_keras builds and Keras 3 refuses (a causal SeparableConv1D) load from their
    tf_keras configs and compute what tf_keras computes."""
    cls, _, _, shape = cc.KERAS2_ONLY_CASES[name]
    layer = registry.deserialize("layer", {"class_name": cls, "config": CONFIGS["k2"][name]})
    layer.build(shape)
    x, weights = cc.layer_data(name, [w.shape for w in layer.weights])
    layer.set_weights(weights)
    close(layer(x), np.load(DATA / "conv_layers_k2.npz")[f"{name}/y"])


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def reference(name):
    return np.load(DATA / "files" / MANIFEST[name]["npz"])


def numbered(data, prefix):
    keys = sorted((k for k in data.files if k.startswith(prefix) and k[len(prefix):].isdigit()),
                  key=lambda k: int(k[len(prefix):]))
    return [data[k] for k in keys]


@pytest.mark.parametrize("name", MODEL_FILES)
def test_keras_convnet_files_load_and_predict(name):
    data = reference(name)
    model = mk.models.load_model(DATA / "files" / name)
    for ours, theirs in zip(model.get_weights(), numbered(data, "w")):
        np.testing.assert_array_equal(ours, theirs)
    close(model.predict(data["x"], verbose=0), data["pred"])


@pytest.mark.parametrize("name", WEIGHT_FILES)
def test_keras_convnet_weight_files_load(name):
    entry = MANIFEST[name]
    data = reference(name)
    model = cc.build_model(mk, entry["model"], entry["data_format"])
    model.load_weights(DATA / "files" / name)
    close(model.predict(data["x"], verbose=0), data["pred"])


@pytest.mark.parametrize("npz", NPZ)
def test_training_steps_match_keras(npz):
    entry = next(e for e in MANIFEST.values() if e["npz"] == npz)
    data = np.load(DATA / "files" / npz)
    model = cc.build_model(mk, entry["model"], entry["data_format"])
    model.set_weights(numbered(data, "start"))
    model.compile(optimizer=mk.optimizers.Adam(cc.LEARNING_RATE), loss=entry["loss"])
    model.fit(data["train_x"], data["train_y"], **cc.TRAINING)
    for ours, theirs in zip(model.get_weights(), numbered(data, "w")):
        close(ours, theirs, rtol=1e-4, atol=1e-5)
    close(model.predict(data["x"], verbose=0), data["pred"], rtol=1e-4)


@pytest.mark.parametrize("suffix", [".keras", ".h5", ".weights.h5"])
def test_our_convnet_files_round_trip(tmp_path, suffix):
    data = reference("k3_conv2d_channels_first.keras")
    model = mk.models.load_model(DATA / "files" / "k3_conv2d_channels_first.keras")
    path = tmp_path / f"m{suffix}"
    if suffix == ".weights.h5":
        model.save_weights(path)
        loaded = cc.build_model(mk, "conv2d", "channels_first")
        loaded.load_weights(path)
    else:
        model.save(path)
        loaded = mk.models.load_model(path)
    close(loaded.predict(data["x"], verbose=0), data["pred"])
