"""Where one mnist_mlp training step (a batch of 128) spends its time, minikeras alone.

    python bench/bench_step.py             # as configured, then with OpenBLAS' own kernels
    python bench/bench_step.py fit update  # only these parts (products, update, fit)

Prints, in microseconds: the step's six float32 products with one and with two BLAS threads
(the floor under any numpy step), RMSprop's update of the 669k weights, numpy's float32
`sqrt` against `multiply`, and a minikeras `fit` step against the hand-written loop of
`numpy_mlp.py`, the two interleaved in one process so that the machine's drift hits both.
"""

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import minikeras as keras  # noqa: E402
from minikeras import backend  # noqa: E402
from numpy_mlp import NumpyMLP  # noqa: E402

F = np.float32
BATCH = 128


def per_call(function, number=200, repeat=5):
    """The median over `repeat` runs of the mean time of `number` calls, in microseconds."""
    function()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function()
        runs.append((time.perf_counter() - start) / number * 1e6)
    return float(np.median(runs))


def products(rng):
    x = rng.random((BATCH, 784), dtype=F)
    hidden, delta, delta_out = (rng.random((BATCH, n), dtype=F) for n in (512, 512, 10))
    kernels = [rng.random(shape, dtype=F) for shape in ((784, 512), (512, 512), (512, 10))]
    grads = [np.empty_like(k) for k in kernels]
    step = {
        "forward 784->512": lambda: x @ kernels[0],
        "forward 512->512": lambda: hidden @ kernels[1],
        "forward 512->10": lambda: hidden @ kernels[2],
        "kernel grad 784x512": lambda: np.matmul(x.T, delta, out=grads[0]),
        "kernel grad 512x512": lambda: np.matmul(hidden.T, delta, out=grads[1]),
        "kernel grad 512x10": lambda: np.matmul(hidden.T, delta_out, out=grads[2]),
        "input grad 10->512": lambda: delta_out @ kernels[2].T,
        "input grad 512->512": lambda: delta @ kernels[1].T,
    }
    for threads in (1, 2):
        with backend.blas_threads(threads):
            times = {name: per_call(fn) for name, fn in step.items()}
        print(f"products, {threads} BLAS thread(s): {sum(times.values()):7.0f} us  " + ", ".join(
            f"{name} {t:.0f}" for name, t in times.items()))


def update_and_sqrt(rng):
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(512), keras.layers.Dense(512), keras.layers.Dense(10),
    ])
    weights = model.trainable_weights
    optimizer = keras.optimizers.RMSprop()
    # As `fit` does at its first step: build, pack, and take the gradient arrays its tape
    # writes into (views of the packed flat gradient).
    buffers = optimizer._fit_gradient_buffers(weights)
    grads = [buffers[id(weight)] for weight in weights]
    for grad in grads:
        grad[...] = rng.random(grad.shape, dtype=F)
    print(f"RMSprop update of {sum(w.value.size for w in weights):,} weights (packed): "
          f"{per_call(lambda: optimizer.apply(grads, weights), 50):.0f} us")
    a = rng.random(1 << 16, dtype=F) + F(1)
    out = np.empty_like(a)
    for name, fn in (("sqrt", np.sqrt), ("multiply", lambda v, out: np.multiply(v, v, out=out))):
        micros = per_call(lambda: fn(a, out=out), 500)
        print(f"float32 {name}: {a.size / micros / 1e3:.1f} Gelem/s")


def fit_against_loop(rng, rows=25_600, rounds=6):
    x = rng.random((rows, 784), dtype=F)
    y = np.eye(10, dtype=F)[rng.integers(0, 10, rows)]
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(512, activation="relu"), keras.layers.Dropout(0.2),
        keras.layers.Dense(512, activation="relu"), keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    loop = NumpyMLP()
    model.fit(x[:1280], y[:1280], batch_size=BATCH, verbose=0)
    loop.epoch(x[:1280], y[:1280])
    steps = rows / BATCH
    ours, theirs = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        model.fit(x, y, batch_size=BATCH, verbose=0)
        ours.append((time.perf_counter() - start) / steps * 1e6)
        start = time.perf_counter()
        loop.epoch(x, y)
        theirs.append((time.perf_counter() - start) / steps * 1e6)
    print(f"fit step: minikeras {np.median(ours):.0f} us, numpy loop {np.median(theirs):.0f} us "
          f"(median ratio {np.median(np.divide(ours, theirs)):.2f})")


PARTS = {"products": products, "update": update_and_sqrt, "fit": fit_against_loop}

if __name__ == "__main__":
    parts = [part for part in sys.argv[1:] if part != "--child"] or list(PARTS)
    if "--child" in sys.argv:
        rng = np.random.default_rng(0)
        for part in parts:
            PARTS[part](rng)
    else:  # both BLAS configurations, each in its own process (see `_harness.CONFIGURATIONS`)
        import subprocess

        from _harness import CONFIGURATIONS

        for name, prefix in CONFIGURATIONS.items():
            print(f"\n{name}:", flush=True)
            subprocess.run([*prefix, sys.executable, os.path.abspath(__file__), "--child", *parts])
