"""Trains an MLP on digits from a `tf.data` pipeline and from a `keras.utils.PyDataset`, as the
Keras guides to input pipelines do.

The `tf.data` model reads raw uint8 images through `map` (scaling and flattening with `tf.*`
functions), `cache`, `shuffle`, `batch` and `prefetch`; the test set is evaluated from a
dataset too. The PyDataset model reads batches from a `PyDataset` subclass that reshuffles its
rows in `on_epoch_end`. Without MNIST in Keras' cache the data are the bundled digits, made
MNIST-shaped (see example_data.py).
"""

import math
import time

import numpy as np
import tensorflow as tf
from tensorflow import keras

import example_data

start = time.perf_counter()
keras.utils.set_random_seed(example_data.SEED)

data, source = example_data.load_mnist()
(x_train, y_train), (x_test, y_test) = data
batch_size, epochs = 64, example_data.epochs(10)


def preprocess(image, label):
    image = tf.reshape(tf.cast(image, tf.float32) / 255.0, [784])
    return image, label


train = (tf.data.Dataset.from_tensor_slices((x_train, y_train))
         .map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)
         .cache()
         .shuffle(buffer_size=1024, seed=example_data.SEED)
         .batch(batch_size)
         .prefetch(tf.data.AUTOTUNE))
test = (tf.data.Dataset.from_tensor_slices((x_test, y_test))
        .map(preprocess).batch(256).prefetch(tf.data.AUTOTUNE))
print("batches per epoch:", int(train.cardinality()), "spec:", train.element_spec)


def make_model():
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


pipeline_model = make_model()
pipeline_model.fit(train, epochs=epochs, validation_data=test, verbose=2)
pipeline_loss, pipeline_accuracy = pipeline_model.evaluate(test, verbose=0)


class Digits(keras.utils.PyDataset):
    """Batches of scaled digits; the row order is reshuffled after every epoch."""

    def __init__(self, images, labels, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.images = images.reshape(len(images), 784).astype("float32") / 255
        self.labels = labels
        self.batch_size = batch_size
        self.order = np.arange(len(images))
        self.epochs_ended = 0

    def __len__(self):
        return math.ceil(len(self.images) / self.batch_size)

    def __getitem__(self, index):
        rows = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        return self.images[rows], self.labels[rows]

    def on_epoch_end(self):
        self.epochs_ended += 1
        np.random.shuffle(self.order)


digits = Digits(x_train, y_train, batch_size, workers=1, use_multiprocessing=False)
sequence_model = make_model()
history = sequence_model.fit(digits, epochs=epochs, shuffle=False, verbose=2)
sequence_loss, sequence_accuracy = sequence_model.evaluate(
    Digits(x_test, y_test, 256), verbose=0)
print("Test accuracy (tf.data):", pipeline_accuracy, "(PyDataset):", sequence_accuracy)
example_data.report(
    start, data=source, pipeline_test_loss=pipeline_loss,
    pipeline_test_accuracy=pipeline_accuracy, sequence_test_loss=sequence_loss,
    sequence_test_accuracy=sequence_accuracy,
    # Each epoch ran len(dataset) steps and called on_epoch_end at its end.
    sequence_steps_per_epoch=len(digits), sequence_epoch_ends_at_least_epochs=(
        digits.epochs_ended >= epochs),
    train_batches=int(train.cardinality()))
