"""What the `make_*` scripts that replay a case table share: the tests' folder on the path
(where the tables live) and one `.npz` of every case's output under real Keras."""

import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))


def record(file_name, cases, run_case):
    """Run `run_case(keras, name)` for each of `cases` and save the outputs by name (with
    Keras' version) as `compat/data/<file_name>`."""
    import keras

    np.savez_compressed(os.path.join(HERE, "data", file_name), keras_version=keras.__version__,
                        **{name: run_case(keras, name) for name in cases})
