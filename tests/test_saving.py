"""Saving and loading: every Keras format both ways, the refusals, atomic saves and the CLI.

Reference files were saved by real Keras 3.15 and tf_keras 2.21 (compat/make_saved_files.py,
compat/data/files/); the reverse direction, Keras loading minikeras' files, is checked by
compat/check_our_files.py and recorded in docs/compat.md.
"""

import io
import json
import os
import pathlib
import subprocess
import sys
import textwrap
import time
import warnings
import zipfile

import h5py
import numpy as np
import pytest

import minikeras as mk
from minikeras.__main__ import main as cli
from minikeras.saving import atomic, file_info, h5io, keras_v3, legacy_h5, saving_api

FILES = pathlib.Path(__file__).resolve().parent.parent / "compat" / "data" / "files"
# manifest.json (compat/make_saved_files.py) and the others (manifest_layers.json,
# manifest_recurrent.json, ...); manifest_conv.json has its own test, tests/test_conv_compat.py.
MANIFEST = {name: entry for path in sorted(FILES.glob("manifest*.json"))
            if path.name != "manifest_conv.json"
            for name, entry in json.loads(path.read_text()).items()}


def _files(names, broken=()):
    """The files as test parameters: those needing layers minikeras lacks yet skipped, the
    known broken ones expected to fail."""
    params = []
    for name in sorted(names):
        missing = [n for n in MANIFEST[name].get("needs", []) if not hasattr(mk.layers, n)]
        if missing:
            params.append(pytest.param(name, marks=pytest.mark.skip(
                reason=f"needs layers.{missing[0]}")))
        elif name in broken:
            params.append(pytest.param(name, marks=pytest.mark.xfail(
                strict=True, reason="optimizer state not restored (session note)")))
        else:
            params.append(name)
    return params


MODEL_NAMES = sorted(n for n, e in MANIFEST.items() if e["format"] in ("keras", "h5"))
MODEL_FILES = _files(MODEL_NAMES)
WEIGHT_FILES = _files(n for n, e in MANIFEST.items() if e["format"] not in ("keras", "h5"))
# Models with random layers in training (noise, dropout) do not resume to Keras' weights.
# Keras 3's masked Embedding model resumes to the weights Keras 3 reaches on JAX ("resumed_on"):
# on TensorFlow its Adam squares each token's slice of the sparse gradient (docs/compat.md).
RESUMABLE = _files(n for n, e in MANIFEST.items()
                   if e["format"] in ("keras", "h5") and e["compiled"]
                   and e.get("resumable", True))
FORMATS = ["m.keras", "m.h5", "w.weights.h5", "w.h5"]


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def reference(name):
    return np.load(FILES / MANIFEST[name]["npz"])


def numbered(data, prefix):
    keys = sorted((k for k in data.files if k[len(prefix):].isdigit() and k.startswith(prefix)),
                  key=lambda k: int(k[len(prefix):]))
    return [data[k] for k in keys]


def architecture_for(name):
    """The model file Keras saved beside a weights file, loaded uncompiled, weights zeroed."""
    entry = MANIFEST[name]
    source = next(n for n, e in sorted(MANIFEST.items()) if e["format"] in ("keras", "h5")
                  and e["model"] == entry["model"] and e["writer"] == entry["writer"])
    model = mk.models.load_model(FILES / source, compile=False)
    for weight in model.weights:
        weight.value[...] = 0
    return model


def trained_model(optimizer="adam"):
    # Dropout's random state is not saved (nor by Keras): a rate of 0 keeps resuming exact.
    model = mk.Sequential([mk.Input((4,)), mk.layers.Dense(5, activation="relu"),
                           mk.layers.Dropout(0.0), mk.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(*batch(16, seed=1), batch_size=8, verbose=0)
    return model


def batch(n=8, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.uniform(-1, 1, (n, 4)).astype("float32"),
            np.eye(3, dtype="float32")[rng.integers(0, 3, n)])


def save(model, path):
    (model.save if str(path).endswith((".keras", "m.h5")) else model.save_weights)(path)


def load_into_fresh(path, template):
    """A model from `path`, or for a weights file a fresh copy of `template` loaded from it."""
    if str(path).endswith((".keras", "m.h5", "_dir")):
        return mk.models.load_model(path)
    model = mk.models.clone_model(template)
    model.load_weights(path)
    return model


# ----------------------------------------------------------------------------------------------
# Files saved by Keras


@pytest.mark.parametrize("name", MODEL_FILES)
def test_keras_model_files_load_with_keras_predictions_and_optimizer_state(name):
    data, entry = reference(name), MANIFEST[name]
    model = mk.models.load_model(FILES / name)
    np.testing.assert_allclose(model.predict(data["x"], verbose=0), data["pred"], atol=1e-5)
    for weight, expected in zip(model.get_weights(), numbered(data, "w"), strict=True):
        np.testing.assert_array_equal(weight, expected)
    assert model.compiled == entry["compiled"]
    if entry["compiled"]:
        assert int(model.optimizer.iterations) == entry["iterations"]
        variables = [v.value for v in model.optimizer.variables]
        if entry["writer"] == "k2":  # tf_keras keeps no learning-rate variable
            variables = variables[:1] + variables[2:]
        stored = numbered(data, "opt")
        if (entry["writer"] == "k2" and isinstance(model.optimizer, mk.optimizers.SGD)
                and model.optimizer.momentum == 0):
            stored = stored[:1]  # tf_keras' plain SGD keeps momentum slots Keras 3's lacks
        for variable, expected in zip(variables, stored, strict=True) if stored else ():
            np.testing.assert_array_equal(variable, expected)
        assert model.get_compile_config()["loss"] is not None


@pytest.mark.parametrize("name", WEIGHT_FILES)
def test_keras_weights_files_load_into_the_architecture(name):
    data = reference(name)
    model = architecture_for(name)
    model.load_weights(FILES / name)
    for weight, expected in zip(model.get_weights(), numbered(data, "w"), strict=True):
        np.testing.assert_array_equal(weight, expected)


@pytest.mark.parametrize("name", RESUMABLE)
def test_training_resumed_after_loading_continues_as_keras_did(name):
    data = reference(name)
    model = mk.models.load_model(FILES / name)
    model.fit(data["resume_x"], data["resume_y"], batch_size=8, shuffle=False, verbose=0)
    for weight, expected in zip(model.get_weights(), numbered(data, "resumed_w"), strict=True):
        np.testing.assert_allclose(weight, expected, atol=1e-5)


# ----------------------------------------------------------------------------------------------
# Round trips


@pytest.mark.parametrize("filename", FORMATS + ["unzipped_dir"])
def test_round_trip_restores_weights_optimizer_and_resumes_exactly(tmp_path, filename):
    model = trained_model(mk.optimizers.RMSprop(0.01, momentum=0.9))
    path = tmp_path / filename
    if filename == "unzipped_dir":
        model.save(path, zipped=False)
        assert sorted(os.listdir(path)) == ["config.json", "metadata.json", "model.weights.h5"]
    else:
        save(model, path)
    loaded = load_into_fresh(path, model)
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    if filename.startswith("w."):
        if filename == "w.weights.h5":  # Keras 3 weights files keep the optimizer state too
            loaded.compile(optimizer=mk.optimizers.RMSprop(0.01, momentum=0.9),
                           loss="categorical_crossentropy")
            loaded.load_weights(path)
            assert int(loaded.optimizer.iterations) == 2
        return
    assert loaded.get_compile_config()["metrics"] == ["accuracy"]
    assert int(loaded.optimizer.iterations) == 2
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.value, b.value)
    x, y = batch(seed=5)
    for resumed in (model, loaded):
        resumed.fit(x, y, batch_size=4, shuffle=False, verbose=0)
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_keras_archive_has_keras_member_order_storage_and_layout(tmp_path):
    model = mk.Sequential([mk.layers.Dense(64, activation="relu", input_shape=(10,)),
                           mk.layers.Dense(64, activation="relu"),
                           mk.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        infos = archive.infolist()
        config = json.loads(archive.read("config.json"))
        metadata = json.loads(archive.read("metadata.json"))
        ours = archive.read("model.weights.h5")
    assert [i.filename for i in infos] == ["metadata.json", "config.json", "model.weights.h5"]
    assert {i.compress_type for i in infos} == {zipfile.ZIP_STORED}
    assert infos[0].date_time == infos[1].date_time == (1980, 1, 1, 0, 0, 0)
    assert metadata["keras_version"] == keras_v3.KERAS_VERSION and "date_saved" in metadata
    assert list(config["compile_config"])[:2] == ["optimizer", "loss"]
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    # The same datasets, shapes, dtypes and @name attributes as Keras' file for this model.
    with zipfile.ZipFile(FILES / "k3_seed.keras") as archive:
        theirs = archive.read("model.weights.h5")

    def layout(data):
        found = {}
        with h5py.File(io.BytesIO(data), "r") as f:
            f.visititems(lambda path, node: found.__setitem__(
                path, (node.shape, node.dtype.name) if isinstance(node, h5py.Dataset)
                else {k: v for k, v in node.attrs.items() if not path.startswith("optimizer")}))
        return found

    assert layout(ours) == layout(theirs)


def test_legacy_h5_has_tf_keras_layout_and_attribute_types(tmp_path):
    model = trained_model()
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        config = json.loads(f.attrs["model_config"])
        assert config["config"]["layers"][0] == {"class_name": "InputLayer", "config": {
            "batch_input_shape": [None, 4], "dtype": "float32", "sparse": False,
            "ragged": False, "name": "input_layer", "optional": False}}
        assert all("module" not in entry for entry in config["config"]["layers"])
        dense = config["config"]["layers"][1]["config"]
        assert dense["dtype"] == "float32" and "quantization_config" not in dense
        training = json.loads(f.attrs["training_config"])
        assert training["optimizer_config"]["class_name"] == "Custom>Adam"
        assert training["optimizer_config"]["config"]["is_legacy_optimizer"] is False
        assert list(f["model_weights"].attrs["layer_names"]) == ["dense", "dropout", "dense_1"]
        assert list(f["model_weights/dense"].attrs["weight_names"]) == [
            "dense/kernel:0", "dense/bias:0"]
        empty = f["model_weights/dropout"].attrs["weight_names"]
        assert empty.dtype == np.float64 and empty.shape == (0,)
        assert f["model_weights/dense/dense/kernel:0"].chunks is None
        names = list(f["optimizer_weights"].attrs["weight_names"])
        assert names[0] == "adam/iteration:0" and len(names) == 9  # no learning-rate variable
        cset = {name: f.attrs.get_id(name).get_type().get_cset()
                for name in ("model_config", "keras_version")}
        assert cset == {"model_config": h5py.h5t.CSET_ASCII, "keras_version": h5py.h5t.CSET_UTF8}


def test_long_names_split_layer_names_into_chunks_both_ways(tmp_path):
    model = mk.models.load_model(FILES / "k2_chunked.h5")
    with h5py.File(FILES / "k2_chunked.h5", "r") as f:
        assert "layer_names0" in f["model_weights"].attrs  # Keras chunked it
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        attrs = f["model_weights"].attrs
        assert "layer_names" not in attrs and {"layer_names0", "layer_names1"} <= set(attrs)
    reloaded = mk.models.load_model(tmp_path / "m.h5")
    assert [layer.name for layer in reloaded.layers] == [layer.name for layer in model.layers]


# ----------------------------------------------------------------------------------------------
# load_weights rules


def legacy_weights_file(tmp_path):
    source = mk.Sequential([mk.Input((4,)), mk.layers.Dense(5), mk.layers.Dense(3)])
    source.save_weights(tmp_path / "w.h5")
    return source, tmp_path / "w.h5"


def test_legacy_topological_loading_ignores_names(tmp_path):
    source, path = legacy_weights_file(tmp_path)
    target = mk.Sequential([mk.Input((4,)), mk.layers.Dense(5, name="a"), mk.layers.Dropout(0.5),
                            mk.layers.Dense(3, name="b")])
    target.load_weights(path)
    for a, b in zip(target.get_weights(), source.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_legacy_loading_errors_and_skip_mismatch(tmp_path):
    _, path = legacy_weights_file(tmp_path)
    short = mk.Sequential([mk.Input((4,)), mk.layers.Dense(5)])
    with pytest.raises(ValueError, match="Layer count mismatch when loading weights from file. "
                                         "Model expected 1 layers, found 2 saved layers"):
        short.load_weights(path)
    wrong = mk.Sequential([mk.Input((4,)), mk.layers.Dense(5), mk.layers.Dense(7, name="out")])
    with pytest.raises(ValueError, match=r"Shape mismatch in layer #1 \(named out\)for weight "
                                         r"sequential_2/out/kernel. Weight expects shape \(5, 7\)"):
        wrong.load_weights(path)
    kept = wrong.layers[1].kernel.numpy()
    with pytest.warns(UserWarning, match="Skipping loading weights for layer #1"):
        warnings.simplefilter("always")
        wrong.load_weights(path, skip_mismatch=True)
    np.testing.assert_array_equal(wrong.layers[1].kernel.value, kept)


def test_legacy_by_name_matches_names_and_leaves_others(tmp_path):
    source, path = legacy_weights_file(tmp_path)
    target = mk.Sequential([mk.Input((4,)), mk.layers.Dense(5, name="other"),
                            mk.layers.Dense(3, name="dense_1")])
    before = target.layers[0].kernel.numpy()
    target.load_weights(path, by_name=True)
    np.testing.assert_array_equal(target.layers[0].kernel.value, before)
    np.testing.assert_array_equal(target.layers[1].kernel.value, source.layers[1].kernel.value)
    mismatched = mk.Sequential([mk.Input((4,)), mk.layers.Dense(5, use_bias=False, name="dense")])
    with pytest.raises(ValueError, match=r"Weight count mismatch for layer #0 \(named dense\)"):
        mismatched.load_weights(path, by_name=True)
    with pytest.warns(UserWarning, match=r"Skipping loading of weights for layer #0 \(named "
                                         r"dense\) due to mismatch in number of weights"):
        warnings.simplefilter("always")
        mismatched.load_weights(path, by_name=True, skip_mismatch=True)


def test_keras3_weights_match_by_class_path_not_name(tmp_path):
    source = mk.Sequential([mk.Input((4,)), mk.layers.Dense(5), mk.layers.Dense(3),
                            mk.layers.Dense(2)])
    source.save_weights(tmp_path / "w.weights.h5")
    fewer = mk.Sequential([mk.Input((4,)), mk.layers.Dense(5, name="x"), mk.layers.Dense(3)])
    fewer.load_weights(tmp_path / "w.weights.h5")  # extra saved layers are ignored
    np.testing.assert_array_equal(fewer.layers[0].kernel.value, source.layers[0].kernel.value)
    more = mk.Sequential([mk.Input((4,)), mk.layers.Dense(5), mk.layers.Dense(3),
                          mk.layers.Dense(2), mk.layers.Dense(2, name="extra")])
    with pytest.raises(ValueError, match=r"A total of 1 objects could not be loaded.(.|\n)*"
                                         r"Layer 'extra' expected 2 variables, but received 0"):
        more.load_weights(tmp_path / "w.weights.h5")
    wrong = mk.Sequential([mk.Input((4,)), mk.layers.Dense(6)])
    with pytest.raises(ValueError, match=r"variable.shape=\(4, 6\), Received: "
                                         r"value.shape=\(4, 5\)"):
        wrong.load_weights(tmp_path / "w.weights.h5")
    with pytest.warns(UserWarning, match="A total of 1 objects could not be loaded"):
        warnings.simplefilter("always")
        wrong.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    with pytest.raises(ValueError, match="`by_name` only supports loading legacy '.h5' or"):
        fewer.load_weights(tmp_path / "w.weights.h5", by_name=True)
    with pytest.raises(ValueError, match="You are loading weights into a model that has not yet"):
        mk.Sequential([mk.layers.Dense(2)]).load_weights(tmp_path / "w.weights.h5")


def test_weights_files_are_read_by_content_and_old_container_names(tmp_path):
    source = trained_model()
    source.save_weights(tmp_path / "w.weights.h5")
    os.rename(tmp_path / "w.weights.h5", tmp_path / "renamed.h5")  # Keras 3 layout, legacy name
    with h5py.File(tmp_path / "renamed.h5", "a") as f:
        f.move("layers", "_layer_checkpoint_dependencies")  # what Keras 2.13 wrote
    target = mk.models.clone_model(source)
    target.load_weights(tmp_path / "renamed.h5")
    for a, b in zip(target.get_weights(), source.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------------------------
# Dispatch and Keras 3's messages


def test_dispatch_errors_follow_keras3(tmp_path):
    model = trained_model()
    with pytest.raises(ValueError, match="Invalid filepath extension for saving"):
        model.save(tmp_path / "m.tf")
    with pytest.raises(ValueError, match="The filename must end in `.weights.h5`"):
        model.save_weights(tmp_path / "w.weights")
    with pytest.raises(ValueError, match="File not found: filepath=.*missing.keras"):
        mk.models.load_model(tmp_path / "missing.keras")
    with pytest.raises(ValueError, match="File format not supported"):
        mk.models.load_model(tmp_path / "m.tf")
    with pytest.raises(FileNotFoundError):
        mk.models.load_model(tmp_path / "missing.h5")
    model.save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match="No model config found in the file at"):
        mk.models.load_model(tmp_path / "w.h5")
    with pytest.raises(ValueError, match="You are saving a model that has not yet been built"):
        mk.Sequential([mk.layers.Dense(2)]).save_weights(tmp_path / "u.weights.h5")
    with pytest.raises(ValueError, match="not supported: \\['bogus'\\]"):
        model.save(tmp_path / "m.keras", bogus=1)
    uncompiled = mk.models.load_model(FILES / "k3_adam.keras", compile=False)
    assert not uncompiled.compiled and not hasattr(uncompiled, "optimizer")


# ----------------------------------------------------------------------------------------------
# Refusals: nothing in a file is executed, and broken files fail cleanly


def rewrite_keras(tmp_path, edit_config=None, members=None, name="bad.keras"):
    """A copy of Keras' k3_adam.keras with its config edited or members replaced."""
    with zipfile.ZipFile(FILES / "k3_adam.keras") as archive:
        contents = {info.filename: archive.read(info) for info in archive.infolist()}
    if edit_config:
        config = json.loads(contents["config.json"])
        contents["config.json"] = json.dumps(edit_config(config) or config).encode()
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in list(contents.items()) + list((members or {}).items()):
            archive.writestr(member, data)
    return path


def layer_configs(config):
    return config["config"]["layers"]


LAMBDA_K3 = {"module": "keras.layers", "class_name": "Lambda", "config": {
    "name": "evil", "function": {"class_name": "__lambda__", "config": {
        "code": "4wEAAAAAAAAAAAAAAAEAAAADAAAAQwAAAHMEAAAAfABTACkBTqkAKQHaAXhy",
        "defaults": None, "closure": None}}}, "registered_name": None}
LAMBDA_K2 = {"class_name": "Lambda", "config": {"name": "evil", "function": [
    "4wEAAAAAAAAAAAAAAAEAAAADAAAAQwAAAHMEAAAAfABTACkBTqkAKQE=", None, None],
    "function_type": "lambda", "module": "__main__"}}
REFUSALS = {
    "lambda layer (Keras 3 form)": (lambda c: layer_configs(c).insert(2, LAMBDA_K3),
                                    "'__lambda__' object, which would run code"),
    "lambda layer (Keras 2 marshalled bytecode)": (lambda c: layer_configs(c).insert(2, LAMBDA_K2),
                                                   "Lambda"),
    "bytecode in a custom layer": (lambda c: layer_configs(c)[1]["config"].update(
        function=["YmFk", None, None]), "marshalled bytecode"),
    "unknown class": (lambda c: layer_configs(c)[1].update(class_name="Sneaky"),
                      "Could not locate class 'Sneaky'"),
    "module and function names": (lambda c: layer_configs(c)[1].update(
        module="os", class_name="system"), "never imports modules named in a file"),
    "function name as activation": (lambda c: layer_configs(c)[1]["config"].update(
        activation={"module": "builtins", "class_name": "function", "config": "eval",
                    "registered_name": "function"}), "eval"),
    "units far beyond the stored weights": (lambda c: layer_configs(c)[1]["config"].update(
        units=10 ** 12), r"variable.shape=\(4, 1000000000000\), Received: value.shape=\(4, 5\)"),
    "input shape far beyond the stored weights": (lambda c: layer_configs(c)[0]["config"].update(
        batch_shape=[None, 10 ** 9]), r"variable.shape=\(1000000000, 5\)"),
    "nesting too deep": (lambda c: layer_configs(c)[1]["config"].update(
        extra=json.loads("[" * 200 + "]" * 200)), "nested more than 64 levels"),
    "nesting deeper than json can parse": (None, "nested too deeply"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_hostile_configs_are_refused_before_anything_runs_or_is_allocated(tmp_path, case):
    edit, message = REFUSALS[case]
    if edit is None:
        path = rewrite_keras(tmp_path, members={})
        with zipfile.ZipFile(FILES / "k3_adam.keras") as source, \
                zipfile.ZipFile(path, "w") as archive:
            archive.writestr("config.json", "[" * 100000 + "]" * 100000)
            archive.writestr("model.weights.h5", source.read("model.weights.h5"))
    else:
        path = rewrite_keras(tmp_path, edit)
    start = time.perf_counter()
    with pytest.raises(ValueError, match=message) as error:
        mk.models.load_model(path, safe_mode=False)  # refused whatever safe_mode says
    assert str(path) in str(error.value)
    assert time.perf_counter() - start < 2


def test_unknown_class_is_also_a_type_error_as_in_keras(tmp_path):
    path = rewrite_keras(tmp_path, REFUSALS["unknown class"][0])
    with pytest.raises(TypeError, match="Sneaky"):
        mk.models.load_model(path)


def test_archive_members_are_read_by_exact_name_and_never_extracted(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = rewrite_keras(tmp_path, members={"../escape.txt": b"x", "/abs.txt": b"x",
                                            "assets/../../evil.py": b"x"})
    model = mk.models.load_model(path)
    assert model.built
    assert sorted(os.listdir(tmp_path)) == ["bad.keras"]
    assert not (tmp_path.parent / "escape.txt").exists()
    hidden = tmp_path / "hidden.keras"
    with zipfile.ZipFile(FILES / "k3_adam.keras") as source, zipfile.ZipFile(hidden, "w") as out:
        for info in source.infolist():
            out.writestr("sub/../" + info.filename, source.read(info))
    with pytest.raises(ValueError, match="lacks \\['config.json', 'model.weights.h5'\\]"):
        mk.models.load_model(hidden)
    duplicated = rewrite_keras(tmp_path, members={"config.json": b"{}"}, name="dup.keras")
    with pytest.raises(ValueError, match="several members named \\['config.json'\\]"):
        mk.models.load_model(duplicated)


def test_oversized_archive_members_are_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(keras_v3, "_MAX_JSON_BYTES", 1000)
    with pytest.raises(ValueError, match="config.json' declares"):
        mk.models.load_model(rewrite_keras(tmp_path))


def hdf5_copy(tmp_path, name):
    path = tmp_path / name.replace("k3_", "").replace("k2_", "")
    path.write_bytes((FILES / name).read_bytes())
    return path


def damage(path, node, key, value):
    """Replace `key` of the HDF5 object `node` by `value`: an attribute when `key` starts with
    '@'; else a link, an array, `create_dataset` arguments (a dict), or nothing (None)."""
    with h5py.File(path, "a") as f:
        node = f[node]
        if key.startswith("@"):
            node.attrs[key[1:]] = value
            return
        if key in node:
            del node[key]
        if isinstance(value, dict):
            node.create_dataset(key, **value)
        elif value is not None:
            node[key] = value


VARS = "layers/dense/vars"
KERAS3_DAMAGE = {
    "soft link": (VARS, "0", h5py.SoftLink("/layers/dense_1/vars/0"), "SoftLink"),
    "external link": (VARS, "0", h5py.ExternalLink("/etc/x.h5", "/d"), "ExternalLink"),
    "huge unbacked dataset": (VARS, "0", dict(shape=(100000, 100000), dtype="float32",
                                              chunks=(100, 100), compression="gzip"),
                              "refusing to allocate"),
    "text dataset": (VARS, "1", np.array([b"abc"] * 5), "expected a numeric array"),
    "wrong shape": (VARS, "1", np.zeros(7, "f4"), r"value.shape=\(7,\)"),
    "extra dataset": (VARS, "7", np.zeros(3), "expected datasets named '0' to '2'"),
    "missing dataset": (VARS, "1", None, "Layer 'dense_4' expected 2 variables, but received 1"),
}


@pytest.mark.parametrize("case", KERAS3_DAMAGE)
def test_damaged_keras3_weights_are_refused_naming_file_and_layout(tmp_path, case):
    *where, message = KERAS3_DAMAGE[case]
    path = hdf5_copy(tmp_path, "k3_adam.weights.h5")
    damage(path, *where)
    model = architecture_for("k3_adam.weights.h5")
    with pytest.raises(ValueError, match=message) as error:
        model.load_weights(path)
    assert str(path) in str(error.value)


KERNELS = "model_weights/dense_4/dense_4"
LEGACY_DAMAGE = {
    "missing dataset": (KERNELS, "bias:0", None, "the dataset 'dense_4/bias:0' is missing"),
    "extra dataset": (KERNELS, "x:0", np.ones(1), r"the datasets \['dense_4/x:0'\] are not listed"),
    "missing layer group": ("model_weights", "dense_5", None, "in 'layer_names' but has no group"),
    "names that are not text": ("model_weights/dense_4", "@weight_names", np.array([1, 2]),
                                "expected names"),
    "wrong shape": (KERNELS, "bias:0", np.zeros(9, "f4"),
                    r"Shape mismatch in layer #0 \(named dense_4\)"),
    "config that is not json": ("/", "@model_config", b"{not json", "is not valid JSON"),
    "config that is not a model": ("/", "@model_config", b"[1, 2]", "not a Keras model config"),
}


@pytest.mark.parametrize("case", LEGACY_DAMAGE)
def test_damaged_legacy_files_are_refused_naming_file_and_layout(tmp_path, case):
    *where, message = LEGACY_DAMAGE[case]
    path = hdf5_copy(tmp_path, "k2_adam.h5")
    damage(path, *where)
    with pytest.raises(ValueError, match=message) as error:
        mk.models.load_model(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize("source", ["k3_adam.keras", "k2_adam.h5", "k3_adam.weights.h5"])
@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_corrupt_files_raise_value_or_os_errors_naming_the_file(tmp_path, source, damage):
    data = (FILES / source).read_bytes()
    data = {"truncated": data[: len(data) // 2], "garbage": os.urandom(2000), "empty": b""}[damage]
    path = tmp_path / source
    path.write_bytes(data)
    with pytest.raises((ValueError, OSError)) as error:
        if source.endswith(".weights.h5"):
            architecture_for(source).load_weights(path)
        else:
            mk.models.load_model(path)
    assert str(path) in str(error.value)


# ----------------------------------------------------------------------------------------------
# Atomic saves


# Where a save is made to fail: (module, function, which call raises).
INJECTED_FAILURES = {"while writing arrays": (h5io, "write_array", 3),
                     "before the rename": (atomic, "_fsync", 1)}


@pytest.mark.parametrize("step", INJECTED_FAILURES)
@pytest.mark.parametrize("filename", FORMATS)
def test_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch, filename, step):
    model = trained_model()
    path = tmp_path / filename
    save(model, path)
    before = path.read_bytes()
    module, function, failing_call = INJECTED_FAILURES[step]
    real, calls = getattr(module, function), []

    def failing(*args):
        calls.append(args)
        if len(calls) == failing_call:
            raise OSError(f"disk full (injected {step})")
        return real(*args)

    monkeypatch.setattr(module, function, failing)
    model.layers[0].kernel.value[...] = 7
    with pytest.raises(OSError, match="injected"):
        save(model, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == [filename]


def test_mode_of_saved_files_is_not_private(tmp_path):
    trained_model().save(tmp_path / "m.keras")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "m.keras").stat().st_mode & 0o777 == 0o666 & ~umask


# Where the child process pauses (forever) in the middle of writing the file itself.
PAUSES = {
    "m.h5": "from minikeras.saving import h5io as target; name = 'write_array'",
    "m.keras": "import zipfile; target = zipfile.ZipFile; name = 'writestr'",
}


@pytest.mark.parametrize("filename", PAUSES)
def test_a_save_killed_midway_leaves_the_previous_file_intact(tmp_path, filename):
    path, marker = tmp_path / filename, tmp_path / "writing"
    script = textwrap.dedent(f"""
        import time, minikeras as mk
        {PAUSES[filename]}
        model = mk.Sequential([mk.Input((4,)), mk.layers.Dense(3)])
        model.save({str(path)!r})
        write = getattr(target, name)
        def paused(*args, **kwargs):
            write(*args, **kwargs)
            open({str(marker)!r}, "w").close()
            time.sleep(60)
        setattr(target, name, paused)
        model.layers[0].kernel.value[...] = 7
        model.save({str(path)!r})
    """)
    env = dict(os.environ, PYTHONPATH=str(pathlib.Path(mk.__file__).parent.parent))
    child = subprocess.Popen([sys.executable, "-W", "ignore", "-c", script], env=env)
    try:
        deadline = time.time() + 30
        while not marker.exists() and time.time() < deadline and child.poll() is None:
            time.sleep(0.05)
        assert marker.exists(), "the child never reached the middle of its save"
        before = path.read_bytes()
        assert any(name.endswith(".tmp") for name in os.listdir(tmp_path))  # mid-write
    finally:
        child.kill()
        child.wait()
    assert path.read_bytes() == before
    model = mk.models.load_model(path)
    assert not np.any(model.layers[0].kernel.value == 7)


def test_atomic_path_removes_its_temporary_file_on_error(tmp_path):
    target = tmp_path / "f.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic.atomic_path(target) as temporary:
            pathlib.Path(temporary).write_bytes(b"new")
            raise RuntimeError
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["f.bin"]
    atomic.write_bytes(target, b"new")
    assert target.read_bytes() == b"new"


# ----------------------------------------------------------------------------------------------
# The command line


def test_cli_inspect_reports_without_building(capsys):
    assert cli(["inspect", str(FILES / "k3_adam.keras")]) == 0
    out = capsys.readouterr().out
    assert "Keras native archive (.keras)" in out and "Written by: Keras 3.15.1" in out
    assert "Optimizer state: 10 variables, iterations=2" in out
    assert 'loss="categorical_crossentropy"' in out and "Adam (learning_rate=0.0099" in out
    assert "dense_4 (Dense)" in out and "Total params: 43" in out
    kernel = reference("k3_adam.keras")["w0"]
    row = next(line for line in out.splitlines() if "layers/dense/vars/0" in line).split()
    assert row[1:4] == ["(4,", "5)", "float32"]
    np.testing.assert_allclose([float(v) for v in row[4:]],
                               [kernel.mean(), kernel.std(), kernel.min(), kernel.max()], rtol=1e-5)
    assert cli(["inspect", str(FILES / "k2_seed_weights.h5")]) == 0
    out = capsys.readouterr().out
    assert "legacy HDF5 weights" in out and "tf_keras 2.21.0" in out
    assert "Architecture: not stored" in out and "Optimizer state: none" in out


def test_cli_convert_between_formats(tmp_path, capsys):
    assert cli(["convert", str(FILES / "k3_adam.keras"), str(tmp_path / "out.h5")]) == 0
    model = mk.models.load_model(tmp_path / "out.h5")
    data = reference("k3_adam.keras")
    np.testing.assert_allclose(model.predict(data["x"], verbose=0), data["pred"], atol=1e-5)
    assert int(model.optimizer.iterations) == 2
    assert cli(["convert", str(FILES / "k2_seed_weights.h5"), str(tmp_path / "w.weights.h5"),
                "--architecture", str(FILES / "k2_seed.h5")]) == 0
    assert cli(["inspect", str(tmp_path / "out.h5")]) == 0
    assert "minikeras 0.1.0 (in the format of Keras 3.15.1)" in capsys.readouterr().out
    assert cli(["inspect", str(tmp_path / "nothing.keras")]) == 1
    assert "minikeras inspect: error:" in capsys.readouterr().err


def test_python_dash_m_minikeras_runs():
    env = dict(os.environ, PYTHONPATH=str(pathlib.Path(mk.__file__).parent.parent))
    done = subprocess.run([sys.executable, "-m", "minikeras", "inspect", "--help"],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0 and "Describe a Keras file" in done.stdout


@pytest.mark.parametrize("extension", [".h5", ".keras"])
def test_keras2_files_keep_keras2_meanings(extension):
    """tf_keras' hard_sigmoid (0.2 x + 0.5) is not Keras 3's: a Keras 2 file predicts as saved."""
    reference = np.load(FILES / "k2_hard_sigmoid.npz")
    model = mk.models.load_model(str(FILES / f"k2_hard_sigmoid{extension}"))
    np.testing.assert_allclose(
        model.predict(reference["x"], verbose=0), reference["prediction"], rtol=1e-6, atol=1e-6
    )


# ----------------------------------------------------------------------------------------------
# Edges: custom functions, single reads, symlinks and modes, shards, malformed configs, layout


def small_model(loss="mse"):
    model = mk.Sequential([mk.Input((3,)), mk.layers.Dense(2)])
    model.compile(optimizer="adam", loss=loss)
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    return model


def edit_config(path, edit):
    """Rewrite the config.json of the `.keras` archive at `path` with `edit(config)`."""
    with zipfile.ZipFile(path) as archive:
        contents = {info.filename: archive.read(info) for info in archive.infolist()}
    config = json.loads(contents["config.json"])
    edit(config)
    contents["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


# ----------------------------------------------------------------------------------------------
# A registered custom function in a `.keras` file


@pytest.fixture
def custom_loss():
    @mk.saving.register_keras_serializable(package="custom")
    def custom_loss(y_true, y_pred):
        return mk.ops.mean((y_true - y_pred) ** 2, axis=-1)

    yield custom_loss
    mk.saving.get_custom_objects().pop("custom>custom_loss")


# What Keras 3.15 writes for a loss registered as `register_keras_serializable(package="custom")`.
KERAS_REGISTERED_LOSS = {"module": "builtins", "class_name": "function",
                         "config": "custom>custom_loss", "registered_name": "function"}


def test_registered_function_is_saved_as_keras_does_and_reloads(tmp_path, custom_loss):
    path = tmp_path / "m.keras"
    small_model(custom_loss).save(path)
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    assert config["compile_config"]["loss"] == KERAS_REGISTERED_LOSS
    assert mk.models.load_model(path).loss is custom_loss


def test_registered_function_under_a_module_name_loads_and_unknown_ones_are_refused(
        tmp_path, custom_loss):
    path = tmp_path / "m.keras"
    small_model(custom_loss).save(path)
    # As minikeras wrote it before: the function's own module, which is never imported.
    edit_config(path, lambda c: c["compile_config"]["loss"].update(module="__main__"))
    assert mk.models.load_model(path).loss is custom_loss
    edit_config(path, lambda c: c["compile_config"]["loss"].update(config="custom>other"))
    with pytest.raises(TypeError, match=r"Refusing to load '__main__\.function'"):
        mk.models.load_model(path)


# ----------------------------------------------------------------------------------------------
# Each weight array is read once


def test_keras_load_reads_every_stored_array_once(monkeypatch):
    reads = []
    real = h5py.Dataset.__getitem__

    def counted(dataset, *args):
        reads.append(dataset.name)
        return real(dataset, *args)

    monkeypatch.setattr(h5py.Dataset, "__getitem__", counted)
    mk.models.load_model(FILES / "k3_adam.keras")
    assert reads and len(reads) == len(set(reads)), sorted(reads)


# ----------------------------------------------------------------------------------------------
# Atomic saves: symlinks, missing directories, modes


@pytest.mark.parametrize("filename", FORMATS)
def test_saving_through_a_symlink_keeps_the_link_and_replaces_its_target(tmp_path, filename):
    real_dir, link = tmp_path / "real", tmp_path / filename
    real_dir.mkdir()
    target = real_dir / filename
    model = small_model()
    save(model, target)
    link.symlink_to(target)
    model.layers[0].kernel.value[...] = 3
    save(model, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert os.listdir(real_dir) == [filename] and sorted(os.listdir(tmp_path)) == sorted([filename, "real"])
    loaded = (mk.models.load_model(target) if "m." in filename
              else mk.models.clone_model(model))
    if "w." in filename:
        loaded.load_weights(target)
    np.testing.assert_array_equal(loaded.layers[0].kernel.value, 3)


@pytest.mark.parametrize("filename", ["m.keras", "w.weights.h5", "w.h5"])
def test_saving_into_a_missing_directory_names_the_users_path(tmp_path, filename):
    path = tmp_path / "missing" / filename
    with pytest.raises(FileNotFoundError) as error:
        save(small_model(), path)
    assert error.value.filename == str(path) and ".tmp" not in str(error.value)


def test_saved_file_modes_come_without_touching_the_umask(tmp_path, monkeypatch):
    umask = os.umask(0o022)
    os.umask(umask)

    def no_umask(mask):
        raise AssertionError("os.umask() is process-wide: setting it races with other threads")

    written_modes, fsync = [], atomic._fsync

    def recording_fsync(path):
        written_modes.append(os.stat(path).st_mode & 0o7777)
        fsync(path)

    monkeypatch.setattr(os, "umask", no_umask)
    monkeypatch.setattr(atomic, "_fsync", recording_fsync)
    model, new, existing = small_model(), tmp_path / "new.keras", tmp_path / "old.keras"
    model.save(new)
    assert new.stat().st_mode & 0o7777 == 0o666 & ~umask
    model.save(existing)
    existing.chmod(0o600)
    model.save(existing)
    assert existing.stat().st_mode & 0o7777 == 0o600
    # While being written, a private file's replacement is private too.
    assert written_modes[-1] == 0o600
    assert sorted(os.listdir(tmp_path)) == ["new.keras", "old.keras"]


# ----------------------------------------------------------------------------------------------
# max_shard_size, as Keras 3 checks it; sharded files are not written


def test_max_shard_size_checks_the_name_as_keras_then_refuses_to_shard(tmp_path):
    model = small_model()
    with pytest.raises(ValueError, match=r"must end in `\.weights\.json` when `max_shard_size`"):
        saving_api.save_weights(model, tmp_path / "w.h5", max_shard_size=1)
    for name in ("w.weights.h5", "w.weights.json"):
        with pytest.raises(ValueError, match="does not write sharded weights"):
            saving_api.save_weights(model, tmp_path / name, max_shard_size=0.5)
    assert os.listdir(tmp_path) == []
    saving_api.save_weights(model, tmp_path / "w.weights.h5", max_shard_size=None)
    assert os.listdir(tmp_path) == ["w.weights.h5"]


# ----------------------------------------------------------------------------------------------
# inspect on malformed compile settings


@pytest.mark.parametrize("compile_config", ["adam", ["adam", "mse"]])
def test_describe_refuses_a_compile_config_that_is_not_a_dict(tmp_path, capsys, compile_config):
    path = tmp_path / "m.keras"
    small_model().save(path)
    edit_config(path, lambda c: c.update(compile_config=compile_config))
    with pytest.raises(ValueError, match="compile config must be a dict") as error:
        file_info.describe(path)
    assert str(path) in str(error.value)
    assert cli(["inspect", str(path)]) == 1
    assert "compile config must be a dict" in capsys.readouterr().err


def test_describe_tolerates_an_optimizer_config_that_is_not_a_dict(tmp_path):
    path = tmp_path / "m.keras"
    small_model().save(path)
    edit_config(path, lambda c: c["compile_config"]["optimizer"].update(config=[1]))
    assert "optimizer=Adam (learning_rate=None)" in file_info.describe(path)


# ----------------------------------------------------------------------------------------------
# One rule for "which HDF5 layout is this?"

LAYOUTS = {"k2_seed_weights.h5": "legacy_weights", "k3_adam.h5": "legacy_model",
           "k2_adam.h5": "legacy_model", "k3_adam.weights.h5": "keras3",
           "k2_adam.weights.h5": "keras3"}


@pytest.mark.parametrize("name", LAYOUTS)
def test_layout_of_keras_files(name):
    with h5py.File(FILES / name, "r") as h5file:
        assert legacy_h5.layout(h5file) == LAYOUTS[name]


def test_layout_of_a_file_without_keras_groups_is_none(tmp_path):
    with h5py.File(tmp_path / "empty.h5", "w") as h5file:
        h5file.create_group("other")
        assert legacy_h5.layout(h5file) is None


# ----------------------------------------------------------------------------------------------
# minikeras.saving re-exports saving_api


def test_saving_functions_are_saving_apis():
    for name in ("load_model", "save_model", "load_weights"):
        assert getattr(mk.saving, name) is getattr(saving_api, name)


def test_save_model_warning_names_the_callers_line(tmp_path):
    for save_h5 in (lambda path: mk.saving.save_model(model, path), lambda path: model.save(path)):
        model = small_model()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            save_h5(tmp_path / "m.h5")
        assert [w.filename for w in caught] == [__file__]


def test_compile_config_carries_the_optimizer_first_as_keras_does():
    model = small_model()
    config = model.get_compile_config()
    assert list(config)[:2] == ["optimizer", "loss"]
    assert config["optimizer"]["class_name"] == "Adam"
    assert config["optimizer"]["config"]["name"] == model.optimizer.name
    assert "optimizer" not in legacy_h5.training_config(model)


class _DenseWithCounter(mk.layers.Dense):
    """Keras' serialization guide: a Dense subclass that keeps one more variable, saved under
    its own key beside what `super().save_own_variables` stores."""

    def __init__(self, units, **kwargs):
        super().__init__(units, **kwargs)
        self.counter = mk.Variable(np.arange(units, dtype="float32"), name="counter")

    def save_own_variables(self, store):
        super().save_own_variables(store)
        store["counter"] = self.counter.numpy()

    def load_own_variables(self, store):
        self.counter.assign(store["counter"])
        super().load_own_variables(store)


def test_a_layers_own_variables_hooks_extend_the_defaults(tmp_path):
    model = mk.Sequential([mk.Input((3,)), _DenseWithCounter(2)])
    model.layers[0].counter.assign(np.array([5.0, 7.0], "float32"))
    store = {}
    model.layers[0].save_own_variables(store)
    assert sorted(store) == ["0", "1", "counter"]  # kernel, bias (as Keras' Dense), then its own
    model.save(tmp_path / "m.keras")
    loaded = mk.models.load_model(tmp_path / "m.keras",
                                     custom_objects={"_DenseWithCounter": _DenseWithCounter})
    np.testing.assert_array_equal(loaded.layers[0].counter.numpy(), [5.0, 7.0])
    for saved, restored in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(saved, restored)
    with pytest.raises(ValueError, match="expected 3 variables, but received 2"):
        loaded.layers[0].load_own_variables({"0": store["0"], "counter": store["counter"]})
