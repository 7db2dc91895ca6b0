"""Trains a simple deep MLP on the MNIST dataset: Keras' classic mnist_mlp example.

Two hidden layers of 512 units with dropout, RMSprop, categorical crossentropy. Without MNIST in
Keras' cache it trains on the bundled digits, made MNIST-shaped (see example_data.py).
"""

import time

import keras
from keras.layers import Dense, Dropout
from keras.models import Sequential
from keras.optimizers import RMSprop

import example_data

start = time.perf_counter()
keras.utils.set_random_seed(example_data.SEED)

batch_size = 128
num_classes = 10
epochs = example_data.epochs(20)

data, source = example_data.load_mnist()
(x_train, y_train), (x_test, y_test) = data
x_train = x_train.reshape(len(x_train), 784).astype("float32") / 255
x_test = x_test.reshape(len(x_test), 784).astype("float32") / 255
print(x_train.shape[0], "train samples")
print(x_test.shape[0], "test samples")

# convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = Sequential()
model.add(Dense(512, activation="relu", input_shape=(784,)))
model.add(Dropout(0.2))
model.add(Dense(512, activation="relu"))
model.add(Dropout(0.2))
model.add(Dense(num_classes, activation="softmax"))

model.summary()

model.compile(loss="categorical_crossentropy", optimizer=RMSprop(), metrics=["accuracy"])

history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=2,
                    validation_data=(x_test, y_test))
score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
example_data.report(start, data=source, test_loss=score[0],
                    test_accuracy=score[1])
