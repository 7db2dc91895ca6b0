"""The engine's hot paths, minikeras beside another checkout of itself (the commit before a
change) in one run: a change to the engine must keep these.

    MINIKERAS_BASELINE=/path/to/old/src python bench/bench_engine.py

mnist_mlp step: 784-512-512-10 with dropout, RMSprop, batch 128 (one epoch of 50 steps, per
step). Small fit: the seed tutorial's model, 1,000 rows, 30 epochs, batch 32, whole. One row:
`predict` and `model(x)` of the seed model on one row.
"""

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import best_of, import_keras, main  # noqa: E402


def body(library):
    keras, _ = import_keras(library)
    rng = np.random.default_rng(0)
    results = {}
    x = rng.random((128 * 50, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, len(x))]
    model = keras.Sequential([
        keras.Input((784,)), keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.2), keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.2), keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    results["mnist_mlp training step (batch 128)"] = best_of(
        lambda: model.fit(x, y, batch_size=128, epochs=1, verbose=0), 3) / 50

    small_x = rng.random((1000, 10), dtype=np.float32)
    small_y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 1000)]

    def small_fit():
        seed = keras.Sequential([
            keras.Input((10,)), keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax"),
        ])
        seed.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
        seed.fit(small_x, small_y, epochs=30, batch_size=32, verbose=0)
        return seed

    seed = small_fit()
    start = time.perf_counter()
    small_fit()
    results["small fit (1k rows, 30 epochs), whole"] = time.perf_counter() - start
    row = small_x[:1]
    results["predict, one row"] = best_of(lambda: seed.predict(row, verbose=0), 5, 200)
    results["model(x), one row"] = best_of(lambda: seed(row), 5, 200)
    return results


if __name__ == "__main__":
    main(os.path.abspath(__file__), body, ["minikeras", "minikeras-baseline"])
