"""Record `keras.ops` values and dtypes under Keras 3 on TensorFlow for the cases of
tests/ops_cases.py.

Run under the oracle:  /tmp/oracle/bin/python compat/make_ops.py
Writes compat/data/ops.npz (each output as `<case>/<i>`); tests/test_ops_reference.py replays
the cases. A case Keras refuses is recorded as its error's type, `<case>/error`.
"""

import os

import numpy as np

from case_files import HERE
from ops_cases import CASES, run_case  # from tests/, which case_files puts on the path

if __name__ == "__main__":
    import keras

    arrays = {"keras_version": np.array(keras.__version__)}
    for name in CASES:
        try:
            outputs = run_case(keras, name)
        except Exception as error:  # noqa: BLE001  recorded, for the test to expect
            arrays[f"{name}/error"] = np.array(type(error).__name__)
            print(f"{name}: {type(error).__name__}: {error}")
            continue
        for i, output in enumerate(outputs):
            arrays[f"{name}/{i}"] = output
    path = os.path.join(HERE, "data", "ops.npz")
    np.savez_compressed(path + ".tmp.npz", **arrays)
    os.replace(path + ".tmp.npz", path)  # whole: a test reading the old file keeps reading it
