"""Text classification: Embedding + GlobalAveragePooling1D + Dense fit on an IMDB-shaped task,
minikeras beside Keras 3 on JAX and TF (issue 11).

    python bench/bench_text.py         # minikeras, and Keras 3 (JAX, TF) if the oracle exists

20,000 sequences of 200 token ids below 10,000 (random ids, 0 as padding after a random
length: the speed depends on shapes, not values), Embedding(10000, 16, mask_zero=True),
GlobalAveragePooling1D (honouring the mask), Dense(16, relu), Dense(1, sigmoid), Adam, binary
crossentropy, batch 32: the Keras text-classification tutorial's model. Figures: the first
epoch of a fresh model (JIT compilation included for JAX) and a later epoch, in samples per
second.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import best_of, import_keras, main  # noqa: E402

ROWS, LENGTH, VOCABULARY = 20_000, 200, 10_000
FIRST_EPOCH = "text fit, first epoch (fresh model)"
LATER_EPOCH = "text fit, a later epoch (20k x 200 tokens)"


def data():
    rng = np.random.default_rng(0)
    lengths = rng.integers(20, LENGTH + 1, ROWS)
    tokens = rng.integers(1, VOCABULARY, (ROWS, LENGTH))
    x = np.where(np.arange(LENGTH) < lengths[:, None], tokens, 0).astype(np.int32)
    return x, rng.integers(0, 2, (ROWS, 1)).astype(np.float32)


def body(library):
    x, y = data()
    keras, _ = import_keras(library)
    model = keras.Sequential([
        keras.Input((LENGTH,), dtype="int32"),
        keras.layers.Embedding(VOCABULARY, 16, mask_zero=True),
        keras.layers.GlobalAveragePooling1D(),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])

    def epoch():
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)

    return {FIRST_EPOCH: best_of(epoch, 1), LATER_EPOCH: best_of(epoch, 2)}


if __name__ == "__main__":
    main(os.path.abspath(__file__), body, [
        "minikeras", "minikeras-baseline", "keras3-jax", "keras3-tf"])
