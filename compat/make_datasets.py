"""Reference outputs of Keras 3's dataset loaders on small fake files -> compat/data/datasets.json.

Run under the oracle: `/tmp/oracle/bin/python compat/make_datasets.py`. Keras' `get_file` is
replaced by one that returns the fake file, so nothing is downloaded and only Keras' shuffling,
splitting and word-index re-encoding is recorded. tests/test_datasets.py rebuilds the same fake
files from the inputs stored here and compares minikeras' loaders with these outputs.
"""

import json
import os
import tempfile

import numpy as np

from keras.src.datasets import boston_housing, california_housing, imdb, reuters


def fake_table(rows, columns):
    """Row i holds i, i + 0.5, ...: every output row says which input row it came from."""
    x = np.arange(rows, dtype="float64")[:, None] + 0.5 * np.arange(columns)
    return x, np.arange(rows, dtype="float64") * 10


def fake_sequences(count, seed):
    """Ragged lists of word ranks 1..29 with 0/1 labels, like the real imdb/reuters files."""
    rng = np.random.RandomState(seed)
    sequences = [[int(w) for w in rng.randint(1, 30, size=rng.randint(1, 12))] for _ in range(count)]
    return sequences, [int(label) for label in rng.randint(0, 2, size=count)]


def object_array(sequences):
    array = np.empty(len(sequences), dtype=object)
    array[:] = sequences
    return array


def as_json(splits):
    """((x_train, y_train), (x_test, y_test)) -> the same nesting of {dtype, shape, values}."""
    return [[{"dtype": str(part.dtype), "shape": list(part.shape), "values": part.tolist()}
             for part in split] for split in splits]


def run(module, fake_path, **kwargs):
    module.get_file = lambda *args, **kw: fake_path
    return as_json(module.load_data(**kwargs))


def main():
    out = {"tables": [], "sequences": []}
    with tempfile.TemporaryDirectory() as folder:
        table_file = os.path.join(folder, "table.npz")
        for module, rows, columns, kwargs in [
            (boston_housing, 11, 13, {}),
            (boston_housing, 11, 13, {"test_split": 0.35, "seed": 7}),
            (boston_housing, 11, 13, {"test_split": 0.0}),
            (california_housing, 607, 8, {"version": "small"}),
            (california_housing, 23, 8, {"test_split": 0.5, "seed": 0}),
        ]:
            x, y = fake_table(rows, columns)
            np.savez(table_file, x=x, y=y)
            out["tables"].append({"dataset": module.__name__.rsplit(".", 1)[1], "rows": rows,
                                  "columns": columns, "kwargs": kwargs,
                                  "expected": run(module, table_file, **kwargs)})

        sequences, labels = fake_sequences(14, seed=0)
        out["inputs"] = {"sequences": sequences, "labels": labels, "n_train": 8}
        sequence_file = os.path.join(folder, "sequences.npz")
        np.savez(sequence_file, x=object_array(sequences), y=np.array(labels),
                 x_train=object_array(sequences[:8]), y_train=np.array(labels[:8]),
                 x_test=object_array(sequences[8:]), y_test=np.array(labels[8:]))
        for kwargs in [
            {},
            {"num_words": 12, "skip_top": 5},
            {"maxlen": 7, "seed": 5},
            {"start_char": None, "index_from": 0, "oov_char": None, "num_words": 20},
            {"oov_char": None, "skip_top": 8},
            {"start_char": None, "index_from": 2},
        ]:
            for module, extra in [(imdb, {}), (reuters, {"test_split": 0.3})]:
                call = {**kwargs, **extra}
                out["sequences"].append({"dataset": module.__name__.rsplit(".", 1)[1],
                                         "kwargs": call,
                                         "expected": run(module, sequence_file, **call)})

    out["reuters_label_names"] = list(reuters.get_label_names())
    os.makedirs(os.path.join(os.path.dirname(__file__), "data"), exist_ok=True)
    with open(os.path.join(os.path.dirname(__file__), "data", "datasets.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
