"""Where mnist_mlp's training step spends its CPU time, piece by piece, minikeras beside the
hand-written loop of `numpy_mlp.py` (its `lap` hook reads the clock between the pieces),
interleaved in one process: each round runs one `fit` epoch, then one loop epoch.

    OPENBLAS_NUM_THREADS=1 python bench/step_pieces.py [ROWS] [ROUNDS]   # default 12800 7

Thread CPU time (`time.thread_time`), which other processes' load moves less than wall time;
one BLAS thread, so that the products' time is this thread's. minikeras' pieces are timed by
wrapping its methods (Dense and Dropout forward/backward, the activations and their
gradients, the loss, the metrics, the optimizer, the batching); the pieces whose names start
with `L ` are the loop's. Medians per step, in microseconds. A diagnostic: the wrappers cost
about 1 us each, some forty a step.
"""

import collections
import functools
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import minikeras as keras  # noqa: E402
from minikeras import autodiff  # noqa: E402
from minikeras.core import tape  # noqa: E402
from minikeras.layers.dense import Dense  # noqa: E402
from minikeras.layers.dropout import Dropout  # noqa: E402
from minikeras.models import data as data_lib  # noqa: E402
from numpy_mlp import NumpyMLP  # noqa: E402

F = np.float32
clock = time.thread_time
spent = collections.defaultdict(float)  # seconds per piece in the epoch under way


def timed(name, function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        start = clock()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] += clock() - start
    return wrapper


def instrumented_model():
    Dense.forward = timed("dense fwd", Dense.forward)
    Dense.backward = timed("dense bwd", Dense.backward)
    Dropout.forward = timed("dropout fwd", Dropout.forward)
    Dropout.backward = timed("dropout bwd", Dropout.backward)
    data_lib._rows = timed("gather", data_lib._rows)
    tape.GradientTape.gradient = timed("backward total", tape.GradientTape.gradient)
    primitive = autodiff.primitive  # activations and losses record their gradient rules here
    autodiff.primitive = lambda value, vjp, parent, op: primitive(
        value, timed(f"{op} bwd", vjp), parent, op)
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(512, activation="relu"), keras.layers.Dropout(0.2),
        keras.layers.Dense(512, activation="relu"), keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])
    for layer in model.layers:
        if isinstance(layer, Dense):
            layer.activation = timed(f"{layer.activation.__name__} fwd", layer.activation)
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    model._compute_loss = timed("loss fwd", model._compute_loss)
    model._update_compiled_metrics = timed("metrics", model._update_compiled_metrics)
    model._loss_tracker.update_state = timed("loss tracker", model._loss_tracker.update_state)
    model.optimizer.apply = timed("optimizer", model.optimizer.apply)
    model._train_step = timed("step total", model._train_step)
    return model


class Laps:
    """`NumpyMLP`'s `lap`: the CPU time since the last lap, charged to the piece that ended."""

    def __init__(self):
        self.start = clock()

    def __call__(self, piece):
        now = clock()
        spent[f"L {piece}"] += now - self.start
        self.start = now


def main(rows, rounds):
    rng = np.random.default_rng(0)
    x = rng.random((rows, 784), dtype=F)
    y = np.eye(10, dtype=F)[rng.integers(0, 10, rows)]
    model, loop = instrumented_model(), NumpyMLP()
    model.fit(x[:1280], y[:1280], batch_size=128, verbose=0)
    loop.epoch(x[:1280], y[:1280])
    per_step = collections.defaultdict(list)
    for _ in range(rounds):
        for name, epoch in (("epoch total", lambda: model.fit(x, y, batch_size=128, verbose=0)),
                            ("L epoch total", lambda: loop.epoch(x, y, Laps()))):
            spent.clear()
            start = clock()
            epoch()
            spent[name] = clock() - start
            for piece, seconds in spent.items():
                if piece.startswith("L ") == name.startswith("L "):
                    per_step[piece].append(seconds / (rows / 128) * 1e6)
    for piece in sorted(per_step, key=lambda p: (p.startswith("L "), p.removeprefix("L "))):
        print(f"{piece:22s} {np.median(per_step[piece]):8.1f} us")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 12_800,
         int(sys.argv[2]) if len(sys.argv) > 2 else 7)
