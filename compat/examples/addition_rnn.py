"""Sequence to sequence learning of addition, as in the Keras example "Sequence to sequence
learning for performing number addition": the question "12+34" (padded to 5 characters,
reversed) one-hot encoded, an encoder LSTM, its last output repeated once per answer character
(RepeatVector), a decoder LSTM returning sequences and a TimeDistributed softmax Dense over the
12 characters.

The questions (2,000 sums of numbers up to 2 digits, no pair twice) come from a fixed numpy
seed, the same under any Keras; 10% are held out for testing.
"""

import time

import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

import example_data

DIGITS, QUESTIONS = 2, 2000
MAXLEN = DIGITS + 1 + DIGITS
CHARS = "0123456789+ "
INDEX = {c: i for i, c in enumerate(CHARS)}


def encode(text, length):
    onehot = np.zeros((length, len(CHARS)), "float32")
    onehot[np.arange(length), [INDEX[c] for c in text]] = 1
    return onehot


def decode(onehot):
    return "".join(CHARS[i] for i in onehot.argmax(axis=-1))


def questions(seed=2024):
    rng, seen, pairs = np.random.RandomState(seed), set(), []
    while len(pairs) < QUESTIONS:
        a, b = (int("".join(rng.choice(list("0123456789"), rng.randint(1, DIGITS + 1))))
                for _ in range(2))
        if (min(a, b), max(a, b)) not in seen:
            seen.add((min(a, b), max(a, b)))
            pairs.append((a, b))
    x = np.stack([encode(f"{a}+{b}".ljust(MAXLEN)[::-1], MAXLEN) for a, b in pairs])
    y = np.stack([encode(str(a + b).ljust(DIGITS + 1), DIGITS + 1) for a, b in pairs])
    return x, y


start = time.perf_counter()
keras.utils.set_random_seed(example_data.SEED)
x, y = questions()
split = QUESTIONS - QUESTIONS // 10
(x_train, y_train), (x_test, y_test) = (x[:split], y[:split]), (x[split:], y[split:])
if example_data.QUICK:
    x_train, y_train = x_train[:example_data.QUICK_SAMPLES], y_train[:example_data.QUICK_SAMPLES]

model = keras.Sequential([
    keras.Input((MAXLEN, len(CHARS))),
    layers.LSTM(32),
    layers.RepeatVector(DIGITS + 1),
    layers.LSTM(32, return_sequences=True),
    layers.TimeDistributed(layers.Dense(len(CHARS), activation="softmax")),
])
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=32, epochs=example_data.epochs(6), verbose=0)
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
predicted = model.predict(x_test, verbose=0)
exact = float(np.mean([decode(p) == decode(t) for p, t in zip(predicted, y_test)]))
print("Test character accuracy:", accuracy, "exact answers:", exact)
example_data.report(start, data="2,000 sums", test_loss=loss, test_accuracy=accuracy,
                    exact_answers=exact)
