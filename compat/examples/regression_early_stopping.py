"""Regression with early stopping: predict house prices (Boston Housing) with a small MLP, as in
Deep Learning with Python, stopping when the validation loss stops improving.

Without Boston Housing in Keras' cache it fits Friedman's problem #1 (see example_data.py).
"""

import time

import keras
from keras import layers

import example_data

start = time.perf_counter()
keras.utils.set_random_seed(example_data.SEED)

data, source = example_data.load_boston_housing()
(train_data, train_targets), (test_data, test_targets) = data

# Normalize each feature with the training set's mean and standard deviation
mean = train_data.mean(axis=0)
std = train_data.std(axis=0)
train_data = (train_data - mean) / std
test_data = (test_data - mean) / std


def build_model():
    model = keras.Sequential([
        keras.Input(shape=(train_data.shape[1],)),
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(1),
    ])
    model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
    return model


model = build_model()
early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=20,
                                               restore_best_weights=True)
history = model.fit(train_data, train_targets, epochs=example_data.epochs(500), batch_size=16,
                    validation_split=0.2, callbacks=[early_stopping], verbose=0)
epochs_run = len(history.history["loss"])
print(f"Stopped after {epochs_run} epochs (best epoch: {early_stopping.best_epoch + 1})")
test_mse, test_mae = model.evaluate(test_data, test_targets, verbose=0)
print("Test MSE:", test_mse)
print("Test MAE:", test_mae)
example_data.report(start, data=source, test_mse=test_mse, test_mae=test_mae,
                    epochs_run=epochs_run)
