"""MLP for binary classification, as in the Keras guide to the Sequential model: the first layer
is given its input size with `input_dim`, the output is one sigmoid unit.

The data are synthetic: 20 features uniform on [0, 1), labelled 1 when a fixed random quadratic
score of them is positive (about 60% of the samples).
"""

import time

import numpy as np
from tensorflow.keras.layers import Dense, Dropout
from tensorflow.keras.models import Sequential
from tensorflow.keras.utils import set_random_seed

import example_data

start = time.perf_counter()
set_random_seed(example_data.SEED)

# Generate the data (the same under any Keras: numpy's legacy generator, fixed seed)
rng = np.random.RandomState(2024)
weights, pairs = rng.normal(size=20), rng.normal(size=(20, 20)) / 10


def make_data(n):
    x = rng.random_sample((n, 20))
    centred = x - 0.5
    score = centred @ weights + np.einsum("ni,ij,nj->n", centred, pairs, centred)
    return x, (score > 0).astype("int64").reshape(-1, 1)


x_train, y_train = make_data(1000)
x_test, y_test = make_data(300)

model = Sequential()
model.add(Dense(64, input_dim=20, activation="relu"))
model.add(Dropout(0.5))
model.add(Dense(64, activation="relu"))
model.add(Dropout(0.5))
model.add(Dense(1, activation="sigmoid"))

model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["accuracy"])

model.fit(x_train, y_train, epochs=example_data.epochs(40), batch_size=128, verbose=0)
score = model.evaluate(x_test, y_test, batch_size=128, verbose=0)
predicted = (model.predict(x_test, verbose=0) > 0.5).astype("int64")
print("Test loss:", score[0])
print("Test accuracy:", score[1])
example_data.report(start, data="synthetic", test_loss=score[0], test_accuracy=score[1],
                    positive_rate=predicted.mean())
