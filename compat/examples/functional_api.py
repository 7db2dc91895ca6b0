"""The Functional API, in the spirit of the keras.io guide of that name (its Dense, merge,
embedding and recurrent parts): a model built by calling layers on `keras.Input`, its summary,
training, saving and reloading; a multi-input, multi-output model with losses and loss weights
by output name; a shared layer; models nested in models (an autoencoder from an encoder and a
decoder, an ensemble averaging three models); a residual connection with `layers.add`; a
feature-extraction model from `layer.output`.

The digits come from example_data.load_mnist (MNIST when cached); the guide's "ticket" data are
random, as in the guide, with targets that depend on the inputs so the losses mean something.
"""

import os
import tempfile
import time

import numpy as np
import keras
from keras import layers

import example_data

start = time.perf_counter()
keras.utils.set_random_seed(example_data.SEED)

# 1. A model from inputs and outputs
inputs = keras.Input(shape=(784,), name="img")
x = layers.Dense(64, activation="relu")(inputs)
x = layers.Dense(64, activation="relu")(x)
outputs = layers.Dense(10)(x)
model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
model.summary()

data, source = example_data.load_mnist()
(x_train, y_train), (x_test, y_test) = data
x_train = x_train.reshape(len(x_train), 784).astype("float32") / 255
x_test = x_test.reshape(len(x_test), 784).astype("float32") / 255
model.compile(
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer=keras.optimizers.RMSprop(),
    metrics=["accuracy"],
)
history = model.fit(x_train, y_train, batch_size=64, epochs=example_data.epochs(4),
                    validation_split=0.2, verbose=0)
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", test_loss, "Test accuracy:", test_accuracy)

path = os.path.join(tempfile.mkdtemp(), "my_model.keras")
model.save(path)
del model
model = keras.models.load_model(path)
reloaded_accuracy = model.evaluate(x_test, y_test, verbose=0)[1]

# 2. Multiple inputs and outputs: ticket priority and department
num_tags, num_words, num_departments = 12, 1000, 4
title_input = keras.Input(shape=(None,), name="title")
body_input = keras.Input(shape=(None,), name="body")
tags_input = keras.Input(shape=(num_tags,), name="tags")
title_features = layers.Embedding(num_words, 16)(title_input)
body_features = layers.Embedding(num_words, 16)(body_input)
title_features = layers.LSTM(16)(title_features)
body_features = layers.LSTM(8)(body_features)
x = layers.concatenate([title_features, body_features, tags_input])
priority_pred = layers.Dense(1, name="priority")(x)
department_pred = layers.Dense(num_departments, name="department")(x)
ticket_model = keras.Model(
    inputs=[title_input, body_input, tags_input],
    outputs={"priority": priority_pred, "department": department_pred},
)
ticket_model.summary()
ticket_model.compile(
    optimizer=keras.optimizers.RMSprop(1e-3),
    loss={"priority": keras.losses.BinaryCrossentropy(from_logits=True),
          "department": keras.losses.CategoricalCrossentropy(from_logits=True)},
    loss_weights={"priority": 1.0, "department": 0.2},
)
rng = np.random.RandomState(3)
title_data = rng.randint(num_words, size=(640, 8))
body_data = rng.randint(num_words, size=(640, 16))
tags_data = rng.randint(2, size=(640, num_tags)).astype("float32")
priority_targets = (tags_data[:, :6].sum(axis=1, keepdims=True) > 3).astype("float32")
dept_targets = np.eye(num_departments, dtype="float32")[title_data[:, 0] % num_departments]
ticket_history = ticket_model.fit(
    {"title": title_data, "body": body_data, "tags": tags_data},
    {"priority": priority_targets, "department": dept_targets},
    epochs=example_data.epochs(3), batch_size=32, verbose=0,
)
ticket_losses = ticket_history.history
print("Ticket history keys:", sorted(ticket_losses))

# 3. A shared layer: one Embedding for two text inputs
shared_embedding = layers.Embedding(num_words, 8)
text_a = shared_embedding(keras.Input(shape=(None,), dtype="int32"))
text_b = shared_embedding(keras.Input(shape=(None,), dtype="int32"))
shared_weights = len(shared_embedding.weights)

# 4. Models as layers: an autoencoder of an encoder and a decoder, and an ensemble
encoder_input = keras.Input(shape=(784,), name="original_img")
x = layers.Dense(64, activation="relu")(encoder_input)
encoder_output = layers.Dense(16, activation="relu")(x)
encoder = keras.Model(encoder_input, encoder_output, name="encoder")
decoder_input = keras.Input(shape=(16,), name="encoded_img")
x = layers.Dense(64, activation="relu")(decoder_input)
decoder_output = layers.Dense(784, activation="sigmoid")(x)
decoder = keras.Model(decoder_input, decoder_output, name="decoder")
autoencoder_input = keras.Input(shape=(784,), name="img")
autoencoder = keras.Model(autoencoder_input, decoder(encoder(autoencoder_input)),
                          name="autoencoder")
autoencoder.summary()
autoencoder.compile(optimizer="adam", loss="mse")
autoencoder.fit(x_train, x_train, epochs=example_data.epochs(5), batch_size=64, verbose=0)
reconstruction_mse = autoencoder.evaluate(x_test, x_test, verbose=0)


def get_model():
    inputs = keras.Input(shape=(128,))
    outputs = layers.Dense(1)(inputs)
    return keras.Model(inputs, outputs)


models = [get_model() for _ in range(3)]
ensemble_input = keras.Input(shape=(128,))
ensemble_output = layers.average([m(ensemble_input) for m in models])
ensemble = keras.Model(inputs=ensemble_input, outputs=ensemble_output)
probe = rng.normal(size=(4, 128)).astype("float32")
ensemble_gap = float(np.abs(ensemble.predict(probe, verbose=0)
                            - np.mean([m.predict(probe, verbose=0) for m in models], axis=0)).max())

# 5. A residual connection
residual_input = keras.Input(shape=(784,))
x = layers.Dense(32, activation="relu")(residual_input)
block = layers.Dense(32, activation="relu")(layers.Dense(32, activation="relu")(x))
x = layers.add([block, x])
residual_output = layers.Dense(10)(x)
residual = keras.Model(residual_input, residual_output, name="toy_resnet")
residual.compile(optimizer="adam", metrics=["accuracy"],
                 loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
residual.fit(x_train, y_train, epochs=example_data.epochs(3), batch_size=64, verbose=0)
residual_accuracy = residual.evaluate(x_test, y_test, verbose=0)[1]

# 6. Feature extraction
extractor = keras.Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])
features = extractor(x_test[:3])

example_data.report(
    start, data=source, test_accuracy=test_accuracy, test_loss=test_loss,
    reloaded_same=abs(reloaded_accuracy - test_accuracy) < 1e-6,
    mnist_params=model.count_params(), ticket_params=ticket_model.count_params(),
    priority_loss=ticket_losses["priority_loss"][-1],
    department_loss=ticket_losses["department_loss"][-1],
    history_keys=",".join(sorted(ticket_losses)), shared_weights=shared_weights,
    autoencoder_params=autoencoder.count_params(), reconstruction_mse=reconstruction_mse,
    ensemble_matches_mean=ensemble_gap < 1e-5, residual_accuracy=residual_accuracy,
    feature_shapes=",".join(str(tuple(f.shape)) for f in features),
)
