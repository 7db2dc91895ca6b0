"""Inference on the seed tutorial's model: import, one-row predict and call, 100k-row predict.

    python bench/bench_inference.py     # minikeras, plus Keras 3 (JAX, TF) if the oracle exists

Every figure is seconds per operation (lower is better); the last column is how many times
faster minikeras is.
"""

import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import best_of, import_keras, main  # noqa: E402


def body(library):
    keras, import_seconds = import_keras(library)
    import_cold = _cold_import(library)
    model = keras.Sequential([
        keras.Input((10,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    row = np.random.default_rng(0).random((1, 10), dtype=np.float32)
    rows = np.random.default_rng(1).random((100_000, 10), dtype=np.float32)
    model.predict(row, verbose=0)
    model.predict(rows[:5000], verbose=0)
    model.predict(rows[:5000], batch_size=4096, verbose=0)
    model(row)
    return {
        "import (fresh process)": import_cold,
        "predict(1 row, verbose=0)": best_of(lambda: model.predict(row, verbose=0), 5, 200),
        "model(1 row)": best_of(lambda: model(row), 5, 200),
        "predict(100k rows, batch 32)": best_of(lambda: model.predict(rows, verbose=0), 3),
        "predict(100k rows, batch 4096)": best_of(
            lambda: model.predict(rows, batch_size=4096, verbose=0), 3
        ),
    }


def _cold_import(library):
    module = "minikeras" if library == "minikeras" else "keras"
    code = f"import time; s = time.perf_counter(); import {module}; print(time.perf_counter() - s)"
    times = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return min(times)


if __name__ == "__main__":
    main(os.path.abspath(__file__), body)
