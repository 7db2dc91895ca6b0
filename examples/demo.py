"""The main job: the seed tutorial's model, trained on real data, saved, reloaded, used.

Real data, offline: the UCI handwritten digits bundled with minikeras (8x8 images, 10 classes),
projected on their first 10 principal components so that the tutorial's model, which takes 10
features, fits them unchanged. Run it with `make demo` (or `python examples/demo.py [seed]`);
compat/run_demo.py runs it under real Keras too, its imports swapped, and compares.
"""

import os
import sys
import tempfile

import numpy as np

from minikeras.datasets import digits
from minikeras.layers import Dense
from minikeras.models import Sequential, load_model
from minikeras.utils import set_random_seed, to_categorical


def principal_components(train, test, count):
    """Project both sets on the `count` leading principal axes of `train`, standardized."""
    mean = train.mean(axis=0)
    _, _, axes = np.linalg.svd(train - mean, full_matrices=False)
    project = lambda x: (x - mean) @ axes[:count].T
    scale = project(train).std(axis=0)
    return project(train) / scale, project(test) / scale


def main(seed=7):
    set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train, x_test = principal_components(
        x_train.reshape(len(x_train), -1).astype("float32"),
        x_test.reshape(len(x_test), -1).astype("float32"),
        10,
    )
    y_train, y_test = to_categorical(y_train, 10), to_categorical(y_test, 10)
    print(f"digits: {len(x_train)} training and {len(x_test)} test images, 10 features each")

    # The seed tutorial's model, unchanged.
    model = Sequential()
    model.add(Dense(64, activation="relu", input_shape=(10,)))
    model.add(Dense(64, activation="relu"))
    model.add(Dense(10, activation="softmax"))
    model.summary()

    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=20, batch_size=32, validation_split=0.1, verbose=2)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test loss {loss:.4f}, test accuracy {accuracy:.4f}")

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "digits_mlp.keras")
        model.save(path)
        restored = load_model(path)
        before, after = model.predict(x_test, verbose=0), restored.predict(x_test, verbose=0)
        print(f"saved to {os.path.basename(path)} ({os.path.getsize(path):,} bytes) and reloaded: "
              f"largest prediction difference {np.abs(before - after).max():.1e}")
    predicted = after[:10].argmax(axis=1)
    print("first ten test images, predicted:", " ".join(map(str, predicted)))
    print("first ten test images, actual:   ", " ".join(map(str, y_test[:10].argmax(axis=1))))
    return 0 if accuracy > 0.8 else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 7))
