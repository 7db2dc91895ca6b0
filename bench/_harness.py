"""Run one benchmark body under minikeras and, when the oracle is installed, under real Keras.

Each library runs in its own subprocess (`python bench/x.py --worker LIB`) so that imports and
BLAS state do not leak between them; the parent prints one table with the ratios.
"""

import json
import os
import statistics
import subprocess
import sys
import time

ORACLE = os.environ.get("MINIKERAS_ORACLE", "/tmp/oracle/bin/python")
HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")

LIBRARIES = {
    "minikeras": (sys.executable, {}),
    # Another checkout of minikeras (`MINIKERAS_BASELINE=/path/to/src`), e.g. the commit
    # before a change, to measure the change in one run.
    "minikeras-baseline": (sys.executable, {"BASELINE": "1"}),
    "keras3-jax": (ORACLE, {"KERAS_BACKEND": "jax"}),
    "keras3-tf": (ORACLE, {"KERAS_BACKEND": "tensorflow"}),
}


def import_keras(library):
    """(keras-like module, seconds the import took)."""
    start = time.perf_counter()
    if library.startswith("minikeras"):
        import minikeras as keras
    else:
        import keras
    return keras, time.perf_counter() - start


def best_of(function, repeat=5, number=1):
    """The best mean time per call over `repeat` runs of `number` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function()
        times.append((time.perf_counter() - start) / number)
    return min(times)


def main(script, body, libraries=None, rounds=None):
    """Parent: run `body(library) -> {metric: seconds}` per library; print a table.

    This machine's speed drifts by tens of percent from one minute to the next, so the
    libraries run in turns, `rounds` times (default `$BENCH_ROUNDS` or 3), and each figure is
    the median of its rounds. A metric a library does not report shows as "-"."""
    if "--worker" in sys.argv:
        library = sys.argv[sys.argv.index("--worker") + 1]
        print("RESULT " + json.dumps(body(library)))
        return
    rounds = rounds or int(os.environ.get("BENCH_ROUNDS", 3))
    runs = {}
    for _ in range(rounds):
        for library in libraries or LIBRARIES:
            result = _run_worker(script, library)
            if result is not None:
                runs.setdefault(library, []).append(result)
    results = {
        library: {metric: statistics.median(r[metric] for r in rs) for metric in rs[0]}
        for library, rs in runs.items()
    }
    metrics = list(next(iter(results.values()))) if results else []
    names = list(results)
    print(f"{'metric':46}" + "".join(f"{name:>14}" for name in names) + "   minikeras speed-up")
    for metric in metrics:
        row = f"{metric:46}" + "".join(f"{_fmt(results[n].get(metric)):>14}" for n in names)
        base = results.get("minikeras", {}).get(metric)
        ratios = [
            f"{n}: {results[n][metric] / base:.1f}x"
            for n in names if n != "minikeras" and base and results[n].get(metric)
        ]
        print(row + "   " + ", ".join(ratios))
    return results


def _run_worker(script, library):
    """One worker process's `{metric: seconds}`, or None (no such Python, or it failed)."""
    # Names outside LIBRARIES (a hand-written baseline) run on this Python.
    python, extra_env = LIBRARIES.get(library, (sys.executable, {}))
    source = SRC
    if library == "minikeras-baseline":
        source = os.environ.get("MINIKERAS_BASELINE")
        if not source:
            return None
    if not os.path.exists(python):
        return None
    env = {**os.environ, **extra_env, "PYTHONPATH": source, "TF_CPP_MIN_LOG_LEVEL": "3"}
    run = subprocess.run(
        [python, script, "--worker", library], env=env, capture_output=True, text=True
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULT ")]
    if run.returncode or not lines:
        print(f"{library}: failed\n{run.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(lines[-1][7:])


def _fmt(seconds):
    if seconds is None:
        return "-"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"
