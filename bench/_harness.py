"""Run one benchmark body under minikeras and, when the oracle is installed, under real Keras.

Each library runs in its own subprocess (`python bench/x.py --worker LIB`) so that imports and
BLAS state do not leak between them; the parent prints one table with the ratios per BLAS
configuration (as configured, and with OpenBLAS' own kernels), and with `--under-load` the
same again beside a process keeping one core busy.
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


# Every bench runs both ways: this machine forces OpenBLAS' Haswell kernels for every process;
# a user's machine lets OpenBLAS pick its own. The second way unsets the variables in the
# worker's command alone (never in tests).
CONFIGURATIONS = {
    "as configured": [],
    "OpenBLAS' own kernels": ["env", "-u", "OPENBLAS_CORETYPE", "-u", "OPENBLAS_L2_SIZE"],
}
UNDER_LOAD = " + a competing process"
# What keeps one core busy in the under-load mode: a process of our own, started before each
# loaded worker and ended (by its pid) after it.
COMPETITOR = [sys.executable, "-c", "while True: pass"]


def main(script, body, libraries=None, rounds=None):
    """Parent: run `body(library) -> {metric: seconds}` per library; print one table per
    BLAS configuration (and, with `--under-load` or `BENCH_LOAD=1`, per configuration with a
    competing process keeping one core busy, and what each library lost to it).

    This machine's speed drifts by tens of percent from one minute to the next, so the
    libraries and configurations run in turns, `rounds` times (default `$BENCH_ROUNDS` or 3),
    and each figure is the median of its rounds. A metric a library does not report shows as
    "-". `BENCH_BLAS=as configured` (or the other name) runs one configuration only, and
    `BENCH_LIBRARIES=minikeras,keras3-jax` some of the libraries only."""
    if "--worker" in sys.argv:
        library = sys.argv[sys.argv.index("--worker") + 1]
        print("RESULT " + json.dumps(body(library)))
        return
    rounds = rounds or int(os.environ.get("BENCH_ROUNDS", 3))
    chosen_libraries = os.environ.get("BENCH_LIBRARIES")  # e.g. "minikeras,keras3-jax"
    libraries = [name for name in libraries or LIBRARIES
                 if chosen_libraries is None or name in chosen_libraries.split(",")]
    loaded = "--under-load" in sys.argv or os.environ.get("BENCH_LOAD") == "1"
    chosen = os.environ.get("BENCH_BLAS")
    conditions = [
        (name, load) for name in CONFIGURATIONS if chosen in (None, name)
        for load in ((False, True) if loaded else (False,))
    ]
    print(f"load average before: {_loadavg()}")
    runs = {}
    for _ in range(rounds):
        for condition in conditions:
            for library in libraries:
                result = _run_worker(script, library, *condition)
                if result is not None:
                    runs.setdefault(condition, {}).setdefault(library, []).append(result)
    print(f"load average after: {_loadavg()}")
    tables = {}
    for (name, load), by_library in runs.items():
        results = {
            library: {metric: statistics.median(r[metric] for r in rs) for metric in rs[0]}
            for library, rs in by_library.items()
        }
        title = name + (UNDER_LOAD if load else "")
        tables[title] = results
        _print_table(f"{title} (numpy's BLAS: {_blas_kernels(name)})", results)
    if loaded:
        for name in CONFIGURATIONS:
            if name in tables and name + UNDER_LOAD in tables:
                _print_losses(name, tables[name], tables[name + UNDER_LOAD])
    return tables


def _print_table(title, results):
    metrics = list(next(iter(results.values()))) if results else []
    names = list(results)
    print(f"\n{title}:")
    print(f"{'metric':46}" + "".join(f"{name:>14}" for name in names) + "   minikeras speed-up")
    for metric in metrics:
        row = f"{metric:46}" + "".join(f"{_fmt(results[n].get(metric)):>14}" for n in names)
        base = results.get("minikeras", {}).get(metric)
        ratios = [
            f"{n}: {results[n][metric] / base:.2f}x"
            for n in names if n != "minikeras" and base and results[n].get(metric)
        ]
        print(row + "   " + ", ".join(ratios))


def _print_losses(name, quiet, loaded):
    """How many times slower each library ran with the competing process, and how many times
    more minikeras lost than each other library (the target: at most 1.5x Keras 3/JAX's)."""
    names = [n for n in quiet if n in loaded]
    print(f"\nslow-down under load, {name} (loaded time / quiet time):")
    print(f"{'metric':46}" + "".join(f"{n:>14}" for n in names) + "   minikeras loses more than")
    for metric in quiet.get("minikeras", {}):
        losses = {
            n: loaded[n][metric] / quiet[n][metric]
            for n in names if quiet[n].get(metric) and loaded[n].get(metric)
        }
        row = f"{metric:46}" + "".join(
            f"{losses[n]:>13.2f}x" if n in losses else f"{'-':>14}" for n in names
        )
        base = losses.get("minikeras")
        more = [f"{n}: {base / losses[n]:.2f}x" for n in losses if n != "minikeras" and base]
        print(row + "   " + ", ".join(more))


def _blas_kernels(configuration):
    """Which kernels numpy's BLAS runs with under `configuration` (threadpoolctl's word), and
    the variables that chose them: the machine may or may not force them."""
    code = ("import numpy, threadpoolctl; print(' '.join(sorted({str(i.get('architecture')) "
            "for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas'})))")
    command = [*CONFIGURATIONS[configuration], sys.executable, "-c", code]
    run = subprocess.run(command, capture_output=True, text=True)
    forced = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    if CONFIGURATIONS[configuration]:
        forced = {}
    return f"{run.stdout.strip() or 'unknown'} kernels, {forced or 'nothing forced'}"


def _loadavg():
    try:
        with open("/proc/loadavg") as file:
            return file.read().strip()
    except OSError:
        return "unknown"


def _run_worker(script, library, configuration="as configured", load=False):
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
    command = [*CONFIGURATIONS[configuration], python, script, "--worker", library]
    competitor = subprocess.Popen(COMPETITOR) if load else None
    try:
        if competitor:
            time.sleep(0.5)  # let it settle on a core before the worker starts
        run = subprocess.run(command, env=env, capture_output=True, text=True)
    finally:
        if competitor:
            competitor.kill()
            competitor.wait()
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULT ")]
    if run.returncode or not lines:
        print(f"{library} ({configuration}): failed\n{run.stderr[-2000:]}", file=sys.stderr)
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
