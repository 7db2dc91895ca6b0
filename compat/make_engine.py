"""Reference runs of Keras 3 programs that use its engine -> compat/data/engine.{json,npz}

Run under the oracle: `/tmp/oracle/bin/python compat/make_engine.py` (Keras 3, TensorFlow).

The cases of tests/engine_cases.py: a GradientTape training loop with validation calls between
forward and backward, a persistent tape, subclassed models overriding `train_step`/`test_step`
(their own loss tracker and metrics; `compute_loss` with compiled metrics; a functional
subclass given `inputs` and `outputs`), and
`train_on_batch`/`test_on_batch` on a saturated softmax. tests/test_engine.py replays them.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
import engine_cases as ec  # noqa: E402


def plain(value):
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return float(np.asarray(value)) if np.ndim(value) == 0 else np.asarray(value).tolist()


def main():
    data = ec.make_data()
    arrays, results = {}, {}
    for name, case in ec.CASES.items():
        keras.utils.set_random_seed(0)
        result = case(keras, tf.GradientTape, data)
        results[name] = plain(ec.flatten_result(name, result, arrays))
        print(name, results[name])
    with open(os.path.join(HERE, "data", "engine.json"), "w") as f:
        json.dump({"keras_version": keras.__version__, "cases": results}, f, indent=1)
    np.savez_compressed(os.path.join(HERE, "data", "engine.npz"), **arrays)


if __name__ == "__main__":
    main()
