"""Keras 3's FeatureSpace and HashedCrossing on the cases of tests/feature_space_cases.py, for
tests/test_feature_space.py.

    /tmp/oracle/bin/python compat/make_feature_space.py            # the reference
    /tmp/oracle/bin/python compat/make_feature_space.py --ours     # + minikeras' file in Keras

Writes compat/data/feature_space.json and compat/data/files/feature_space/k3_feature_space.keras:
the tutorial's FeatureSpace adapted on the synthetic heart-disease table (a `tf.data` dataset of
dicts in batches, as the tutorial adapts it): each preprocessor's adapted state (vocabulary,
bin boundaries, mean and variance), the config, the encoded table in "concat" and "dict" modes
and one row given as scalars; then a small model on the encoded features (the tutorial's
`keras.Model(encoded_features, ...)`, initial weights fixed by a numpy seed) trained for one
epoch of the encoded dataset, its losses and final weights, and the predictions of the model
from the raw inputs (`get_inputs()`); and HashedCrossing's bins, outputs and configs.

With `--ours`, minikeras (this checkout's src, run with the interpreter in $MINIKERAS_PYTHON,
default /work/main/.venv/bin/python) adapts the same FeatureSpace and saves it; Keras loads that
file and the json records Keras' encoding of the table from it.
"""

import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
OUT = os.path.join(HERE, "data", "feature_space.json")
FILES = os.path.join(HERE, "data", "files", "feature_space")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras.utils import FeatureSpace  # noqa: E402

import feature_space_cases as cases  # noqa: E402


def plain(value):
    return np.asarray(value).tolist()


def dataset(arrays, target):
    return tf.data.Dataset.from_tensor_slices((arrays, target)).batch(cases.BATCH)


def encode_everything(space, arrays):
    first_row = {name: values[0].item() for name, values in arrays.items()}
    return {"table": plain(space(arrays)), "row": plain(space(first_row))}


def train(space, arrays, target):
    encoded = space.get_encoded_features()
    hidden = keras.layers.Dense(8, activation="relu")
    out = keras.layers.Dense(1, activation="sigmoid")
    predictions = out(hidden(encoded))
    training_model = keras.Model(inputs=encoded, outputs=predictions)
    rng = np.random.RandomState(3)
    initial = [(rng.uniform(-0.3, 0.3, w.shape)).astype(np.float32)
               for w in training_model.get_weights()]
    training_model.set_weights(initial)
    training_model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy",
                           metrics=["accuracy"])
    inference_model = keras.Model(inputs=space.get_inputs(), outputs=predictions)
    encoded_ds = dataset(arrays, target).map(lambda x, y: (space(x), y))
    history = training_model.fit(encoded_ds, epochs=2, verbose=0, shuffle=False)
    raw = {name: tf.constant(values) for name, values in arrays.items()}
    return {
        "initial_weights": [plain(w) for w in initial],
        "history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
        "final_weights": [plain(w) for w in training_model.get_weights()],
        "inference": plain(inference_model.predict(raw, verbose=0)),
    }


def feature_spaces(arrays, target):
    record = {}
    unlabeled = dataset(arrays, target).map(lambda x, _: x)
    space = cases.feature_space(FeatureSpace, "concat")
    space.adapt(unlabeled)
    record["state"] = cases.adapted_state(space, keras.layers)
    record["config"] = json.loads(json.dumps(space.get_config()))
    record["build_config"] = json.loads(json.dumps(space.get_build_config()))
    record["concat"] = encode_everything(space, arrays)
    os.makedirs(FILES, exist_ok=True)
    path = os.path.join(FILES, "k3_feature_space.keras")
    space.save(path)
    reloaded = keras.saving.load_model(path)
    assert np.array_equal(np.asarray(reloaded(arrays)), np.asarray(space(arrays)))
    record["training"] = train(space, arrays, target)

    as_dict = cases.feature_space(FeatureSpace, "dict")
    as_dict.adapt(unlabeled)
    record["dict"] = {
        "table": {k: plain(v) for k, v in as_dict(arrays).items()},
        "dtypes": {k: str(np.asarray(v).dtype) for k, v in as_dict(arrays).items()},
        "row": {k: plain(v) for k, v in as_dict(
            {name: values[0].item() for name, values in arrays.items()}).items()},
    }
    # Unbatched elements: Keras batches single rows by 32 before adapting.
    rows = cases.feature_space(FeatureSpace, "concat")
    rows.adapt(tf.data.Dataset.from_tensor_slices(arrays))
    record["unbatched_state"] = cases.adapted_state(rows, keras.layers)
    record["unbatched_table"] = plain(rows(arrays))
    return record


def hashed_crossings():
    record = {}
    for name, (kwargs, columns) in cases.hashed_crossing_cases().items():
        layer = keras.layers.HashedCrossing(**kwargs)
        output = layer(tuple(tf.constant(c) for c in columns))
        record[name] = {"output": plain(output), "dtype": str(np.asarray(output).dtype),
                        "config": layer.get_config()}
    return record


def ours(arrays):
    """minikeras' FeatureSpace, adapted and saved by minikeras, loaded by Keras."""
    python = os.environ.get("MINIKERAS_PYTHON", "/work/main/.venv/bin/python")
    path = os.path.join(FILES, "mk_feature_space.keras")
    script = (
        "import sys; sys.path.insert(0, 'tests'); import numpy as np\n"
        "import feature_space_cases as cases\n"
        "from minikeras.utils import FeatureSpace\n"
        "from minikeras.compat import tf_data\n"
        "arrays, target = cases.arrays(np)\n"
        "space = cases.feature_space(FeatureSpace)\n"
        "space.adapt(tf_data.Dataset.from_tensor_slices((arrays, target)).batch("
        "cases.BATCH).map(lambda x, y: x))\n"
        f"space.save({path!r})\n"
    )
    env = dict(os.environ, PYTHONPATH=os.path.join(HERE, "..", "src"))
    subprocess.run([python, "-c", script], check=True, env=env, cwd=os.path.join(HERE, ".."))
    loaded = keras.saving.load_model(path)
    return {"table": plain(loaded(arrays)), "state": cases.adapted_state(loaded, keras.layers)}


def main():
    keras.utils.set_random_seed(1)
    arrays, target = cases.arrays(np)
    record = {"keras_version": keras.__version__, "tensorflow": tf.__version__,
              "feature_space": feature_spaces(arrays, target),
              "hashed_crossing": hashed_crossings()}
    if "--ours" in sys.argv:
        record["ours_in_keras"] = ours(arrays)
    with open(OUT, "w") as f:
        json.dump(record, f, indent=0, sort_keys=True)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
