"""Record `keras.random`'s draws under Keras 3's numpy backend, whose numbers minikeras gives
draw for draw: each function with an integer seed, a `SeedGenerator`'s successive draws, and
unseeded draws after `set_random_seed`.

Run under the oracle:  KERAS_BACKEND=numpy /tmp/oracle/bin/python compat/make_random.py
Writes compat/data/random.npz; tests/test_random.py replays the cases (`RANDOM_CASES` there).
"""

import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data", "random.npz")
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
from random_cases import RANDOM_CASES, draw_case  # noqa: E402


def main():
    import keras

    assert keras.backend.backend() == "numpy", "run with KERAS_BACKEND=numpy"
    arrays = {f"{case} | {key}": np.asarray(value) for case in RANDOM_CASES
              for key, value in draw_case(keras, case).items()}
    np.savez_compressed(OUT, keras_version=keras.__version__, **arrays)


if __name__ == "__main__":
    main()
