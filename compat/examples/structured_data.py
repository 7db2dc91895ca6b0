"""Structured data classification as in the Keras tutorial "Structured data classification
from scratch": numeric columns through adapted Normalization layers, a string column through
StringLookup (one-hot), an integer column through IntegerLookup and CategoryEncoding, the
encoded features concatenated and fed to Dense layers.

The table is synthetic, shaped like the tutorial's heart-disease data: 1,500 patients with age,
blood pressure and cholesterol (numbers), a "thal" category (strings) and a chest-pain type
(integers 1..4); the target depends on all of them with noise.
"""

import time

import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

import example_data

start = time.perf_counter()
keras.utils.set_random_seed(example_data.SEED)

rng = np.random.RandomState(7)
n = 1500
age = rng.normal(54, 9, n).round()
pressure = rng.normal(131, 17, n).round()
cholesterol = rng.normal(246, 51, n).round()
thal = rng.choice(["normal", "fixed", "reversible", "1", "2"], n, p=[0.5, 0.1, 0.3, 0.05, 0.05])
chest_pain = rng.choice([1, 2, 3, 4], n, p=[0.1, 0.2, 0.3, 0.4])
score = (0.06 * (age - 54) + 0.02 * (pressure - 131) + 0.01 * (cholesterol - 246)
         + 1.2 * (thal == "reversible") - 0.8 * (thal == "normal") + 0.7 * (chest_pain == 4)
         + rng.normal(0, 1, n))
target = (score > 0).astype("int64")
train, test = slice(0, 1200), slice(1200, None)

numeric = np.stack([age, pressure, cholesterol], axis=1).astype("float32")
normalizer = layers.Normalization()
normalizer.adapt(numeric[train])
thal_lookup = layers.StringLookup(output_mode="one_hot")
thal_lookup.adapt(thal[train])
pain_lookup = layers.IntegerLookup()
pain_lookup.adapt(chest_pain[train])
pain_encoding = layers.CategoryEncoding(num_tokens=pain_lookup.vocabulary_size(),
                                        output_mode="one_hot")


def encode(rows):
    return np.concatenate([
        np.asarray(normalizer(numeric[rows])),
        np.asarray(thal_lookup(thal[rows])),
        np.asarray(pain_encoding(pain_lookup(chest_pain[rows].reshape(-1, 1)))),
    ], axis=1)


x_train, x_test = encode(train), encode(test)
model = keras.Sequential([
    keras.Input(shape=(x_train.shape[1],)),
    layers.Dense(32, activation="relu"),
    layers.Dropout(0.5),
    layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x_train, target[train], epochs=example_data.epochs(30), batch_size=32, verbose=0)
loss, accuracy = model.evaluate(x_test, target[test], verbose=0)
print("Features:", x_train.shape[1], "thal vocabulary:", thal_lookup.get_vocabulary())
print("Test accuracy:", accuracy)
example_data.report(start, data="synthetic heart-disease table", test_loss=loss,
                    test_accuracy=accuracy, features=int(x_train.shape[1]))
