"""Record what Keras 3 does with `adapt` and `class_weight` when the data is a `tf.data`
dataset or a `PyDataset`: what each layer of tests/dataset_weighting_cases.py learns, the
sample weights Keras' data adapter adds to each batch, the history and weights of a short
`fit`, and the errors it raises.

Run under the oracle:  /tmp/oracle/bin/python compat/make_dataset_weighting.py
Writes compat/data/dataset_weighting.json, read by tests/test_dataset_weighting.py.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras.src.trainers import data_adapters  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data", "dataset_weighting.json")
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
import dataset_weighting_cases as cases  # noqa: E402


def batch_weights(source):
    adapter = data_adapters.get_data_adapter(source, class_weight=cases.CLASS_WEIGHT)
    return [np.asarray(batch[2]).tolist() for batch in adapter.get_numpy_iterator()]


def fit(name, source):
    loss = "categorical_crossentropy" if "one_hot" in name else "sparse_categorical_crossentropy"
    model = cases.fit_model(keras, loss)
    history = model.fit(source, epochs=2, class_weight=cases.CLASS_WEIGHT, shuffle=False,
                        verbose=0)
    return {"loss": history.history["loss"],
            "weights": [w.ravel().tolist() for w in model.get_weights()]}


def error(name, function):
    source, class_weight = function(tf, keras)
    model = cases.fit_model(keras)
    try:
        model.fit(source, class_weight=class_weight, steps_per_epoch=2, verbose=0)
    except Exception as caught:  # noqa: BLE001 - recording what Keras raises
        return {"type": type(caught).__name__, "message": str(caught)}
    raise AssertionError(f"{name} raised nothing")


def main():
    results = {
        "versions": {"keras": keras.__version__, "tensorflow": tf.__version__},
        "adapt": {name: f(tf, keras) for name, f in cases.ADAPT_CASES.items()},
        "batch_weights": {name: batch_weights(f(tf, keras))
                          for name, f in cases.WEIGHT_CASES.items()},
        "fit": {name: fit(name, f(tf, keras)) for name, f in cases.WEIGHT_CASES.items()},
        "errors": {name: error(name, f) for name, f in cases.ERROR_CASES.items()},
    }
    with open(OUT, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
