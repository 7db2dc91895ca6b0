"""Record `keras.ops` values and dtypes under Keras 3 for the cases of tests/ops_cases.py.

Run under the oracle:  /tmp/oracle/bin/python compat/make_ops.py          (TensorFlow)
                       KERAS_BACKEND=jax /tmp/oracle/bin/python compat/make_ops.py
Writes compat/data/ops.npz, or ops_jax.npz on JAX (each output as `<case>/<i>`);
tests/test_ops_reference.py replays the cases, against TensorFlow's answers but for the few
that TensorFlow's backend gets wrong or cannot run. A case Keras refuses is recorded as its
error's type, `<case>/error`.
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
    suffix = "" if keras.backend.backend() == "tensorflow" else f"_{keras.backend.backend()}"
    path = os.path.join(HERE, "data", f"ops{suffix}.npz")
    np.savez_compressed(path + ".tmp.npz", **arrays)
    os.replace(path + ".tmp.npz", path)  # whole: a test reading the old file keeps reading it
