"""Record what `tf.data` does: the elements, cardinality and element_spec of every pipeline in
tests/tf_data_cases.py, the errors it raises, and statistics of shuffled orders.

Run under the oracle:  /tmp/oracle/bin/python compat/make_tf_data.py
Writes compat/data/tf_data.json, read by tests/test_tf_data.py, which runs the same cases on
minikeras' `tensorflow` stand-in. TensorFlow's shuffle order comes from its own random stream,
which cannot be reproduced: the shuffle cases record statistics over many seeds instead.
"""

import json
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data", "tf_data.json")
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
import tf_data_cases as cases  # noqa: E402


def record_dataset(dataset, folder):
    return {
        "elements": [cases.encode(e, folder) for e in dataset.as_numpy_iterator()],
        "cardinality": int(dataset.cardinality()),
        "element_spec": cases.spec_summary(dataset.element_spec),
    }


def record_error(function, folder):
    try:
        function(tf, folder)
    except Exception as error:  # noqa: BLE001 - recording what TensorFlow raises
        return {"type": type(error).__name__, "message": str(error).replace(folder, "<folder>")}
    raise AssertionError(f"{function.__name__} raised nothing")


def main():
    with tempfile.TemporaryDirectory() as folder:
        cases.make_files(folder)
        cases.make_class_folders(folder)
        results = {
            "versions": {"tensorflow": tf.__version__},
            "cases": {name: record_dataset(f(tf, folder), folder)
                      for name, f in cases.CASES.items()},
            "cardinality": {name: int(cases.cardinality_of(f(tf)))
                            for name, f in cases.CARDINALITY_ONLY.items()},
            "constants": {name: int(eval(f"tf.data.{name}")) for name in cases.CONSTANTS},
            "errors": {name: record_error(f, folder) for name, f in cases.ERROR_CASES.items()},
            "shuffle": {name: f(tf, folder) for name, f in cases.SHUFFLE_CASES.items()},
            "utilities": {name: record_dataset(f(keras.utils, tf, folder), folder)
                          for name, f in cases.UTILITY_CASES.items()},
        }
    with open(OUT, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"Wrote {OUT}: {len(results['cases'])} pipelines, {len(results['errors'])} errors, "
          f"{len(results['shuffle'])} shuffle statistics")


if __name__ == "__main__":
    main()
