"""Whole scripts: the wall time of every `compat/examples/` script and of the demo, each as a
whole process (interpreter start, imports, data, training, evaluation), minikeras beside Keras 3
on JAX and on TensorFlow.

    python bench/bench_scripts.py                    # both BLAS configurations, 3 rounds
    BENCH_ROUNDS=1 BENCH_SCRIPTS=mnist_mlp,demo python bench/bench_scripts.py

minikeras runs a script unmodified with `python -m minikeras run script.py`; Keras 3 runs it
directly (`KERAS_BACKEND` picks JAX or TensorFlow). The demo is `examples/demo.py`, under Keras
with its imports swapped as `compat/run_demo.py` does. Every script runs with seed 1 and its
full training (not `EXAMPLES_QUICK`).
"""

import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "compat"))
from _harness import LIBRARIES, main  # noqa: E402


def scripts():
    """{name: path} of the example scripts and the demo (narrowed by `$BENCH_SCRIPTS`)."""
    from run_examples import scripts as example_scripts

    found = {path.stem: str(path) for path in example_scripts()}
    found["demo"] = os.path.join(ROOT, "examples", "demo.py")
    chosen = os.environ.get("BENCH_SCRIPTS")
    return {n: p for n, p in found.items() if not chosen or n in chosen.split(",")}


def body(library):
    env = {**os.environ, "EXAMPLES_SEED": "1", "EXAMPLES_QUICK": "0", "CUDA_VISIBLE_DEVICES": ""}
    results = {}
    for name, path in scripts().items():
        if library == "minikeras":
            command = [sys.executable, "-m", "minikeras", "run", path]
            if name == "demo":
                command = [sys.executable, path, "1"]
        else:
            if name == "demo":
                path = keras_demo()
            command = [sys.executable, path] + (["1"] if name == "demo" else [])
        start = time.perf_counter()
        run = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
        seconds = time.perf_counter() - start
        if run.returncode:
            print(f"{name} under {library} failed:\n{run.stderr[-1500:]}", file=sys.stderr)
            continue
        results[f"{name} (whole process)"] = seconds
    return results


def keras_demo():
    from run_demo import keras_source

    path = os.path.join(tempfile.mkdtemp(), "demo_keras.py")
    with open(path, "w") as file:
        file.write(keras_source())
    return path


if __name__ == "__main__":
    main(os.path.abspath(__file__), body, ["minikeras", *list(LIBRARIES)[2:]])
