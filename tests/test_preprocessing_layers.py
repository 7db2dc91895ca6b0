"""Preprocessing layers against Keras 3's outputs, vocabularies and configs (reference:
compat/make_preprocessing_layers.py over the cases in tests/preprocessing_layer_cases.py):
exact for integer and string outputs, to float32 rounding for the others."""

import json
import pathlib

import numpy as np
import pytest

import minikeras as mk
from minikeras.layers.preprocessing import tf_hashes
from preprocessing_layer_cases import CASES, adapt_batches

REFERENCE = json.loads((pathlib.Path(__file__).resolve().parent.parent / "compat" / "data" /
                        "preprocessing_layers.json").read_text())
RESULTS = REFERENCE["cases"]


def build(name):
    cls, kwargs, adapt, _ = CASES[name]
    layer = getattr(mk.layers, cls)(**kwargs)
    if adapt is not None:
        batches = adapt_batches(adapt)
        layer.adapt(np.array(adapt["data"]) if batches is None
                    else (np.array(b) for b in batches))
    return layer


@pytest.mark.parametrize("name", sorted(CASES))
def test_outputs_match_keras(name):
    expected = RESULTS[name]
    layer = build(name)
    output = np.asarray(layer(np.array(CASES[name][3])))
    if expected["dtype"] == "string":
        assert output.tolist() == expected["output"]
        return
    assert output.dtype == np.dtype(expected["dtype"])
    assert output.shape == np.shape(expected["output"])
    if output.dtype.kind == "f":
        np.testing.assert_allclose(output, expected["output"], rtol=2e-6, atol=2e-6)
    else:
        assert output.tolist() == expected["output"]
    shape = layer.compute_output_shape(np.shape(CASES[name][3]))
    assert len(shape) == output.ndim
    assert all(d is None or d == n for d, n in zip(shape, output.shape))  # None: varies


@pytest.mark.parametrize("name", sorted(n for n in CASES if "vocabulary" in RESULTS[n]))
def test_vocabularies_match_keras(name):
    assert build(name).get_vocabulary() == RESULTS[name]["vocabulary"]


@pytest.mark.parametrize("name", sorted(n for n in CASES if "bin_boundaries" in RESULTS[n]))
def test_adapted_bins_match_keras(name):
    np.testing.assert_allclose(build(name).bin_boundaries, RESULTS[name]["bin_boundaries"],
                               rtol=1e-6)


@pytest.mark.parametrize("name", sorted(n for n in CASES if "weights" in RESULTS[n]))
def test_adapted_statistics_match_keras(name):
    for ours, theirs in zip(build(name).get_weights(), RESULTS[name]["weights"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


def _comparable(config):
    config = json.loads(json.dumps(config))
    config.pop("name", None)
    if "bin_boundaries" in config and config["bin_boundaries"] is not None:
        config["bin_boundaries"] = np.round(config["bin_boundaries"], 5).tolist()
    return config


@pytest.mark.parametrize("name", sorted(CASES))
def test_configs_match_keras_and_round_trip(name):
    layer = build(name)
    config = layer.get_config()
    assert _comparable(config) == _comparable(RESULTS[name]["config"])
    clone = type(layer).from_config(json.loads(json.dumps(config)))
    # An adapted vocabulary is not in the config (it is an asset): as in Keras, the clone's
    # `vocabulary_size` is then its special tokens'.
    adapted = CASES[name][2] is not None and hasattr(layer, "get_vocabulary")
    drop = {"vocabulary_size"} if adapted else set()
    assert {k: v for k, v in _comparable(clone.get_config()).items() if k not in drop} == \
        {k: v for k, v in _comparable(config).items() if k not in drop}


@pytest.mark.parametrize("buckets", [7, 1000, 2**31 - 1, 2**62 + 3])
def test_string_hashes_are_tensorflows(buckets):
    hashes = REFERENCE["hashes"]
    strings = np.array(hashes["strings"], dtype=object)
    assert tf_hashes.hash_buckets(strings, buckets).tolist() == hashes[f"fast_{buckets}"]
    assert tf_hashes.hash_buckets(strings, buckets, key=[123456789, 987654321]).tolist() == \
        hashes[f"strong_{buckets}"]
