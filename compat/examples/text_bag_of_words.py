"""Text classification with a bag of words: a TextVectorization layer in "multi_hot" mode
(1 for each vocabulary word a review contains), adapted on the training texts, feeding Dense
layers; the vectorizer and the classifier together make an end-to-end model of raw strings.

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

vectorize_layer = layers.TextVectorization(max_tokens=1000, output_mode="multi_hot")
vectorize_layer.adapt(x_train)
train_bags, test_bags = vectorize_layer(x_train), vectorize_layer(x_test)

model = keras.Sequential([
    keras.Input(shape=(vectorize_layer.vocabulary_size(),)),
    layers.Dense(16, activation="relu"),
    layers.Dense(1, activation="sigmoid"),
])
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(train_bags, y_train, epochs=example_data.epochs(5), batch_size=32, verbose=0)
loss, accuracy = model.evaluate(test_bags, y_test, verbose=0)

end_to_end = keras.Sequential([keras.Input(shape=(), dtype="string"), vectorize_layer, model])
raw = np.array(["a wonderful, moving film", "boring and predictable. the worst"])
scores = np.asarray(end_to_end(raw)).ravel()
print("Vocabulary:", vectorize_layer.get_vocabulary()[:8])
print("Test accuracy:", accuracy, "raw-string scores:", scores)
example_data.report(start, data="synthetic reviews", test_loss=loss, test_accuracy=accuracy,
                    vocabulary=vectorize_layer.vocabulary_size(),
                    positive_score=float(scores[0]), negative_score=float(scores[1]))
