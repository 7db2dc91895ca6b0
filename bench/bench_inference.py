"""Inference on the seed tutorial's model: import, one-row predict and call, 100k-row predict.

    python bench/bench_inference.py     # minikeras, a hand-written numpy forward, onnxruntime
                                        # (if importable), and Keras 3 (JAX, TF) if the oracle
                                        # exists; both BLAS configurations
    python bench/bench_inference.py --under-load   # also beside a process keeping a core busy

Every figure is seconds per operation (lower is better); the last column is how many times
faster minikeras is. `numpy-forward` is the same forward pass written by hand (the ceiling);
`onnxruntime` runs minikeras' ONNX export of the model (the anchor for one-row latency; its
"predict" and "model" rows are both one `InferenceSession.run`).
"""

import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import LIBRARIES, best_of, import_keras, main  # noqa: E402

IMPORT = "import, over `import numpy` (fresh process)"


def body(library):
    rows = np.random.default_rng(1).random((100_000, 10), dtype=np.float32)
    row = np.random.default_rng(0).random((1, 10), dtype=np.float32)
    if library in ("numpy-forward", "onnxruntime"):
        forward = numpy_forward() if library == "numpy-forward" else onnx_forward()
        return {
            "predict(1 row, verbose=0)": best_of(lambda: forward(row), 5, 200),
            "model(1 row)": best_of(lambda: forward(row), 5, 200),
            "predict(100k rows, batch 32)": best_of(lambda: batched(forward, rows, 32), 3),
            "predict(100k rows, batch 4096)": best_of(lambda: batched(forward, rows, 4096), 3),
        }
    keras, _ = import_keras(library)
    model = seed_model(keras)
    model.predict(row, verbose=0)
    model.predict(rows[:5000], verbose=0)
    model.predict(rows[:5000], batch_size=4096, verbose=0)
    model(row)
    return {
        IMPORT: cold_import(library),
        "predict(1 row, verbose=0)": best_of(lambda: model.predict(row, verbose=0), 5, 200),
        "predict(1 row, verbose='auto')": best_of(lambda: model.predict(row), 5, 200),
        "model(1 row)": best_of(lambda: model(row), 5, 200),
        "predict(100k rows, batch 32)": best_of(lambda: model.predict(rows, verbose=0), 3),
        "predict(100k rows, batch 4096)": best_of(
            lambda: model.predict(rows, batch_size=4096, verbose=0), 3
        ),
    }


def seed_model(keras):
    return keras.Sequential([
        keras.Input((10,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])


def batched(forward, rows, size):
    out = np.empty((len(rows), 10), np.float32)
    for start in range(0, len(rows), size):
        out[start:start + size] = forward(rows[start:start + size])
    return out


def numpy_forward():
    """The seed model's forward pass by hand: three products, biases, relu, softmax."""
    import minikeras

    weights = [w.value for w in seed_model(minikeras).weights]
    (k1, b1, k2, b2, k3, b3) = weights
    zero = np.zeros(64, np.float32)

    def forward(x):
        h = np.maximum(x @ k1 + b1, zero)
        h = np.maximum(h @ k2 + b2, zero)
        z = h @ k3 + b3
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    return forward


def onnx_forward():
    """An onnxruntime session of minikeras' ONNX export of the seed model."""
    import onnxruntime

    import minikeras

    path = os.path.join(tempfile.mkdtemp(), "seed.onnx")
    seed_model(minikeras).export(path, format="onnx", verbose=False)
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda x: session.run(None, {name: x})[0]


def cold_import(library):
    """Median over 7 fresh processes of the time `import <library>` takes after `import numpy`
    (bytecode cached in a scratch directory, as an installed package has it)."""
    module = "minikeras" if library.startswith("minikeras") else "keras"
    code = ("import time, numpy; s = time.perf_counter(); import " + module
            + "; print(time.perf_counter() - s)")
    env = {**os.environ, "PYTHONPYCACHEPREFIX": os.path.join(tempfile.gettempdir(), "bench-pyc")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    times = []
    for _ in range(8):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return float(np.median(times[1:]))  # the first run writes the bytecode


if __name__ == "__main__":
    main(os.path.abspath(__file__), body, [*LIBRARIES, "numpy-forward", "onnxruntime"])
