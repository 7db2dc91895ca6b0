"""Training: Keras' classic mnist_mlp shape, and a small fit, minikeras beside Keras 3.

    python bench/bench_training.py     # minikeras, a hand-written numpy loop, and Keras 3
                                       # (JAX, TF) if the oracle exists

mnist_mlp: 784-512-512-10 (relu, dropout 0.2, relu, dropout 0.2, softmax), RMSprop,
categorical crossentropy, batch 128, 60,000 rows (random data of mnist's shape: the speed
depends on shapes, not values). Two figures: the first epoch of a fresh model (what a one-epoch
script waits for, JIT compilation included), and a later epoch (steady state: by then Keras has
compiled a step for both batch shapes, 128 and the last 96 rows). `numpy-loop` is
`numpy_mlp.py`, the same training written by hand in numpy: the ceiling for minikeras.
Small fit: the seed tutorial's model on 1,000 rows for 30 epochs, batch 32, timed whole, first
call included.
"""

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import LIBRARIES, best_of, import_keras, main  # noqa: E402

FIRST_EPOCH = "mnist_mlp fit, first epoch (fresh model)"
LATER_EPOCH = "mnist_mlp fit, a later epoch (60k rows)"


def body(library):
    rng = np.random.default_rng(0)
    x = rng.random((60_000, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 60_000)]
    if library == "numpy-loop":
        return numpy_loop(x, y)
    keras, _ = import_keras(library)
    results = {}

    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])

    def epoch():
        model.fit(x, y, batch_size=128, epochs=1, verbose=0)

    results[FIRST_EPOCH] = best_of(epoch, 1)
    results[LATER_EPOCH] = best_of(epoch, 2)

    small_x = rng.random((1000, 10), dtype=np.float32)
    small_y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 1000)]
    start = time.perf_counter()
    model = keras.Sequential([
        keras.Input((10,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(small_x, small_y, epochs=30, batch_size=32, verbose=0)
    results["small fit (1k rows, 30 epochs), whole"] = time.perf_counter() - start
    return results


def numpy_loop(x, y):
    from numpy_mlp import NumpyMLP

    model = NumpyMLP()
    first = best_of(lambda: model.epoch(x, y), 1)
    return {FIRST_EPOCH: first, LATER_EPOCH: best_of(lambda: model.epoch(x, y), 2)}


if __name__ == "__main__":
    main(os.path.abspath(__file__), body, ["minikeras", "numpy-loop", *list(LIBRARIES)[1:]])
