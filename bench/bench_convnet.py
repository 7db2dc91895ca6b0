"""The keras.io MNIST convnet: `fit` and a one-image `predict`, minikeras beside Keras 3.

    python bench/bench_convnet.py              # 60,000 images, as the issue asks
    BENCH_ROWS=6000 BENCH_ROUNDS=1 python bench/bench_convnet.py   # a shorter run

Conv2D(32, 3x3, relu), MaxPooling2D(2), Conv2D(64, 3x3, relu), MaxPooling2D(2), Flatten,
Dropout(0.5), Dense(10, softmax); Adam, categorical crossentropy, batch 128, on random images
of MNIST's shape (28x28x1: the speed depends on shapes, not values). Figures: the first epoch
of a fresh model (compilation included, for Keras), a later epoch, and `predict` of one image
(best of 5 x 20 calls).
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import LIBRARIES, best_of, import_keras, main  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", 60_000))


def build(keras):
    """compat/examples/mnist_convnet.py's model (keras.io's), compiled as there."""
    conv = [keras.layers.Conv2D(filters, 3, activation="relu") for filters in (32, 64)]
    pools = [keras.layers.MaxPooling2D(2) for _ in conv]
    model = keras.Sequential([
        keras.Input((28, 28, 1)), conv[0], pools[0], conv[1], pools[1], keras.layers.Flatten(),
        keras.layers.Dropout(0.5), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def body(library):
    rng = np.random.default_rng(0)
    x = rng.random((ROWS, 28, 28, 1), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, ROWS)]
    keras, _ = import_keras(library)
    model = build(keras)

    def epoch():
        model.fit(x, y, batch_size=128, epochs=1, verbose=0)

    one = x[:1]
    return {
        f"convnet fit, first epoch ({ROWS} images, fresh model)": best_of(epoch, 1),
        f"convnet fit, a later epoch ({ROWS} images)": best_of(epoch, 1),
        "convnet predict, one image": best_of(lambda: model.predict(one, verbose=0), 5, 20),
    }


if __name__ == "__main__":
    main(os.path.abspath(__file__), body, list(LIBRARIES))
