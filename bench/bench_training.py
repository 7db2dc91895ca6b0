"""Training: Keras' classic mnist_mlp shape, and a small fit, minikeras beside Keras 3.

    python bench/bench_training.py     # minikeras, plus Keras 3 (JAX, TF) if the oracle exists

mnist_mlp: 784-512-512-10 (relu, relu, softmax), RMSprop, categorical crossentropy, batch 128,
60,000 rows (random data of mnist's shape: the speed depends on shapes, not values). Reported
as seconds per epoch, after one warm-up epoch (JIT compilation for Keras). Small fit: the seed
tutorial's model on 1,000 rows for 30 epochs, batch 32, timed whole, first call included (what
a user waits for).
"""

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import import_keras, main  # noqa: E402


def body(library):
    keras, _ = import_keras(library)
    rng = np.random.default_rng(0)
    results = {}

    x = rng.random((60_000, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 60_000)]
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    model.fit(x[:12_800], y[:12_800], batch_size=128, epochs=1, verbose=0)  # warm-up
    start = time.perf_counter()
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    results["mnist_mlp fit, 1 epoch of 60k rows"] = time.perf_counter() - start

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


if __name__ == "__main__":
    main(os.path.abspath(__file__), body)
