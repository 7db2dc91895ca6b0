"""Save and load models, in the flow of TensorFlow's "Save and load models" tutorial: weight
checkpoints during training (`cp-{epoch:04d}.weights.h5`), restoring them into a fresh model,
then the whole model in the `.keras` format. The model outputs logits (`from_logits=True`);
a Softmax head is added afterwards by nesting it in a new Sequential.

As in the tutorial, it uses the first 1,000 MNIST images, or the bundled digits without MNIST in
Keras' cache (see example_data.py). Files go to a temporary folder.
"""

import math
import os
import tempfile
import time

import numpy as np
import tensorflow as tf
from tensorflow import keras

import example_data

start = time.perf_counter()
print("TensorFlow", tf.__version__)
tf.keras.utils.set_random_seed(example_data.SEED)

data, source = example_data.load_mnist()
(train_images, train_labels), (test_images, test_labels) = data
train_labels = train_labels[:1000]
test_labels = test_labels[:1000]
train_images = train_images[:1000].reshape(-1, 28 * 28) / 255.0
test_images = test_images[:1000].reshape(-1, 28 * 28) / 255.0


# Define a simple sequential model
def create_model():
    model = tf.keras.Sequential([
        keras.layers.Dense(512, activation="relu", input_shape=(784,)),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10),
    ])
    model.compile(optimizer="adam",
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[tf.keras.metrics.SparseCategoricalAccuracy()])
    return model


workdir = tempfile.mkdtemp()
checkpoint_path = os.path.join(workdir, "training_2", "cp-{epoch:04d}.weights.h5")
checkpoint_dir = os.path.dirname(checkpoint_path)
os.makedirs(checkpoint_dir)

batch_size = 32
n_batches = math.ceil(len(train_images) / batch_size)
epochs = example_data.epochs(10)
save_every = 1 if example_data.QUICK else 5

# Save the weights every `save_every` epochs
cp_callback = tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_path, verbose=1,
                                                 save_weights_only=True,
                                                 save_freq=save_every * n_batches)
model = create_model()
model.save_weights(checkpoint_path.format(epoch=0))
model.fit(train_images, train_labels, epochs=epochs, batch_size=batch_size,
          callbacks=[cp_callback], validation_data=(test_images, test_labels), verbose=0)
print(sorted(os.listdir(checkpoint_dir)))
loss, trained_accuracy = model.evaluate(test_images, test_labels, verbose=2)

# A new model, untrained, then with the latest checkpoint's weights
model = create_model()
loss, untrained_accuracy = model.evaluate(test_images, test_labels, verbose=2)
print(f"Untrained model, accuracy: {100 * untrained_accuracy:5.2f}%")
latest = os.path.join(checkpoint_dir, sorted(os.listdir(checkpoint_dir))[-1])
model.load_weights(latest)
loss, restored_accuracy = model.evaluate(test_images, test_labels, verbose=2)
print(f"Restored model, accuracy: {100 * restored_accuracy:5.2f}%")

# The whole model: architecture, weights and optimizer, in one .keras file
model_path = os.path.join(workdir, "my_model.keras")
model.save(model_path)
new_model = tf.keras.models.load_model(model_path)
new_model.summary()
loss, reloaded_accuracy = new_model.evaluate(test_images, test_labels, verbose=2)
same_predictions = np.allclose(new_model.predict(test_images, verbose=0),
                               model.predict(test_images, verbose=0), atol=1e-6)
print(f"Reloaded model, accuracy: {100 * reloaded_accuracy:5.2f}%")

# Probabilities: attach a softmax to the logits model
probability_model = tf.keras.Sequential([new_model, tf.keras.layers.Softmax()])
probabilities = probability_model.predict(test_images, verbose=0)
softmax_accuracy = np.mean(np.argmax(probabilities, axis=1) == test_labels)
sums_to_1 = np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)
example_data.report(start, data=source, test_accuracy=trained_accuracy,
                    untrained_accuracy=untrained_accuracy, restored_accuracy=restored_accuracy,
                    reloaded_accuracy=reloaded_accuracy, softmax_accuracy=softmax_accuracy,
                    same_predictions=bool(same_predictions),
                    probabilities_sum_to_1=bool(sums_to_1),
                    checkpoints=len(os.listdir(checkpoint_dir)))
