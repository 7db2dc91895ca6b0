"""A custom regularizer and a custom constraint, written with `keras.ops` as the Keras
documentation shows: `MyRegularizer` (a weighted sum of squares) and `NonNegative` (zeroes
negative weights after each update), on a small digit classifier.

Checks: the custom regularizer trains exactly like the built-in `L2` of the same strength, the
penalty in `model.losses` is `strength * sum(w**2)`, the constrained kernel has no negative
entry, and the model saves and loads with `custom_objects`.
"""

import os
import tempfile
import time

import keras
import numpy as np
from keras import ops

import example_data


class MyRegularizer(keras.regularizers.Regularizer):
    def __init__(self, strength):
        self.strength = strength

    def __call__(self, x):
        return self.strength * ops.sum(ops.square(x))

    def get_config(self):
        return {"strength": self.strength}


class NonNegative(keras.constraints.Constraint):
    def __call__(self, w):
        return w * ops.cast(ops.greater_equal(w, 0.0), dtype=w.dtype)


start = time.perf_counter()
data, source = example_data.load_mnist()
(x_train, y_train), (x_test, y_test) = data
x_train = x_train.reshape(len(x_train), -1).astype("float32") / 255
x_test = x_test.reshape(len(x_test), -1).astype("float32") / 255


def train(regularizer):
    """A model whose hidden kernel has `regularizer` and the NonNegative constraint, trained."""
    keras.utils.set_random_seed(example_data.SEED)
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(64, activation="relu", kernel_regularizer=regularizer,
                           kernel_constraint=NonNegative()),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=example_data.epochs(10), batch_size=64, verbose=0)
    return model


strength = 1e-3
model = train(MyRegularizer(strength))
builtin = train(keras.regularizers.L2(strength))
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)

kernel = np.asarray(model.layers[0].kernel)
penalty = float(np.sum([np.asarray(loss) for loss in model.losses]))
expected_penalty = strength * float(np.sum(kernel.astype("float64") ** 2))
custom_vs_builtin = max(float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
                        for a, b in zip(model.get_weights(), builtin.get_weights()))
print(f"Test accuracy: {test_accuracy:.4f}; smallest hidden weight: {kernel.min()}")
print(f"Penalty {penalty:.6f}, expected {expected_penalty:.6f}")
print(f"Largest weight difference, custom vs built-in L2: {custom_vs_builtin:.2e}")

path = os.path.join(tempfile.mkdtemp(), "custom.keras")
model.save(path)
reloaded = keras.models.load_model(
    path, custom_objects={"MyRegularizer": MyRegularizer, "NonNegative": NonNegative})
same_predictions = np.allclose(reloaded.predict(x_test, verbose=0),
                               model.predict(x_test, verbose=0), atol=1e-6)
reloaded_strength = reloaded.layers[0].kernel_regularizer.strength

example_data.report(start, data=source, test_accuracy=test_accuracy, test_loss=test_loss,
                    smallest_weight=float(kernel.min()),
                    penalty_error=abs(penalty - expected_penalty) / expected_penalty,
                    custom_vs_builtin=custom_vs_builtin, same_predictions=bool(same_predictions),
                    reloaded_strength=reloaded_strength)
