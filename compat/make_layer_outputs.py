"""Keras 3's outputs of issue 11's layers on fixed inputs, for tests/test_layer_outputs.py.

    /tmp/oracle/bin/python compat/make_layer_outputs.py

Each case of tests/layer_output_cases.py builds a layer, gives its weights fixed values and
calls it on a fixed input (with a mask, in training mode, where the case says): writes
data/layer_outputs.npz with each case's input, mask, output, output mask, losses and the
weights after the call (moving statistics move in training).
"""

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data", "layer_outputs.npz")
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
from layer_output_cases import CASES, run_case  # noqa: E402


def main():
    import keras

    data = {}
    for name in CASES:
        for key, value in run_case(keras, name).items():
            data[f"{name}/{key}"] = value
    np.savez_compressed(OUT, **data)
    print(f"wrote {len(CASES)} cases to {OUT}")


if __name__ == "__main__":
    main()
