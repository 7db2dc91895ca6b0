"""An LSTM and a GRU classifier: `fit` and a one-sequence `predict`, minikeras beside Keras 3.

    python bench/bench_recurrent.py                       # as configured
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/bench_recurrent.py
    BENCH_ROWS=640 BENCH_ROUNDS=1 python bench/bench_recurrent.py   # a shorter run
    MINIKERAS_BASELINE=/path/to/other/src python bench/bench_recurrent.py  # and another checkout
    BENCH_LIBRARIES=minikeras,minikeras-baseline ...      # some of the libraries only

Input (100 steps, 32 features), LSTM(64) or GRU(64), Dense(10, softmax); Adam, categorical
crossentropy, batch 64, on random sequences (the speed depends on shapes, not values).
Figures per model: the first epoch of a fresh model (compilation included, for Keras), a later
epoch, and `predict` of one sequence (best of 5 x 20 calls).
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import best_of, import_keras, main  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", 2048))
STEPS, FEATURES, UNITS = 100, 32, 64


def build(keras, layer):
    model = keras.Sequential([keras.Input((STEPS, FEATURES)), getattr(keras.layers, layer)(UNITS),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    return model


def body(library):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (ROWS, STEPS, FEATURES)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, ROWS)]
    keras, _ = import_keras(library)
    figures = {}
    for layer in ("LSTM", "GRU"):
        model = build(keras, layer)

        def epoch(model=model):
            model.fit(x, y, batch_size=64, epochs=1, verbose=0)

        one = x[:1]
        figures[f"{layer}(64) fit, first epoch ({ROWS} sequences, fresh)"] = best_of(epoch, 1)
        figures[f"{layer}(64) fit, a later epoch"] = best_of(epoch, 1)
        figures[f"{layer}(64) predict, one sequence"] = best_of(
            lambda model=model: model.predict(one, verbose=0), 5, 20)
    return figures


LIBRARIES = ["minikeras", "minikeras-baseline", "keras3-jax", "keras3-tf"]

if __name__ == "__main__":
    main(os.path.abspath(__file__), body, LIBRARIES)
