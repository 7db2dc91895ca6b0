"""Sentiment classification with a bidirectional LSTM, as in the Keras example "Bidirectional
LSTM on IMDB": reviews as padded token sequences, an Embedding with `mask_zero=True` (the
padding is masked), a Bidirectional LSTM returning sequences, an LSTM and a sigmoid Dense
layer.

The reviews are synthetic (compat/examples/text_data.py; 2,000 for training, 500 for testing),
vectorized by TextVectorization to 40
tokens with zeros after the end of each review.
"""

import time

import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

import example_data
import text_data

start = time.perf_counter()
keras.utils.set_random_seed(example_data.SEED)
(x_train, y_train), (x_test, y_test) = text_data.load_reviews(train=2000, test=500)

max_features, maxlen = 2000, 40
vectorize = layers.TextVectorization(max_tokens=max_features, output_sequence_length=maxlen)
vectorize.adapt(x_train)
train_ids, test_ids = np.asarray(vectorize(x_train)), np.asarray(vectorize(x_test))

inputs = keras.Input(shape=(maxlen,), dtype="int64")
x = layers.Embedding(max_features, 32, mask_zero=True)(inputs)
x = layers.Bidirectional(layers.LSTM(8, return_sequences=True))(x)
x = layers.LSTM(8)(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(train_ids, y_train, batch_size=64, epochs=example_data.epochs(2),
          validation_split=0.1, verbose=0)
loss, accuracy = model.evaluate(test_ids, y_test, verbose=0)
scores = model.predict(np.asarray(vectorize(np.array(
    ["a wonderful, moving film", "boring and predictable. the worst"]))), verbose=0).ravel()
print("Test accuracy:", accuracy, "scores:", scores)
example_data.report(start, data="synthetic reviews", test_loss=loss, test_accuracy=accuracy,
                    positive_score=float(scores[0]), negative_score=float(scores[1]))
