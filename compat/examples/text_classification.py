"""Text classification as in the Keras tutorial "Text classification from scratch": a
TextVectorization layer adapted on the training texts turns reviews into token sequences, an
Embedding, GlobalAveragePooling1D and Dense layers classify them, and the vectorizer and the
model together make an end-to-end model that takes raw strings.

The reviews are synthetic (compat/examples/text_data.py).
"""

import time

import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

import example_data
import text_data

start = time.perf_counter()
keras.utils.set_random_seed(example_data.SEED)
(x_train, y_train), (x_test, y_test) = text_data.load_reviews()

max_features, sequence_length = 2000, 40
vectorize_layer = layers.TextVectorization(
    max_tokens=max_features, output_mode="int", output_sequence_length=sequence_length)
vectorize_layer.adapt(x_train)
# Vectorize the text beforehand (the tutorial's option for training on CPU).
train_ids, test_ids = vectorize_layer(x_train), vectorize_layer(x_test)

model = keras.Sequential([
    keras.Input(shape=(sequence_length,), dtype="int64"),
    layers.Embedding(max_features, 16),
    layers.GlobalAveragePooling1D(),
    layers.Dense(16, activation="relu"),
    layers.Dense(1, activation="sigmoid"),
])
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(train_ids, y_train, epochs=example_data.epochs(10), batch_size=32, verbose=0)
loss, accuracy = model.evaluate(test_ids, y_test, verbose=0)

end_to_end = keras.Sequential([keras.Input(shape=(), dtype="string"), vectorize_layer, model])
raw = np.array(["a wonderful, moving film", "boring and predictable. the worst"])
scores = np.asarray(end_to_end(raw)).ravel()
print("Vocabulary size:", vectorize_layer.vocabulary_size())
print("Test accuracy:", accuracy, "raw-string scores:", scores)
example_data.report(start, data="synthetic reviews", test_loss=loss, test_accuracy=accuracy,
                    vocabulary=vectorize_layer.vocabulary_size(),
                    positive_score=float(scores[0]), negative_score=float(scores[1]))
