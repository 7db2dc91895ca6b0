"""Keras 3's outputs, vocabularies and configs for the preprocessing-layer cases in
tests/preprocessing_layer_cases.py, for tests/test_preprocessing_layers.py.

    /tmp/oracle/bin/python compat/make_preprocessing_layers.py

Writes compat/data/preprocessing_layers.json: per case the output (as a list, strings
decoded), its dtype, the vocabulary or bin boundaries after adapting, the layer's config, and
Keras' error type where the layer fails; and under "hashes", TensorFlow's
`to_hash_bucket_fast` / `to_hash_bucket_strong` of strings of every length from 0 to 200 bytes
(and longer), which tests/test_preprocessing_layers.py checks minikeras' FarmHash and SipHash
against.
"""

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from preprocessing_layer_cases import CASES, adapt_batches  # noqa: E402


def plain(value):
    """A layer output as JSON: numbers as lists, strings decoded."""
    array = np.asarray(value)
    if array.dtype.kind in "SO":
        return np.vectorize(lambda b: b.decode() if isinstance(b, bytes) else b,
                            otypes=[object])(array).tolist()
    return array.tolist()


def run(cls, kwargs, adapt, inputs):
    try:
        layer = getattr(keras.layers, cls)(**kwargs)
    except Exception as error:  # noqa: BLE001
        return {"error": [type(error).__name__, str(error)[:300]]}
    if adapt is not None:
        batches = adapt_batches(adapt)
        if batches is None:
            layer.adapt(np.array(adapt["data"]))
        else:
            layer.adapt(np.array(b) for b in batches)
    record = {"config": json.loads(json.dumps(layer.get_config()))}
    try:
        output = layer(np.array(inputs))
        record["output"] = plain(output)
        record["dtype"] = str(np.asarray(output).dtype) if np.asarray(output).dtype.kind not in \
            "SO" else "string"
    except Exception as error:  # noqa: BLE001  (recorded: the test expects the same failure)
        record["error"] = [type(error).__name__, str(error)[:300]]
    if hasattr(layer, "get_vocabulary"):
        record["vocabulary"] = [v if isinstance(v, str) else int(v)
                                for v in layer.get_vocabulary()]
    if cls == "Discretization":
        record["bin_boundaries"] = layer.bin_boundaries
    if cls == "Normalization" and layer.weights:
        record["weights"] = [w.numpy().tolist() for w in layer.weights]
    return record


def hashes():
    """TensorFlow's string buckets for strings of 0 to 200 bytes (and a few longer)."""
    rng = np.random.default_rng(0)
    strings = ["".join(chr(c) for c in rng.integers(32, 127, size=n))
               for n in [*range(201), 300, 513, 1000]] + ["héllo wörld", "日本語"]
    record = {"strings": strings}
    for buckets in (7, 1000, 2**31 - 1, 2**62 + 3):
        record[f"fast_{buckets}"] = tf.strings.to_hash_bucket_fast(strings, buckets).numpy().tolist()
        record[f"strong_{buckets}"] = tf.strings.to_hash_bucket_strong(
            strings, buckets, key=[123456789, 987654321]).numpy().tolist()
    return record


def main():
    results = {name: run(*case) for name, case in CASES.items()}
    path = os.path.join(HERE, "data", "preprocessing_layers.json")
    with open(path, "w") as f:
        json.dump({"keras_version": keras.__version__, "tensorflow": tf.__version__,
                   "cases": results, "hashes": hashes()}, f, indent=0, sort_keys=True)
    print(f"wrote {path}: {len(results)} cases")


if __name__ == "__main__":
    main()
