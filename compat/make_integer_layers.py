"""Record what Keras 3 gives for layers that move values, called on integer inputs (their dtype
kept; interpolations rounded and saturated): the cases of tests/integer_layer_cases.py.

Run under the oracle:  /tmp/oracle/bin/python compat/make_integer_layers.py
Writes compat/data/integer_layers.npz; tests/test_layer_outputs.py replays the cases.
"""

import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data", "integer_layers.npz")
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
from integer_layer_cases import CASES, run_case  # noqa: E402


def main():
    import keras

    np.savez_compressed(OUT, keras_version=keras.__version__,
                        **{name: run_case(keras, name) for name in CASES})


if __name__ == "__main__":
    main()
