"""`tf.data` pipelines, shared by compat/make_tf_data.py (which runs them on TensorFlow and
records what comes out) and tests/test_tf_data.py (which runs them on minikeras' stand-in).

Each case is a function of the `tf` module (and a scratch directory) returning a dataset, whose
elements, cardinality and element_spec are recorded; `SHUFFLE_CASES` return statistics of
shuffled orders instead, since TensorFlow's random stream cannot be reproduced. Only numpy
and the standard library: the same code must run under both.
"""

import os

import numpy as np

CASES = {}
SHUFFLE_CASES = {}
ERROR_CASES = {}


def case(table):
    def register(function):
        table[function.__name__] = function
        return function

    return register


# ----------------------------------------------------------------------------------------------
# Sources


@case(CASES)
def slices_array(tf, _):
    return tf.data.Dataset.from_tensor_slices(np.arange(6).reshape(3, 2))


@case(CASES)
def slices_float64_array(tf, _):
    return tf.data.Dataset.from_tensor_slices(np.linspace(0, 1, 3))


@case(CASES)
def slices_python_floats(tf, _):
    return tf.data.Dataset.from_tensor_slices([1.5, 2.0, 3.25])


@case(CASES)
def slices_python_ints(tf, _):
    return tf.data.Dataset.from_tensor_slices([[1, 2], [3, 4]])


@case(CASES)
def slices_tuple(tf, _):
    return tf.data.Dataset.from_tensor_slices(
        (np.arange(8, dtype="float32").reshape(4, 2), np.array([0, 1, 0, 1])))


@case(CASES)
def slices_dict(tf, _):
    return tf.data.Dataset.from_tensor_slices(
        {"b": np.arange(3, dtype="float32"), "a": np.array([[1, 2], [3, 4], [5, 6]])})


@case(CASES)
def slices_nested(tf, _):
    features = {"age": np.array([30.0, 40.0]), "name": np.array(["ann", "bob"])}
    return tf.data.Dataset.from_tensor_slices((features, np.array([1, 0])))


@case(CASES)
def slices_strings(tf, _):
    return tf.data.Dataset.from_tensor_slices(["ab", "c", "déf"])


@case(CASES)
def from_tensors(tf, _):
    return tf.data.Dataset.from_tensors(([1, 2, 3], 4.0))


def _ragged(n):
    for i in range(1, n + 1):
        yield np.arange(i, dtype="float64"), i


@case(CASES)
def generator_signature(tf, _):
    return tf.data.Dataset.from_generator(
        lambda: _ragged(3),
        output_signature=(tf.TensorSpec(shape=(None,), dtype=tf.float32),
                          tf.TensorSpec(shape=(), dtype=tf.int32)))


@case(CASES)
def generator_types_shapes(tf, _):
    def pairs():
        for i in range(3):
            yield [i, i + 1], i

    return tf.data.Dataset.from_generator(
        pairs, output_types=(tf.float32, tf.int64), output_shapes=((2,), ()))


@case(CASES)
def generator_args(tf, _):
    return tf.data.Dataset.from_generator(
        _ragged, args=(2,),
        output_signature=(tf.TensorSpec(shape=(None,), dtype=tf.float64),
                          tf.TensorSpec(shape=(), dtype=tf.int64)))


@case(CASES)
def generator_dict(tf, _):
    def rows():
        for i in range(3):
            yield {"x": np.full(2, i, "float32"), "y": i}

    return tf.data.Dataset.from_generator(rows, output_signature={
        "x": tf.TensorSpec(shape=(2,), dtype=tf.float32),
        "y": tf.TensorSpec(shape=(), dtype=tf.int64)})


@case(CASES)
def range_stop(tf, _):
    return tf.data.Dataset.range(5)


@case(CASES)
def range_start_stop_step(tf, _):
    return tf.data.Dataset.range(2, 10, 3)


@case(CASES)
def range_backwards(tf, _):
    return tf.data.Dataset.range(5, 0, -2)


@case(CASES)
def zip_tuple(tf, _):
    return tf.data.Dataset.zip((tf.data.Dataset.range(3), tf.data.Dataset.range(10, 15)))


@case(CASES)
def zip_arguments(tf, _):
    numbers = tf.data.Dataset.range(4)
    return tf.data.Dataset.zip(numbers, numbers.map(lambda x: x * 2))


@case(CASES)
def zip_dict(tf, _):
    return tf.data.Dataset.zip({"y": tf.data.Dataset.range(2),
                                "x": tf.data.Dataset.from_tensor_slices([0.5, 1.5, 2.5])})


@case(CASES)
def list_files_sorted(tf, folder):
    return tf.data.Dataset.list_files(os.path.join(folder, "*.txt"), shuffle=False)


@case(CASES)
def list_files_shuffled(tf, folder):
    # The order is random; sorted here, the names are what is compared.
    files = tf.data.Dataset.list_files(os.path.join(folder, "*.txt"), seed=4)
    return tf.data.Dataset.from_tensor_slices(sorted(files.as_numpy_iterator()))


def make_files(folder):
    """The files `list_files` cases match."""
    for name in ("b.txt", "a.txt", "c.csv", "d.txt"):
        with open(os.path.join(folder, name), "w") as f:
            f.write(name)


# ----------------------------------------------------------------------------------------------
# Transformations


@case(CASES)
def batch(tf, _):
    return tf.data.Dataset.range(10).batch(3)


@case(CASES)
def batch_drop_remainder(tf, _):
    return tf.data.Dataset.range(10).batch(3, drop_remainder=True)


@case(CASES)
def batch_tuple(tf, _):
    return slices_tuple(tf, _).batch(3)


@case(CASES)
def batch_dict(tf, _):
    return slices_dict(tf, _).batch(2)


@case(CASES)
def batch_of_batches(tf, _):
    return tf.data.Dataset.range(10).batch(2).batch(2)


@case(CASES)
def batch_strings(tf, _):
    return slices_strings(tf, _).batch(2)


@case(CASES)
def batch_generated(tf, _):
    return generator_types_shapes(tf, _).batch(2)


@case(CASES)
def unbatch(tf, _):
    return tf.data.Dataset.from_tensor_slices(np.arange(12).reshape(2, 3, 2)).unbatch()


@case(CASES)
def batch_then_unbatch(tf, _):
    return slices_tuple(tf, _).batch(3).unbatch()


@case(CASES)
def padded_batch(tf, _):
    return tf.data.Dataset.range(1, 6).map(lambda x: tf.fill([x], x)).padded_batch(2)


@case(CASES)
def padded_batch_shape_and_value(tf, _):
    lengths = tf.data.Dataset.range(1, 5).map(lambda x: tf.fill([x], x))
    return lengths.padded_batch(3, padded_shapes=[6], padding_values=tf.constant(-1, tf.int64))


@case(CASES)
def padded_batch_tuple(tf, _):
    pairs = tf.data.Dataset.range(1, 5).map(lambda x: (tf.fill([x], x), x))
    return pairs.padded_batch(2, padded_shapes=([None], []), drop_remainder=True)


@case(CASES)
def padded_batch_2d(tf, _):
    blocks = tf.data.Dataset.range(1, 4).map(lambda x: tf.ones([x, 4 - x], tf.float32))
    return blocks.padded_batch(3)


@case(CASES)
def map_tuple(tf, _):
    return slices_tuple(tf, _).map(lambda x, y: (x * 2, y + 1))


@case(CASES)
def map_dict(tf, _):
    return slices_dict(tf, _).map(lambda d: {"s": d["b"] + tf.cast(d["a"][0], tf.float32)})


@case(CASES)
def map_to_pair(tf, _):
    return tf.data.Dataset.range(3).map(lambda x: (x, -x), num_parallel_calls=tf.data.AUTOTUNE)


@case(CASES)
def map_cast(tf, _):
    return tf.data.Dataset.range(4).map(lambda x: tf.cast(x, tf.float32) / 2)


@case(CASES)
def map_batches(tf, _):
    return slices_tuple(tf, _).batch(3).map(lambda x, y: (tf.reduce_sum(x, axis=1), y))


@case(CASES)
def filter(tf, _):
    return tf.data.Dataset.range(10).filter(lambda x: x % 3 == 0)


@case(CASES)
def filter_tuple(tf, _):
    return zip_tuple(tf, _).filter(lambda a, b: a + b > 11)


@case(CASES)
def flat_map(tf, _):
    return tf.data.Dataset.range(4).flat_map(lambda x: tf.data.Dataset.range(x))


@case(CASES)
def repeat_twice(tf, _):
    return tf.data.Dataset.range(3).repeat(2)


@case(CASES)
def repeat_forever_take(tf, _):
    return tf.data.Dataset.range(3).repeat().take(7)


@case(CASES)
def repeat_then_batch(tf, _):
    return tf.data.Dataset.range(5).repeat(2).batch(4)


@case(CASES)
def take(tf, _):
    return tf.data.Dataset.range(10).take(3)


@case(CASES)
def take_all(tf, _):
    return tf.data.Dataset.range(4).take(-1)


@case(CASES)
def take_more_than_there_is(tf, _):
    return tf.data.Dataset.range(4).take(20)


@case(CASES)
def skip(tf, _):
    return tf.data.Dataset.range(10).skip(7)


@case(CASES)
def skip_all(tf, _):
    return tf.data.Dataset.range(10).skip(-1)


@case(CASES)
def skip_more_than_there_is(tf, _):
    return tf.data.Dataset.range(10).skip(20)


@case(CASES)
def cache(tf, _):
    return tf.data.Dataset.range(5).map(lambda x: x * x).cache()


@case(CASES)
def prefetch(tf, _):
    return tf.data.Dataset.range(5).prefetch(tf.data.AUTOTUNE)


@case(CASES)
def enumerate_from(tf, _):
    return slices_strings(tf, _).enumerate(start=5)


@case(CASES)
def concatenate(tf, _):
    return tf.data.Dataset.range(3).concatenate(tf.data.Dataset.range(10, 12))


@case(CASES)
def concatenate_shapes(tf, _):
    first = tf.data.Dataset.from_tensor_slices(np.zeros((2, 3), "float32"))
    return first.concatenate(tf.data.Dataset.from_tensor_slices(np.ones((1, 3), "float32")))


@case(CASES)
def tutorial_pipeline(tf, _):
    images = np.arange(40, dtype="uint8").reshape(10, 2, 2)
    labels = np.arange(10) % 3
    ds = tf.data.Dataset.from_tensor_slices((images, labels))
    ds = ds.map(lambda x, y: (tf.cast(x, tf.float32) / 255.0, y))
    return ds.cache().batch(4).prefetch(tf.data.AUTOTUNE)


# Cardinality only (these would not end, or their elements are covered above).
CARDINALITY_ONLY = {
    "repeat_forever": lambda tf: tf.data.Dataset.range(3).repeat(),
    "repeat_forever_skip": lambda tf: tf.data.Dataset.range(3).repeat().skip(2),
    "repeat_forever_batch": lambda tf: tf.data.Dataset.range(3).repeat().batch(2),
    "repeat_forever_filter": lambda tf: tf.data.Dataset.range(3).repeat().filter(
        lambda x: x > 0),
    "repeat_forever_unbatch": lambda tf: tf.data.Dataset.range(3).batch(2).repeat().unbatch(),
    "repeat_empty": lambda tf: tf.data.Dataset.range(0).repeat(),
    "generator": lambda tf: generator_signature(tf, None),
    "generator_take": lambda tf: generator_signature(tf, None).take(2),
    "generator_skip": lambda tf: generator_signature(tf, None).skip(2),
    "generator_repeat": lambda tf: generator_signature(tf, None).repeat(),
    "generator_batch": lambda tf: generator_signature(tf, None).batch(2),
    "filter_batch": lambda tf: filter(tf, None).batch(2),
    "zip_with_infinite": lambda tf: tf.data.Dataset.zip(
        (tf.data.Dataset.range(3).repeat(), tf.data.Dataset.range(5))),
    "zip_with_unknown": lambda tf: tf.data.Dataset.zip(
        (generator_signature(tf, None), tf.data.Dataset.range(5))),
    "zip_infinite": lambda tf: tf.data.Dataset.zip(
        (tf.data.Dataset.range(3).repeat(), tf.data.Dataset.range(2).repeat())),
    "concatenate_infinite": lambda tf: tf.data.Dataset.range(3).concatenate(
        tf.data.Dataset.range(3).repeat()),
    "concatenate_unknown": lambda tf: tf.data.Dataset.range(3).concatenate(
        filter(tf, None)),
    "experimental_cardinality": lambda tf: tf.data.experimental.cardinality(
        tf.data.Dataset.range(7).batch(2)),
}



def cardinality_of(result):
    """A CARDINALITY_ONLY result: a dataset, or already a cardinality."""
    return result.cardinality() if hasattr(result, "cardinality") else result


CONSTANTS = ("AUTOTUNE", "experimental.AUTOTUNE", "experimental.INFINITE_CARDINALITY",
             "experimental.UNKNOWN_CARDINALITY")


# ----------------------------------------------------------------------------------------------
# Errors: the exception's class name and message are recorded.


@case(ERROR_CASES)
def slices_of_unequal_lengths(tf, _):
    tf.data.Dataset.from_tensor_slices((np.zeros(3), np.zeros(2)))


@case(ERROR_CASES)
def batch_of_unequal_shapes(tf, _):
    list(tf.data.Dataset.range(1, 4).map(lambda x: tf.fill([x], x)).batch(2))


@case(ERROR_CASES)
def len_of_infinite(tf, _):
    len(tf.data.Dataset.range(3).repeat())


@case(ERROR_CASES)
def len_of_unknown(tf, _):
    len(tf.data.Dataset.range(3).filter(lambda x: x > 0))


@case(ERROR_CASES)
def generator_wrong_shape(tf, _):
    ds = tf.data.Dataset.from_generator(
        lambda: iter([np.zeros(3)]), output_signature=tf.TensorSpec(shape=(2,), dtype=tf.float32))
    list(ds)


@case(ERROR_CASES)
def filter_not_boolean(tf, _):
    list(tf.data.Dataset.range(3).filter(lambda x: x))


@case(ERROR_CASES)
def batch_size_zero(tf, _):
    list(tf.data.Dataset.range(3).batch(0))


@case(ERROR_CASES)
def list_files_no_match(tf, folder):
    tf.data.Dataset.list_files(os.path.join(folder, "*.nothing"))


# ----------------------------------------------------------------------------------------------
# Shuffling: statistics of the orders, comparable between two random streams.

TRIALS = 2000


def _orders(dataset, passes):
    iterator_of_passes = (list(map(int, dataset.as_numpy_iterator())) for _ in range(passes))
    return list(iterator_of_passes)


@case(SHUFFLE_CASES)
def first_element_distribution(tf, _):
    """How often each of 0..9 comes first from `range(10).shuffle(3)`: only 0, 1, 2 can, each
    a third of the time."""
    counts = np.zeros(10)
    for seed in range(TRIALS):
        first = next(tf.data.Dataset.range(10).shuffle(3, seed=seed).as_numpy_iterator())
        counts[int(first)] += 1
    return {"frequencies": (counts / TRIALS).tolist()}


@case(SHUFFLE_CASES)
def position_distribution(tf, _):
    """Mean output position of each input of `range(8).shuffle(4)` (a buffer of 4 keeps early
    elements early) and the largest displacement seen."""
    positions = np.zeros((TRIALS, 8))
    for seed in range(TRIALS):
        order = list(map(int, tf.data.Dataset.range(8).shuffle(4, seed=seed).as_numpy_iterator()))
        positions[seed, order] = np.arange(8)
    return {"mean_position": positions.mean(axis=0).tolist(),
            "earliest_position": positions.min(axis=0).tolist()}


@case(SHUFFLE_CASES)
def semantics(tf, _):
    """Properties every shuffle has, whatever the random stream."""
    numbers = tf.data.Dataset.range(50)
    reshuffled = _orders(numbers.shuffle(50, seed=1), 2)
    fixed = _orders(numbers.shuffle(50, seed=1, reshuffle_each_iteration=False), 2)
    again = _orders(numbers.shuffle(50, seed=1), 1)[0]
    windowed = _orders(numbers.shuffle(5, seed=2), 1)[0]
    buffer_one = _orders(numbers.shuffle(1, seed=3), 1)[0]
    full = _orders(numbers.shuffle(1000, seed=3), 1)[0]
    return {
        "is_permutation": sorted(reshuffled[0]) == list(range(50)),
        "reshuffles_each_pass": reshuffled[0] != reshuffled[1],
        "fixed_order_repeats": fixed[0] == fixed[1],
        "same_seed_same_first_order": again == reshuffled[0],
        # With a buffer of 5, the k-th output is one of the first k + 5 inputs.
        "within_window": all(value < k + 5 for k, value in enumerate(windowed)),
        "buffer_one_keeps_order": buffer_one == list(range(50)),
        "buffer_larger_than_data": sorted(full) == list(range(50)) and full != list(range(50)),
        "batch_after_shuffle_sizes": [len(b) for b in numbers.shuffle(10, seed=1).batch(16)
                                      .as_numpy_iterator()],
        "repeat_after_shuffle_each_pass_complete": all(
            sorted(order[i * 50:(i + 1) * 50]) == list(range(50))
            for order in _orders(numbers.shuffle(50, seed=5).repeat(3), 1) for i in range(3)),
    }


# ----------------------------------------------------------------------------------------------
# Encoding, for JSON


def encode(value, folder=None):
    """An element (or a structure of them) as JSON-able data with dtypes kept; paths under
    `folder` are written relative to it."""
    if isinstance(value, dict):
        return {"dict": {key: encode(item, folder) for key, item in value.items()}}
    if isinstance(value, tuple):
        return {"tuple": [encode(item, folder) for item in value]}
    if isinstance(value, bytes):
        return {"bytes": _relative(value.decode("utf-8"), folder)}
    array = np.asarray(value)
    if array.dtype == object:
        return {"bytes_array": [_relative(item.decode("utf-8"), folder) for item in array.flat],
                "shape": list(array.shape)}
    return {"dtype": array.dtype.name, "shape": list(array.shape), "values": array.tolist(),
            "scalar": isinstance(value, np.generic)}


def _relative(text, folder):
    return os.path.relpath(text, folder) if folder and text.startswith(folder) else text


def spec_summary(spec):
    """An element_spec as JSON: `[shape, dtype]` per component, in its structure."""
    if isinstance(spec, dict):
        return {"dict": {key: spec_summary(item) for key, item in spec.items()}}
    if isinstance(spec, tuple):
        return {"tuple": [spec_summary(item) for item in spec]}
    unknown_rank = spec.shape is None or spec.shape.rank is None
    shape = None if unknown_rank else list(spec.shape.as_list())
    name = getattr(spec.dtype, "name", str(spec.dtype))
    return [shape, "string" if name in ("string", "object") else name]


# ----------------------------------------------------------------------------------------------
# keras.utils' dataset functions: cases take the `keras.utils` module too.

UTILITY_CASES = {}
SERIES = np.arange(40, dtype="float32").reshape(20, 2)


@case(UTILITY_CASES)
def timeseries_with_targets(utils, tf, _):
    return utils.timeseries_dataset_from_array(SERIES, np.arange(20), sequence_length=3,
                                               sequence_stride=2, batch_size=4)


@case(UTILITY_CASES)
def timeseries_sampled_and_cut(utils, tf, _):
    return utils.timeseries_dataset_from_array(SERIES, None, sequence_length=4, sampling_rate=2,
                                               start_index=3, end_index=17, batch_size=None)


@case(UTILITY_CASES)
def timeseries_targets_shorter(utils, tf, _):
    return utils.timeseries_dataset_from_array(SERIES[:, 0], SERIES[:5, 1], sequence_length=5,
                                               batch_size=2)


@case(UTILITY_CASES)
def split_arrays_left(utils, tf, _):
    return utils.split_dataset(np.arange(10), left_size=0.7)[0]


@case(UTILITY_CASES)
def split_arrays_right(utils, tf, _):
    return utils.split_dataset((SERIES, np.arange(20)), right_size=3)[1]


@case(UTILITY_CASES)
def split_shuffled_with_seed(utils, tf, _):
    return utils.split_dataset(np.arange(12), left_size=5, shuffle=True, seed=3)[1]


@case(UTILITY_CASES)
def split_batched_dataset(utils, tf, _):
    batched = tf.data.Dataset.from_tensor_slices((SERIES, np.arange(20))).batch(6)
    return utils.split_dataset(batched, left_size=0.5, right_size=0.25)[0]


@case(UTILITY_CASES)
def text_int_labels(utils, tf, folder):
    return utils.text_dataset_from_directory(os.path.join(folder, "text"), batch_size=2,
                                             shuffle=False)


@case(UTILITY_CASES)
def text_categorical_cut(utils, tf, folder):
    return utils.text_dataset_from_directory(os.path.join(folder, "text"), batch_size=None,
                                             shuffle=False, label_mode="categorical",
                                             max_length=4, class_names=["neg", "pos", "zzz"])


@case(UTILITY_CASES)
def text_validation_subset(utils, tf, folder):
    return utils.text_dataset_from_directory(
        os.path.join(folder, "text"), label_mode="binary", batch_size=3, shuffle=False,
        validation_split=0.4, subset="validation", class_names=["neg", "pos"])


@case(UTILITY_CASES)
def text_no_labels(utils, tf, folder):
    return utils.text_dataset_from_directory(os.path.join(folder, "text", "pos"), labels=None,
                                             shuffle=False)


@case(UTILITY_CASES)
def audio_padded_batches(utils, tf, folder):
    return utils.audio_dataset_from_directory(os.path.join(folder, "audio"), batch_size=2,
                                              shuffle=False)


@case(UTILITY_CASES)
def audio_fixed_length_categorical(utils, tf, folder):
    return utils.audio_dataset_from_directory(
        os.path.join(folder, "audio"), batch_size=3, shuffle=False, label_mode="categorical",
        output_sequence_length=4)


@case(UTILITY_CASES)
def audio_unbatched_no_labels(utils, tf, folder):
    return utils.audio_dataset_from_directory(os.path.join(folder, "audio", "tone"),
                                              labels=None, batch_size=None, shuffle=False)


@case(UTILITY_CASES)
def audio_validation_subset(utils, tf, folder):
    return utils.audio_dataset_from_directory(
        os.path.join(folder, "audio"), batch_size=2, shuffle=False, validation_split=0.4,
        subset="validation", label_mode="binary")


@case(UTILITY_CASES)
def images_rgb(utils, tf, folder):
    return utils.image_dataset_from_directory(os.path.join(folder, "images"), image_size=(4, 6),
                                              batch_size=2, shuffle=False)


@case(UTILITY_CASES)
def images_grayscale_categorical(utils, tf, folder):
    return utils.image_dataset_from_directory(
        os.path.join(folder, "images"), image_size=(4, 6), color_mode="grayscale",
        label_mode="categorical", batch_size=None, shuffle=False)


def make_class_folders(folder):
    """Text files in class folders (pos, neg, zzz), small PNG images in two, and 16-bit WAV
    files of different lengths in two."""
    texts = {"pos": ["good film", "great", "loved it"], "neg": ["bad", "awful plot"],
             "zzz": ["meh"]}
    for label, items in texts.items():
        os.makedirs(os.path.join(folder, "text", label))
        for i, text in enumerate(items):
            with open(os.path.join(folder, "text", label, f"{i}.txt"), "w") as f:
                f.write(text)
    rng = np.random.RandomState(0)
    for label in ("cats", "dogs"):
        os.makedirs(os.path.join(folder, "images", label))
        for i in range(2):
            pixels = rng.randint(0, 256, size=(4, 6, 3)).astype("uint8")
            write_png(os.path.join(folder, "images", label, f"{i}.png"), pixels)
    for label, lengths in (("hum", [5, 3]), ("tone", [4, 7, 2])):
        os.makedirs(os.path.join(folder, "audio", label))
        for i, length in enumerate(lengths):
            samples = rng.randint(-32768, 32768, size=length).astype("<i2")
            write_wav(os.path.join(folder, "audio", label, f"{i}.wav"), samples)


def write_wav(path, samples, rate=16000):
    """A mono 16-bit PCM WAV file of `samples` (int16)."""
    import wave

    with wave.open(path, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(samples.tobytes())


def write_png(path, pixels):
    """An RGB PNG of `pixels` (height, width, 3 uint8), written with zlib alone (the oracle
    has no Pillow)."""
    import struct
    import zlib

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    height, width, _ = pixels.shape
    rows = b"".join(b"\x00" + pixels[row].tobytes() for row in range(height))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height,
                                                                  8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
