"""Models with adapted preprocessing layers, saved by Keras 3.15 and tf_keras 2.21 in every
format they write (compat/make_preprocessing_files.py), load in minikeras and predict what
Keras predicted; minikeras' own files keep the state in every format."""

import json
import pathlib
import warnings

import numpy as np
import pytest

import minikeras as mk

FILES = pathlib.Path(__file__).resolve().parent.parent / "compat" / "data" / "files" / "prep"
MANIFEST = json.loads((FILES / "manifest.json").read_text())
MODELS = sorted(n for n, e in MANIFEST.items() if e["format"] in ("keras", "h5"))
WEIGHTS = sorted(n for n, e in MANIFEST.items() if e["format"] == "weights.h5")


def record(name):
    return json.loads((FILES / MANIFEST[name]["json"]).read_text())


def load(name, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mk.models.load_model(FILES / name, **kwargs)


def inputs(data):
    """The recorded inputs: one array, or a dict of them by input name (functional models)."""
    if isinstance(data["x"], dict):
        return {name: inputs({"x": value}) for name, value in data["x"].items()}
    x = np.array(data["x"])
    return x.astype(np.int64) if x.dtype.kind == "i" else x


@pytest.mark.parametrize("name", MODELS)
def test_keras_files_load_and_predict_as_keras(name):
    data, model = record(name), load(name)
    if MANIFEST[name].get("state_lost"):
        # Keras 3's .h5 keeps no adapted vocabulary: Keras 3 itself loads a lookup without
        # one (and fails to predict); minikeras loads the same vocabulary-less layer.
        lookup = next(layer for layer in model.layers if hasattr(layer, "get_vocabulary"))
        assert lookup.get_vocabulary() == lookup.get_vocabulary()[: lookup._token_start_index()] \
            if hasattr(lookup, "_token_start_index") else lookup.get_vocabulary()[:2]
        return
    np.testing.assert_allclose(model.predict(inputs(data), verbose=0), data["pred"],
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", WEIGHTS)
def test_keras_weights_files_load_into_the_model(name):
    entry = MANIFEST[name]
    source = f"{entry['keras']}_{entry['model']}.keras"
    model = load(source, compile=False)
    for variable in model.weights:
        variable.assign(np.zeros(variable.shape, variable.dtype))
    model.load_weights(FILES / name)
    data = record(name)
    np.testing.assert_allclose(model.predict(inputs(data), verbose=0), data["pred"],
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("model_name", sorted({e["model"] for e in MANIFEST.values()}))
def test_minikeras_files_keep_the_state(tmp_path, model_name, suffix):
    name = f"k3_{model_name}.keras"
    model, data = load(name), record(name)
    path = tmp_path / f"m{suffix}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(path)
        again = mk.models.load_model(path)
    x = inputs(data)
    np.testing.assert_allclose(again.predict(x, verbose=0), data["pred"], rtol=1e-5, atol=1e-5)
    for ours, theirs in zip(again.layers, model.layers):
        if hasattr(ours, "get_vocabulary"):
            assert ours.get_vocabulary() == theirs.get_vocabulary()


def test_keras_archives_keep_vocabularies_as_keras_does(tmp_path):
    import zipfile

    model = load("k3_text_tf_idf.keras")
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as ours, \
            zipfile.ZipFile(FILES / "k3_text_tf_idf.keras") as theirs:
        assert ours.namelist() == theirs.namelist()
        for member in ours.namelist():
            if member.startswith("assets/"):
                assert ours.read(member) == theirs.read(member)
