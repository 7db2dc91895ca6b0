"""Optimizer updates per variable against packed (optimizers/packing.py), interleaved.

    python bench/bench_packed_update.py update [RMSprop|Adam|...] [REPEATS]
        one update of mnist_mlp's weights (784-512-512-10, 669k) and of the small fit's
        (10-64-64-10, 5.4k), in one process, the ways taking turns: per variable, packed,
        packed in one chunk (the whole flat arrays at once, as before chunks), and packed in
        two threads (about half the chunks each; forced, as if the thread policy gave this fit
        two threads). Medians and minimums, in ms.
    python bench/bench_packed_update.py sunk SRC_A SRC_B [RMSprop|Adam|...] [ROUNDS]
        the packed update of mnist_mlp's weights once 70% of the gradient lanes have stayed 0
        for 120 updates after a tiny start (their slots sunk into the subnormals, or flushed to
        zero), in fresh processes, the two source trees taking turns; each process reports the
        median of 60 timed updates (one BLAS thread) and the subnormals its slots hold.
    python bench/bench_packed_update.py fit SRC_A SRC_B [ROUNDS]
        the small fit (bench_training.py's: Adam, batch 32, 1,000 rows, 30 epochs) in fresh
        processes, the two source trees taking turns (e.g. a checkout of the commit before and
        this one); each process reports the median CPU time (`time.process_time`) of 3 fits,
        which the load of other processes moves less than wall time.
"""

import os
import statistics
import subprocess
import sys
import time

import numpy as np

SHAPES = {
    "mnist_mlp": [(784, 512), (512,), (512, 512), (512,), (512, 10), (10,)],
    "small fit": [(10, 64), (64,), (64, 64), (64,), (64, 10), (10,)],
    "text": [(10000, 16), (16, 16), (16,), (16, 1), (1,)],  # bench_text.py's model
}

SMALL_FIT = """
import time, numpy as np, minikeras as keras
rng = np.random.default_rng(0)
x = rng.random((1000, 10), dtype=np.float32)
y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 1000)]
def fit(epochs=30):
    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
fit(1)
times = []
for _ in range(3):
    start = time.process_time(); fit(); times.append(time.process_time() - start)
print(sorted(times)[1])
"""


def updates(name, repeats):
    from minikeras import backend, optimizers
    from minikeras.layers.base import Variable
    from minikeras.optimizers import base, packing

    rng = np.random.default_rng(0)

    def setup(shapes, packed, chunk_size=None):
        packing.CHUNK_SIZE = chunk_size  # read when the variables are packed
        variables = [Variable(rng.standard_normal(s).astype("float32") * 0.01, name=f"w{i}",
                              path=f"w{i}") for i, s in enumerate(shapes)]
        optimizer = getattr(optimizers, name)()
        if packed:  # as fit's first step packs
            buffers = optimizer._fit_gradient_buffers(variables)
            grads = [buffers[id(v)] for v in variables]
        else:
            optimizer.build(variables)
            grads = [np.empty_like(v.value) for v in variables]
        for grad in grads:
            grad[...] = rng.standard_normal(grad.shape).astype("float32") * 0.01
        return optimizer, variables, grads

    base._SplitTrial.next_is_split = lambda self: True  # split whenever the split is on
    for model, shapes in SHAPES.items():
        ways = {"per variable": (setup(shapes, False), None),
                "packed": (setup(shapes, True), None),
                "packed, one chunk": (setup(shapes, True, 1 << 40), None),
                "packed, 2 threads": (setup(shapes, True), 2)}
        times = {way: [] for way in ways}
        for _ in range(repeats):
            for way, ((optimizer, variables, grads), threads) in ways.items():
                backend._blas_threads = threads  # what a fit's thread policy would have set
                start = time.perf_counter()
                optimizer.apply(grads, variables)
                times[way].append(time.perf_counter() - start)
        backend._blas_threads = None
        for way, seconds in times.items():
            print(f"{model:10s} {name} {way:18s} median {statistics.median(seconds) * 1e3:7.3f} "
                  f"ms  min {min(seconds) * 1e3:7.3f} ms")


SUNK = """
import statistics, sys, time, numpy as np
from minikeras import optimizers
from minikeras.layers.base import Variable
rng = np.random.default_rng(0)
variables = [Variable(rng.standard_normal(s).astype("float32") * 0.01, name=f"w{i}",
                      path=f"w{i}") for i, s in enumerate(%(shapes)r)]
optimizer = optimizers.%(name)s()
buffers = optimizer._fit_gradient_buffers(variables)  # packed, as fit packs
grads = [buffers[id(v)] for v in variables]
for grad in grads:
    grad[...] = rng.standard_normal(grad.shape).astype("float32") * 1e-17
optimizer.apply(grads, variables)
for grad in grads:
    grad[...] = rng.standard_normal(grad.shape).astype("float32") * 0.01
    grad[rng.random(grad.shape) < 0.7] = 0
for _ in range(120):
    optimizer.apply(grads, variables)
slots = [s.value for slots in optimizer._slot_lists for s in slots]
subnormal = sum(int(np.count_nonzero((s != 0) & (np.abs(s) < np.finfo(s.dtype).tiny)))
                for s in slots)
times = []
for _ in range(60):
    start = time.perf_counter()
    optimizer.apply(grads, variables)
    times.append(time.perf_counter() - start)
print(statistics.median(times), subnormal)
"""


def sunk(sources, name, rounds):
    code = SUNK % {"shapes": SHAPES["mnist_mlp"], "name": name}
    results = {source: [] for source in sources}
    for round_ in range(rounds):
        for source in sources if round_ % 2 == 0 else sources[::-1]:
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  check=True, env={**os.environ, "PYTHONPATH": source,
                                                   "OPENBLAS_NUM_THREADS": "1"})
            seconds, subnormal = done.stdout.split()
            results[source].append((float(seconds), int(subnormal)))
    for source, runs in results.items():
        print(f"{source}: {name} update median {statistics.median(s for s, _ in runs) * 1e3:.3f}"
              f" ms, {runs[0][1]:,} subnormal slot values")


def fits(sources, rounds):
    results = {source: [] for source in sources}
    for round_ in range(rounds):
        for source in sources if round_ % 2 == 0 else sources[::-1]:
            done = subprocess.run([sys.executable, "-c", SMALL_FIT], capture_output=True,
                                  text=True, check=True, env={**os.environ, "PYTHONPATH": source})
            results[source].append(float(done.stdout.split()[-1]))
    for source, seconds in results.items():
        print(f"{source}: median {statistics.median(seconds):.4f} s CPU "
              f"({', '.join(f'{s:.3f}' for s in seconds)})")
    first, second = (statistics.median(results[s]) for s in sources)
    print(f"ratio {second / first:.3f}")


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "update"
    if what == "update":
        updates(sys.argv[2] if len(sys.argv) > 2 else "RMSprop",
                int(sys.argv[3]) if len(sys.argv) > 3 else 300)
    elif what == "sunk":
        sunk([os.path.abspath(s) for s in sys.argv[2:4]],
             sys.argv[4] if len(sys.argv) > 4 else "RMSprop",
             int(sys.argv[5]) if len(sys.argv) > 5 else 4)
    else:
        fits([os.path.abspath(s) for s in sys.argv[2:4]],
             int(sys.argv[4]) if len(sys.argv) > 4 else 10)
