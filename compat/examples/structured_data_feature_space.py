"""Structured data classification with FeatureSpace, as in the Keras tutorial of that name: a
`keras.utils.FeatureSpace` adapted on a `tf.data` dataset of dicts one-hot encodes the integer
and string categories, discretizes the age, normalizes the other numbers and crosses
(sex, age) and (thal, ca) into hashed features; `dataset.map(feature_space)` feeds a small
model trained on the encoded vectors, and a second model made from `get_inputs()` predicts from
raw rows. The FeatureSpace is saved as `.keras` and reloaded.

The table is synthetic, shaped like the tutorial's heart-disease CSV (303 patients there, 1,500
here): the same 13 columns and dtypes, the target depending on several of them with noise.
"""

import os
import tempfile
import time

import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras.utils import FeatureSpace

import example_data

start = time.perf_counter()
keras.utils.set_random_seed(example_data.SEED)

rng = np.random.RandomState(7)
n = 1500
columns = {
    "age": rng.normal(54, 9, n).round().astype("int64"),
    "sex": rng.choice([0, 1], n, p=[0.32, 0.68]),
    "cp": rng.choice([0, 1, 2, 3, 4], n, p=[0.05, 0.1, 0.2, 0.3, 0.35]),
    "trestbps": rng.normal(131, 17, n).round().astype("int64"),
    "chol": rng.normal(246, 51, n).round().astype("int64"),
    "fbs": rng.choice([0, 1], n, p=[0.85, 0.15]),
    "restecg": rng.choice([0, 1, 2], n, p=[0.5, 0.05, 0.45]),
    "thalach": rng.normal(150, 23, n).round().astype("int64"),
    "exang": rng.choice([0, 1], n, p=[0.67, 0.33]),
    "oldpeak": rng.exponential(1.0, n).round(1),
    "slope": rng.choice([1, 2, 3], n, p=[0.47, 0.46, 0.07]),
    "ca": rng.choice([0, 1, 2, 3], n, p=[0.58, 0.22, 0.13, 0.07]),
    "thal": rng.choice(["normal", "fixed", "reversible", "1", "2"], n,
                       p=[0.55, 0.06, 0.35, 0.02, 0.02]),
}
score = (0.05 * (columns["age"] - 54) + 0.8 * columns["sex"] + 0.6 * (columns["cp"] == 4)
         - 0.03 * (columns["thalach"] - 150) + 0.7 * columns["oldpeak"] + 0.6 * columns["ca"]
         + 1.3 * (columns["thal"] == "reversible") + 0.8 * columns["exang"]
         + rng.normal(0, 1, n) - 1.5)
target = (score > 0).astype("int64")
validation = rng.rand(n) < 0.2


def to_dataset(rows):
    ds = tf.data.Dataset.from_tensor_slices(
        ({name: values[rows] for name, values in columns.items()}, target[rows]))
    return ds.shuffle(buffer_size=int(rows.sum()))


train_ds = to_dataset(~validation).batch(32)
val_ds = to_dataset(validation).batch(32)

feature_space = FeatureSpace(
    features={
        # Categorical features encoded as integers
        "sex": FeatureSpace.integer_categorical(num_oov_indices=0),
        "cp": FeatureSpace.integer_categorical(num_oov_indices=0),
        "fbs": FeatureSpace.integer_categorical(num_oov_indices=0),
        "restecg": FeatureSpace.integer_categorical(num_oov_indices=0),
        "exang": FeatureSpace.integer_categorical(num_oov_indices=0),
        "ca": FeatureSpace.integer_categorical(num_oov_indices=0),
        # Categorical feature encoded as string
        "thal": FeatureSpace.string_categorical(num_oov_indices=0),
        # Numerical features to discretize
        "age": FeatureSpace.float_discretized(num_bins=30),
        # Numerical features to normalize
        "trestbps": FeatureSpace.float_normalized(),
        "chol": FeatureSpace.float_normalized(),
        "thalach": FeatureSpace.float_normalized(),
        "oldpeak": FeatureSpace.float_normalized(),
        "slope": FeatureSpace.float_normalized(),
    },
    # Hashed co-occurrences of these groups of categorical features.
    crosses=[("sex", "age"), ("thal", "ca")],
    crossing_dim=32,
    output_mode="concat",
)
train_ds_with_no_labels = train_ds.map(lambda x, _: x)
feature_space.adapt(train_ds_with_no_labels)

for x, _ in train_ds.take(1):
    preprocessed_x = feature_space(x)
    print("preprocessed_x.shape:", preprocessed_x.shape)
    print("preprocessed_x.dtype:", preprocessed_x.dtype)

preprocessed_train_ds = train_ds.map(lambda x, y: (feature_space(x), y),
                                     num_parallel_calls=tf.data.AUTOTUNE)
preprocessed_train_ds = preprocessed_train_ds.prefetch(tf.data.AUTOTUNE)
preprocessed_val_ds = val_ds.map(lambda x, y: (feature_space(x), y),
                                 num_parallel_calls=tf.data.AUTOTUNE)
preprocessed_val_ds = preprocessed_val_ds.prefetch(tf.data.AUTOTUNE)

dict_inputs = feature_space.get_inputs()
encoded_features = feature_space.get_encoded_features()

x = keras.layers.Dense(32, activation="relu")(encoded_features)
x = keras.layers.Dropout(0.5)(x)
predictions = keras.layers.Dense(1, activation="sigmoid")(x)

training_model = keras.Model(inputs=encoded_features, outputs=predictions)
training_model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
inference_model = keras.Model(inputs=dict_inputs, outputs=predictions)

history = training_model.fit(preprocessed_train_ds, epochs=example_data.epochs(20),
                             validation_data=preprocessed_val_ds, verbose=0)
val_loss, val_accuracy = training_model.evaluate(preprocessed_val_ds, verbose=0)

sample = {
    "age": 60, "sex": 1, "cp": 1, "trestbps": 145, "chol": 233, "fbs": 1, "restecg": 2,
    "thalach": 150, "exang": 0, "oldpeak": 2.3, "slope": 3, "ca": 0, "thal": "fixed",
}
input_dict = {name: keras.ops.convert_to_tensor([value]) for name, value in sample.items()}
probability = float(np.asarray(inference_model.predict(input_dict, verbose=0))[0][0])
print(f"This particular patient had a {100 * probability:.1f}% probability of having a heart "
      "disease, as evaluated by our model.")

# The adapted FeatureSpace saved and reloaded encodes the same vectors.
with tempfile.TemporaryDirectory() as directory:
    path = os.path.join(directory, "featurespace.keras")
    feature_space.save(path)
    reloaded = keras.models.load_model(path)
    rows = {name: values[:64] for name, values in columns.items()}
    reload_same = bool(np.array_equal(np.asarray(reloaded(rows)), np.asarray(feature_space(rows))))

print("Validation accuracy:", val_accuracy)
example_data.report(start, data="synthetic heart-disease table", val_loss=val_loss,
                    val_accuracy=val_accuracy, sample_probability=probability,
                    features=int(preprocessed_x.shape[-1]),
                    thal_vocabulary=",".join(feature_space.preprocessors["thal"].get_vocabulary()),
                    reload_same=reload_same)
