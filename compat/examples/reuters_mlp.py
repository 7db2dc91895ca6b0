"""Trains and evaluates a simple MLP on the Reuters newswire topic classification task:
the shape of Keras' classic reuters_mlp example (bag of words, 46 topics).

Without Reuters in Keras' cache it uses a synthetic bag-of-words corpus (see example_data.py).
"""

import time

import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

import example_data

start = time.perf_counter()
keras.utils.set_random_seed(example_data.SEED)

max_words = 1000
batch_size = 32
epochs = example_data.epochs(5)

print("Loading data...")
data, source = example_data.load_reuters(num_words=max_words)
(x_train, y_train), (x_test, y_test) = data
print(len(x_train), "train sequences")
print(len(x_test), "test sequences")

num_classes = int(np.max(y_train)) + 1
print(num_classes, "classes")


def vectorize_sequences(sequences, dimension=max_words):
    """One row per story: 1 where the story uses the word."""
    results = np.zeros((len(sequences), dimension), dtype="float32")
    for i, sequence in enumerate(sequences):
        results[i, sequence] = 1.0
    return results


x_train = vectorize_sequences(x_train)
x_test = vectorize_sequences(x_test)
print("x_train shape:", x_train.shape)
print("x_test shape:", x_test.shape)

y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)
print("y_train shape:", y_train.shape)

print("Building model...")
model = keras.Sequential([
    keras.Input(shape=(max_words,)),
    layers.Dense(512),
    layers.Activation("relu"),
    layers.Dropout(0.5),
    layers.Dense(num_classes),
    layers.Activation("softmax"),
])
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=2,
                    validation_split=0.1)
score = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
print("Test score:", score[0])
print("Test accuracy:", score[1])
example_data.report(start, data=source, test_loss=score[0], test_accuracy=score[1])
