"""Inference on the seed tutorial's model: import, one-row predict and call, 100k-row predict.

    python bench/bench_inference.py     # minikeras, a hand-written numpy forward, onnxruntime
                                        # (if importable), and Keras 3 (JAX, TF) if the oracle
                                        # exists; both BLAS configurations
    python bench/bench_inference.py --under-load   # also beside a process keeping a core busy
    python bench/bench_inference.py --one-row      # issue 17's model, one row: minikeras,
                                        # numpy-forward and onnxruntime in one process, interleaved
    python bench/bench_inference.py --instructions # the same calls in CPU instructions (callgrind)

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


# ----------------------------------------------------------------------------------------------
# One row of issue 17's model (64-64-1, relu), every contender in one process


def one_row_calls():
    """{name: zero-argument call} for one row of issue 17's model: minikeras' predict (default
    verbose, which prints the bar, and verbose=0) and call, the same forward by hand in numpy,
    and onnxruntime on minikeras' ONNX export of the model (one thread, as minikeras runs a
    one-row product)."""
    import onnxruntime

    import minikeras

    model = minikeras.Sequential([
        minikeras.Input((10,)), minikeras.layers.Dense(64, activation="relu"),
        minikeras.layers.Dense(64, activation="relu"), minikeras.layers.Dense(1)])
    row = np.random.default_rng(0).random((1, 10), dtype=np.float32)
    (k1, b1, k2, b2, k3, b3) = [w.value for w in model.weights]
    path = os.path.join(tempfile.mkdtemp(), "issue17.onnx")
    model.export(path, format="onnx", verbose=False)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name

    def numpy_forward():
        h = np.maximum(row @ k1 + b1, 0)
        h = np.maximum(h @ k2 + b2, 0)
        return h @ k3 + b3

    def layer_numpy_calls():
        """The numpy calls Dense.forward and relu make, and nothing else (a floor)."""
        z = np.matmul(row, k1)
        z += b1
        h = np.maximum(z, np.zeros(z.shape[-1:], z.dtype))
        z = np.matmul(h, k2)
        z += b2
        h = np.maximum(z, np.zeros(z.shape[-1:], z.dtype))
        z = np.matmul(h, k3)
        z += b3
        return z

    def forward_and_activation():
        """Each layer's `forward` and activation in a bare loop, no check (a floor)."""
        h = row
        for layer in model.layers:
            h, _ = layer.forward(h, training=False)
            if not layer._linear:
                h = layer.activation(h)
        return h

    calls = {
        "predict(row), verbose='auto' (prints the bar)": lambda: model.predict(row),
        "predict(row, verbose=0)": lambda: model.predict(row, verbose=0),
        "model(row)": lambda: model(row),
        "numpy-forward": numpy_forward,
        "onnxruntime": lambda: session.run(None, {name: row})[0],
        "floor: the layers' numpy calls alone": layer_numpy_calls,
        "floor: forward and activation, bare loop": forward_and_activation,
    }
    np.testing.assert_allclose(calls["onnxruntime"](), numpy_forward(), rtol=1e-5, atol=1e-6)
    return calls


def one_row(rounds=int(os.environ.get("BENCH_ROUNDS", 15)), number=2000):
    """Microseconds per call, each call's best of `rounds` interleaved rounds of `number`
    calls (stdout, which the bar writes to, goes to a StringIO)."""
    import contextlib
    import io
    import time

    calls = one_row_calls()
    best = dict.fromkeys(calls, float("inf"))
    with contextlib.redirect_stdout(io.StringIO()):
        for _ in range(rounds):
            for label, call in calls.items():
                for _ in range(50):
                    call()
                start = time.perf_counter()
                for _ in range(number):
                    call()
                best[label] = min(best[label], (time.perf_counter() - start) / number * 1e6)
    _print_one_row(best, "us")


def _print_one_row(figures, unit):
    numpy_figure, onnx_figure = figures["numpy-forward"], figures["onnxruntime"]
    print(f"{'one row of issue 17 model':48}{unit:>10}  x numpy-forward  x onnxruntime")
    for label, figure in figures.items():
        value = f"{figure:10.2f}" if unit == "us" else f"{figure:10.0f}"
        print(f"{label:48}{value}  {figure / numpy_figure:15.2f}  {figure / onnx_figure:13.2f}")


INSTRUCTION_WORKER = """
import contextlib, io, sys
sys.path.insert(0, sys.argv[1])
from bench_inference import one_row_calls
call = one_row_calls()[sys.argv[2]]
with contextlib.redirect_stdout(io.StringIO()):
    for _ in range(10 + int(sys.argv[3])):
        call()
"""


def instructions(repeats=1000):
    """CPU instructions per call (valgrind's callgrind, `repeats` calls minus none, one BLAS
    thread, a fixed hash seed): counts do not move with the machine's load."""
    import re
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}

    def count(label, n):
        run = subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
             "-c", INSTRUCTION_WORKER, os.path.dirname(os.path.abspath(__file__)), label,
             str(n)], env=env, capture_output=True, text=True, check=True)
        return int(re.search(r"Collected : (\d+)", run.stderr).group(1))

    labels = list(one_row_calls())
    jobs = [(label, n) for label in labels for n in (0, repeats)]
    with ThreadPoolExecutor(2) as pool:
        counts = dict(zip(jobs, pool.map(lambda job: count(*job), jobs)))
    _print_one_row({label: (counts[label, repeats] - counts[label, 0]) / repeats
                    for label in labels}, "instr.")


if __name__ == "__main__":
    if "--one-row" in sys.argv:
        one_row()
    elif "--instructions" in sys.argv:
        instructions()
    else:
        main(os.path.abspath(__file__), body, [*LIBRARIES, "numpy-forward", "onnxruntime"])
