"""Functional models in files: those real Keras 3 and tf_keras saved in every format
(compat/make_functional_files.py) load and predict as Keras did; minikeras' own files round
trip; configs, JSON and clones."""

import json
import pathlib

import numpy as np
import pytest

import functional_cases as fc
import minikeras as keras

FILES = pathlib.Path(__file__).resolve().parent.parent / "compat" / "data" / "functional"
MANIFESTS = {w: json.loads((FILES / f"manifest_{w}.json").read_text()) for w in ("k3", "k2")}
CASES = [pytest.param(w, name, f)
         for w, manifest in MANIFESTS.items() for name, entry in manifest.items()
         for f in entry["files"]]


def reference(writer, name):
    arrays = np.load(FILES / f"{writer}_{name}.npz")
    xs = [arrays[f"x{i}"] for i in range(sum(k.startswith("x") for k in arrays))]
    preds = [arrays[f"pred{i}"] for i in range(sum(k.startswith("pred") for k in arrays))]
    return xs, preds


@pytest.mark.parametrize("writer, name, filename", CASES)
def test_keras_files_load_and_predict_as_keras(writer, name, filename):
    xs, preds = reference(writer, name)
    if "weights" in filename:
        model = fc.build(keras, name, legacy=writer == "k2")
        model.load_weights(FILES / filename)
    else:
        model = keras.models.load_model(FILES / filename)
    expected_layers = MANIFESTS[writer][name]["layers"]
    if "weights" in filename:  # built here, `x + 1` is an op as in Keras 3, not a TFOpLambda
        expected_layers = [n for n in expected_layers if not n.startswith("tf.")]
    names = [layer.name for layer in model.layers]
    if writer == "k2":  # ordered by Keras 3's rules (mask edges count), as Keras 3 loads it;
        names, expected_layers = sorted(names), sorted(expected_layers)  # predictions check
    assert names == expected_layers
    got = fc.flat_predictions(model.predict(fc.structured(model, xs), verbose=0))
    assert len(got) == len(preds)
    for a, b in zip(got, preds):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(fc.MODELS))
@pytest.mark.parametrize("suffix", [".keras", ".h5", ".weights.h5", "_weights.h5"])
def test_our_files_round_trip(name, suffix, tmp_path):
    model = fc.build(keras, name)
    x = fc.inputs_for(model)
    expected = fc.flat_predictions(model.predict(x, verbose=0))
    path = tmp_path / f"m{suffix}"
    if "weights" in suffix:
        model.save_weights(path)
        loaded = fc.build(keras, name)
        loaded.set_weights([np.zeros_like(w) for w in loaded.get_weights()])
        loaded.load_weights(path)
    else:
        model.save(path)
        loaded = keras.models.load_model(path)
        # A legacy .h5 is tf_keras' form: ops are TFOpLambda layers there, and the ops that
        # compute masks are left out (tf_keras carries masks beside the graph).
        listed = model.layers
        if suffix == ".h5":
            listed = [op for op in getattr(model, "operations", listed)
                      if type(op).__name__ not in ("NotEqual", "Any")]
        assert [layer.name for layer in loaded.layers] == [layer.name for layer in listed]
    for a, b in zip(fc.flat_predictions(loaded.predict(x, verbose=0)), expected):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", list(fc.MODELS))
def test_json_and_clone(name):
    model = fc.build(keras, name)
    x = fc.inputs_for(model)
    rebuilt = keras.models.model_from_json(model.to_json())
    assert json.loads(rebuilt.to_json()) == json.loads(model.to_json())
    rebuilt.set_weights(model.get_weights())
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    expected = fc.flat_predictions(model.predict(x, verbose=0))
    for other in (rebuilt, clone):
        for a, b in zip(fc.flat_predictions(other.predict(x, verbose=0)), expected):
            np.testing.assert_allclose(a, b, rtol=1e-6)


def _keras2_op_config(function, kwargs):
    """A Keras 2 functional config: Input x (4,) -> TFOpLambda `function` -> output."""
    return json.dumps({"class_name": "Functional", "config": {
        "name": "m", "layers": [
            {"class_name": "InputLayer", "name": "x", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 4], "dtype": "float32", "name": "x"}},
            {"class_name": "TFOpLambda", "name": f"tf.{function}", "inbound_nodes": [
                ["x", 0, 0, kwargs]],
             "config": {"name": f"tf.{function}", "trainable": True, "dtype": "float32",
                        "function": function}}],
        "input_layers": [["x", 0, 0]], "output_layers": [[f"tf.{function}", 0, 0]]}})


@pytest.mark.parametrize("function, kwargs, expected", [
    ("math.multiply", {"y": 3.0, "name": None}, lambda x: x * 3),
    ("math.reduce_sum", {"axis": 1, "keepdims": True}, lambda x: x.sum(1, keepdims=True)),
    ("__operators__.getitem", {"slice_spec": [{"start": None, "stop": None, "step": None},
                                             {"start": 1, "stop": None, "step": 2}]},
     lambda x: x[:, 1::2]),
])
def test_tf_op_lambda_computes_the_tensorflow_function(function, kwargs, expected):
    model = keras.models.model_from_json(_keras2_op_config(function, kwargs))
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected(x), rtol=1e-6)


@pytest.mark.parametrize("function, kwargs, message", [
    ("math.bessel_i0", {}, "'tf.math.bessel_i0' is not in minikeras' table"),
    ("os.system", {}, "'tf.os.system' is not in minikeras' table"),
    ("math.reduce_sum", {"axis": 1, "reduction_indices": 1},
     "tf.math.reduce_sum called with arguments"),
])
def test_tf_op_lambda_refuses_what_its_table_lacks(function, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        keras.models.model_from_json(_keras2_op_config(function, kwargs))


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_a_functional_config_declaring_huge_weights_is_refused_before_allocating(
        suffix, tmp_path):
    """The planned model's weights are placeholders: a file whose config declares a layer far
    larger than its stored weights is refused with no memory spent on that layer."""
    import tracemalloc
    import zipfile

    import h5py

    path = tmp_path / f"m{suffix}"
    fc.build(keras, "mlp").save(path)

    def enlarge(text):
        config = json.loads(text)
        for entry in config["config"]["layers"]:
            if entry["config"]["name"] == "hidden":
                entry["config"]["units"] = 20_000_000  # 320 MB of kernel
        return json.dumps(config)

    if suffix == ".h5":
        with h5py.File(path, "r+") as f:
            f.attrs["model_config"] = enlarge(f.attrs["model_config"])
    else:
        with zipfile.ZipFile(path) as archive:
            members = {name: archive.read(name) for name in archive.namelist()}
        members["config.json"] = enlarge(members["config.json"]).encode()
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="hidden|probs"):  # the layer, or the next one
            keras.models.load_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000


def _graph_form(entry):
    """A legacy config's graph without its names: each layer entry as its class, its
    InputLayer shape and its inbound nodes, every reference `[name, node, tensor]` read as
    `[referenced class, node, tensor]` (names differ between processes: `concatenate_1`,
    `tf.math.add`), layers in sorted order, nested models alike."""
    config = entry["config"]
    if entry["class_name"] == "InputLayer":
        return [entry["class_name"], config["batch_input_shape"]]
    if "layers" not in config:
        return [entry["class_name"]]
    classes = {layer.get("name", layer["config"]["name"]): layer["class_name"]
               for layer in config["layers"]}

    def refs(value):
        if isinstance(value, dict):
            return {key: refs(item) for key, item in value.items() if key != "name"}
        if isinstance(value, list):
            if len(value) >= 3 and isinstance(value[0], str) and value[0] in classes:
                return [classes[value[0]], *value[1:3], *refs(value[3:])]
            return [refs(item) for item in value]
        return value

    layers = sorted(json.dumps([_graph_form(layer), refs(layer.get("inbound_nodes"))])
                    for layer in config["layers"])
    return [entry["class_name"], layers,
            *(refs(config[key]) for key in ("input_layers", "output_layers") if key in config)]


@pytest.mark.parametrize("name", list(fc.MODELS))
def test_legacy_h5_graph_is_the_one_tf_keras_writes(name):
    """minikeras' `.h5` config of each model has the graph of tf_keras' own file: the same
    layers, node numbers and nested input layers (tf_keras' loader loops forever on a
    reference to a node a model does not get, as a nested Sequential without its input layer
    did)."""
    import h5py

    from minikeras.saving import legacy_h5

    ours = legacy_h5.model_config(fc.build(keras, name, legacy=True))
    with h5py.File(FILES / f"k2_{name}.h5") as f:
        theirs = json.loads(f.attrs["model_config"])
    assert _graph_form(ours) == _graph_form(theirs)


@pytest.mark.parametrize("name", ["op_nodes", "tf_functions"])
def test_keras2_op_layers_are_written_to_keras_as_keras3_ops(name, tmp_path):
    """A tf_keras model with TFOpLambda/SlicingOpLambda layers (Keras 3 has no such class)
    goes to `.keras` as the Keras 3 ops its functions compute, which load back with tf_keras'
    predictions (compat/check_our_files.py has Keras 3 load them too); the model itself is left
    as it was, and a compiled one keeps its optimizer state."""
    import zipfile

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "No training configuration found"
        model = keras.models.load_model(FILES / f"k2_{name}.h5")
    nodes = [(len(op._inbound_nodes), len(op._outbound_nodes)) for op in model.operations]
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    xs, preds = reference("k2", name)
    x = fc.structured(model, xs)
    model.train_on_batch(x, [np.zeros_like(p) for p in preds] if len(preds) > 1 else
                         np.zeros_like(preds[0]))
    expected = fc.flat_predictions(model.predict(x, verbose=0))
    path = tmp_path / "m.keras"
    model.save(path)
    assert [(len(op._inbound_nodes), len(op._outbound_nodes))
            for op in model.operations] == nodes
    config = json.loads(zipfile.ZipFile(path).read("config.json"))["config"]
    classes = {entry["class_name"] for entry in config["layers"]}
    assert not classes & {"TFOpLambda", "SlicingOpLambda"}
    modules = {entry["module"] for entry in config["layers"] if entry["class_name"] not in (
        "InputLayer", "Dense")}
    assert modules <= {"keras.src.ops.numpy", "keras.src.ops.nn", "keras.src.ops.math",
                       "keras.src.ops.core"}
    loaded = keras.models.load_model(path)
    assert loaded.optimizer.iterations.numpy() == 1
    for a, b in zip(fc.flat_predictions(loaded.predict(x, verbose=0)), expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    untrained = keras.models.load_model(FILES / f"k2_{name}.h5", compile=False)
    untrained.save(tmp_path / "u.keras")
    got = fc.flat_predictions(keras.models.load_model(tmp_path / "u.keras").predict(
        x, verbose=0))
    for a, b in zip(got, preds, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_an_op_layer_keras3_cannot_record_is_refused_naming_it(tmp_path, monkeypatch):
    from minikeras.layers import operation

    model = keras.models.load_model(FILES / "k2_op_nodes.h5", compile=False)
    monkeypatch.delitem(operation._BY_FUNCTION, "multiply")  # as if no Keras 3 op computed it
    with pytest.raises(ValueError, match=r"TFOpLambda layer 'tf\.math\.multiply' "
                                         r"\(tf\.math\.multiply\) in a \.keras file"):
        model.save(tmp_path / "m.keras")
    assert not (tmp_path / "m.keras").exists()
    model.save(tmp_path / "m.h5")  # the legacy form keeps the layer
