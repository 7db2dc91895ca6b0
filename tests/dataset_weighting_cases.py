"""`adapt` and `class_weight` fed by `tf.data` datasets and `PyDataset`s, shared by
compat/make_dataset_weighting.py (which runs them on Keras 3 and TensorFlow and records what
comes out) and tests/test_dataset_weighting.py (which runs them on minikeras).

Each `ADAPT_CASES` function takes `(tf, keras)` and returns what a preprocessing layer learnt
from a dataset. Each `WEIGHT_CASES` function takes `(tf, keras)` and returns a dataset (or
PyDataset) with a `class_weight`: the recording script reads the sample weights Keras' data
adapter adds to each batch, and fits the model of `fit_model` on it. `ERROR_CASES` return a
`(source, class_weight)` pair that Keras refuses. Only numpy and the standard library: the same
code runs under both.
"""

import numpy as np

ADAPT_CASES = {}
WEIGHT_CASES = {}
ERROR_CASES = {}

CLASS_WEIGHT = {0: 1.0, 1: 2.0, 2: 0.5}


def case(table):
    def register(function):
        table[function.__name__] = function
        return function

    return register


def features(rows=300, columns=3):
    rng = np.random.default_rng(14)
    return (rng.normal(size=(rows, columns)) * [1.0, 3.0, 0.5] + [0.0, 2.0, -1.0]).astype(
        "float32")


def labels(rows=300, classes=3):
    return np.random.default_rng(15).integers(0, classes, size=rows).astype("int64")


WORDS = np.array(["the", "cat", "sat", "on", "the", "mat", "the", "dog", "sat", "cat",
                  "a", "bird", "the", "end"])
SENTENCES = np.array(["the cat sat", "on the mat", "The dog sat down", "a cat, a dog!",
                      "the end of the story", "cat and dog"])


def batches_of(keras, arrays, size):
    """A `PyDataset` whose batch `i` is rows `i*size:(i+1)*size` of `arrays` (a tuple gives
    tuple batches)."""

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            first = arrays[0] if isinstance(arrays, tuple) else arrays
            return -(-len(first) // size)

        def __getitem__(self, index):
            rows = slice(index * size, (index + 1) * size)
            if isinstance(arrays, tuple):
                return tuple(a[rows] for a in arrays)
            return arrays[rows]

    return Batches()


def _statistics(layer):
    return {"mean": np.asarray(layer.adapt_mean).ravel().tolist(),
            "variance": np.asarray(layer.adapt_variance).ravel().tolist()}


# ----------------------------------------------------------------------------------------------
# adapt


@case(ADAPT_CASES)
def normalization_batched(tf, keras):
    layer = keras.layers.Normalization()
    layer.adapt(tf.data.Dataset.from_tensor_slices(features()).batch(64))
    return _statistics(layer)


@case(ADAPT_CASES)
def normalization_unbatched_rows(tf, keras):
    # Keras batches a dataset of rows by 128 before adapting.
    layer = keras.layers.Normalization()
    layer.adapt(tf.data.Dataset.from_tensor_slices(features()))
    return _statistics(layer)


@case(ADAPT_CASES)
def normalization_pairs(tf, keras):
    layer = keras.layers.Normalization()
    layer.adapt(tf.data.Dataset.from_tensor_slices((features(), labels())).batch(50))
    return _statistics(layer)


@case(ADAPT_CASES)
def normalization_mapped_pipeline(tf, keras):
    dataset = (tf.data.Dataset.from_tensor_slices(features())
               .map(lambda x: x * 2.0 + 1.0).batch(32).prefetch(tf.data.AUTOTUNE))
    layer = keras.layers.Normalization(axis=None)
    layer.adapt(dataset)
    return _statistics(layer)


@case(ADAPT_CASES)
def normalization_py_dataset(tf, keras):
    layer = keras.layers.Normalization()
    layer.adapt(batches_of(keras, (features(), labels()), 64))
    return _statistics(layer)


@case(ADAPT_CASES)
def discretization_batched_steps(tf, keras):
    layer = keras.layers.Discretization(num_bins=4)
    layer.adapt(tf.data.Dataset.from_tensor_slices(features()[:, 1]).batch(32), steps=3)
    return {"bin_boundaries": list(layer.bin_boundaries)}


@case(ADAPT_CASES)
def discretization_py_dataset(tf, keras):
    layer = keras.layers.Discretization(num_bins=5)
    layer.adapt(batches_of(keras, features()[:, 0], 40))
    return {"bin_boundaries": list(layer.bin_boundaries)}


@case(ADAPT_CASES)
def string_lookup_unbatched(tf, keras):
    layer = keras.layers.StringLookup()
    layer.adapt(tf.data.Dataset.from_tensor_slices(WORDS))
    return {"vocabulary": [str(t) for t in layer.get_vocabulary()]}


@case(ADAPT_CASES)
def string_lookup_batched_steps(tf, keras):
    layer = keras.layers.StringLookup()
    layer.adapt(tf.data.Dataset.from_tensor_slices(WORDS).batch(4), steps=2)
    return {"vocabulary": [str(t) for t in layer.get_vocabulary()]}


@case(ADAPT_CASES)
def string_lookup_py_dataset(tf, keras):
    layer = keras.layers.StringLookup(max_tokens=6)
    layer.adapt(batches_of(keras, WORDS, 5))
    return {"vocabulary": [str(t) for t in layer.get_vocabulary()]}


@case(ADAPT_CASES)
def integer_lookup_batched(tf, keras):
    layer = keras.layers.IntegerLookup()
    layer.adapt(tf.data.Dataset.from_tensor_slices(labels(40, 6)).batch(7))
    return {"vocabulary": [int(t) for t in layer.get_vocabulary()]}


@case(ADAPT_CASES)
def text_vectorization_batched(tf, keras):
    layer = keras.layers.TextVectorization(max_tokens=12)
    layer.adapt(tf.data.Dataset.from_tensor_slices(SENTENCES).batch(2))
    return {"vocabulary": [str(t) for t in layer.get_vocabulary()]}


@case(ADAPT_CASES)
def text_vectorization_tf_idf_unbatched(tf, keras):
    layer = keras.layers.TextVectorization(output_mode="tf_idf")
    layer.adapt(tf.data.Dataset.from_tensor_slices(SENTENCES))
    return {"vocabulary": [str(t) for t in layer.get_vocabulary()],
            "outputs": np.asarray(layer(SENTENCES[:2])).tolist()}


@case(ADAPT_CASES)
def text_vectorization_py_dataset(tf, keras):
    layer = keras.layers.TextVectorization()
    layer.adapt(batches_of(keras, SENTENCES, 4))
    return {"vocabulary": [str(t) for t in layer.get_vocabulary()]}


# ----------------------------------------------------------------------------------------------
# class_weight


def fit_model(keras, loss="sparse_categorical_crossentropy"):
    """A softmax regression with fixed weights, trained by plain SGD (reproducible)."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="softmax")])
    kernel = np.linspace(-0.5, 0.5, 9, dtype="float32").reshape(3, 3)
    model.set_weights([kernel, np.array([0.1, 0.0, -0.1], "float32")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss)
    return model


def one_hot(y, classes=3):
    return np.eye(classes, dtype="float32")[y]


@case(WEIGHT_CASES)
def dataset_sparse_labels(tf, keras):
    return tf.data.Dataset.from_tensor_slices((features(96), labels(96))).batch(16)


@case(WEIGHT_CASES)
def dataset_column_labels(tf, keras):
    y = labels(96).reshape(-1, 1).astype("float32")
    return tf.data.Dataset.from_tensor_slices((features(96), y)).batch(16)


@case(WEIGHT_CASES)
def dataset_one_hot_labels(tf, keras):
    return tf.data.Dataset.from_tensor_slices((features(96), one_hot(labels(96)))).batch(16)


@case(WEIGHT_CASES)
def dataset_mapped_and_repeated(tf, keras):
    dataset = tf.data.Dataset.from_tensor_slices((features(48), labels(48)))
    return dataset.map(lambda x, y: (x * 0.5, y)).batch(10).repeat(2)


@case(WEIGHT_CASES)
def py_dataset_sparse_labels(tf, keras):
    return batches_of(keras, (features(96), labels(96)), 16)


@case(WEIGHT_CASES)
def py_dataset_one_hot_labels(tf, keras):
    return batches_of(keras, (features(96), one_hot(labels(96))), 20)


@case(ERROR_CASES)
def dataset_with_sample_weights(tf, keras):
    data = (features(8), labels(8), np.ones(8, "float32"))
    return tf.data.Dataset.from_tensor_slices(data).batch(4), CLASS_WEIGHT


@case(ERROR_CASES)
def dataset_with_two_outputs(tf, keras):
    data = (features(8), (labels(8), labels(8)))
    return tf.data.Dataset.from_tensor_slices(data).batch(4), CLASS_WEIGHT


@case(ERROR_CASES)
def py_dataset_with_sample_weights(tf, keras):
    return batches_of(keras, (features(8), labels(8), np.ones(8, "float32")), 4), CLASS_WEIGHT


@case(ERROR_CASES)
def generator(tf, keras):
    def pairs():
        while True:
            yield features(4), labels(4)

    return pairs(), CLASS_WEIGHT
