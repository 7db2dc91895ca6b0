"""`smart_resize`, `ImageDataGenerator.flow_from_dataframe` and Keras 2's
`TimeseriesGenerator`, shared by compat/make_image_sequence.py (which runs them on Keras 3,
and `TimeseriesGenerator` on tf_keras, recording what comes out) and
tests/test_image_sequence.py (which runs them on minikeras).

`RESIZE_CASES` take `smart_resize`; `DATAFRAME_CASES` take `(ImageDataGenerator, pandas,
folder)` with the images of `make_images(folder)`; `TIMESERIES_CASES` take
`TimeseriesGenerator`. Each returns named arrays (batches as `batch<i>_<part>`) or an
exception. Only numpy, the standard library and (for images) Pillow and pandas.
"""

import os

import numpy as np

RESIZE_CASES = {}
DATAFRAME_CASES = {}
TIMESERIES_CASES = {}


def case(table):
    def register(function):
        table[function.__name__] = function
        return function

    return register


def image(height=5, width=7, channels=3, dtype="float32"):
    return np.arange(height * width * channels).reshape(height, width, channels).astype(dtype)


def batches(sequence, count=None):
    """The parts of the first `count` batches (all by default) of a Keras `Sequence`."""
    out = {}
    for index in range(len(sequence) if count is None else count):
        batch = sequence[index]
        parts = batch if isinstance(batch, tuple) else (batch,)
        for p, part in enumerate(parts):
            if isinstance(part, list):  # several outputs
                for o, output in enumerate(part):
                    out[f"batch{index}_{p}_{o}"] = np.asarray(output)
            else:
                out[f"batch{index}_{p}"] = np.asarray(part)
    return out


# ----------------------------------------------------------------------------------------------
# smart_resize


@case(RESIZE_CASES)
def bilinear_down(smart_resize):
    return {"out": smart_resize(image(), (4, 4))}


@case(RESIZE_CASES)
def bilinear_up_wide(smart_resize):
    return {"out": smart_resize(image(), (9, 20))}


@case(RESIZE_CASES)
def nearest_keeps_uint8(smart_resize):
    return {"out": smart_resize(image(dtype="uint8"), (3, 6), interpolation="nearest")}


@case(RESIZE_CASES)
def nearest_up(smart_resize):
    return {"out": smart_resize(image(4, 3, 1, "int32"), (7, 5), interpolation="nearest")}


@case(RESIZE_CASES)
def bicubic_up(smart_resize):
    return {"out": smart_resize(image(), (8, 10), interpolation="bicubic")}


@case(RESIZE_CASES)
def bicubic_down_float64(smart_resize):
    return {"out": smart_resize(image(9, 11, 2, "float64"), (4, 3), interpolation="bicubic")}


@case(RESIZE_CASES)
def batch_of_images(smart_resize):
    return {"out": smart_resize(np.stack([image(), image()[::-1]]), (4, 4))}


@case(RESIZE_CASES)
def channels_first(smart_resize):
    return {"out": smart_resize(image(3, 5, 7), (4, 6), data_format="channels_first")}


@case(RESIZE_CASES)
def tall_target(smart_resize):
    return {"out": smart_resize(image(6, 6, 1), (10, 2))}


@case(RESIZE_CASES)
def error_size(smart_resize):
    return smart_resize(image(), (4, 4, 4))


@case(RESIZE_CASES)
def error_rank(smart_resize):
    return smart_resize(np.zeros((4, 4)), (2, 2))


@case(RESIZE_CASES)
def error_interpolation(smart_resize):
    return smart_resize(image(), (2, 2), interpolation="cubic")


# ----------------------------------------------------------------------------------------------
# flow_from_dataframe

NAMES = ["cat0.png", "dog0.png", "cat1.png", "bird0.png", "dog1.png", "cat2.png", "dog2.png",
         "bird1.png"]
CLASSES = ["cat", "dog", "cat", "bird", "dog", "cat", "dog", "bird"]


def make_images(folder):
    """Eight small PNG images of different sizes and contents, and a text file."""
    from PIL import Image

    for index, name in enumerate(NAMES):
        height, width = 6 + index % 3, 5 + index % 2
        pixels = (np.arange(height * width * 3).reshape(height, width, 3) * (index + 1)) % 256
        Image.fromarray(pixels.astype("uint8")).save(os.path.join(folder, name))
    with open(os.path.join(folder, "notes.txt"), "w") as f:
        f.write("not an image")


def frame(pandas, **extra):
    columns = {"filename": NAMES, "class": CLASSES,
               "weight": np.linspace(0.5, 2.0, len(NAMES)),
               "score": np.arange(len(NAMES), dtype="float32") / 4,
               "size": np.arange(len(NAMES)) % 3}
    columns.update(extra)
    return pandas.DataFrame(columns)


def flow(generator_class, pandas, folder, generator_kwargs=None, **kwargs):
    kwargs.setdefault("target_size", (4, 4))
    kwargs.setdefault("batch_size", 3)
    kwargs.setdefault("shuffle", False)
    dataframe = kwargs.pop("dataframe", None)
    generator = generator_class(**(generator_kwargs or {}))
    return generator.flow_from_dataframe(
        frame(pandas) if dataframe is None else dataframe, directory=folder, **kwargs)


def described(iterator, count=None):
    out = batches(iterator, count)
    out["filenames"] = np.array(iterator.filenames)
    if getattr(iterator, "class_indices", None):
        indices = iterator.class_indices
        out["class_names"] = np.array(sorted(indices, key=indices.get))
    return out


@case(DATAFRAME_CASES)
def categorical(generator, pandas, folder):
    return described(flow(generator, pandas, folder, generator_kwargs={"rescale": 1 / 255}))


@case(DATAFRAME_CASES)
def sparse_with_weights(generator, pandas, folder):
    return described(flow(generator, pandas, folder, class_mode="sparse", weight_col="weight"))


@case(DATAFRAME_CASES)
def binary_of_chosen_classes(generator, pandas, folder):
    return described(flow(generator, pandas, folder, class_mode="binary",
                          classes=["dog", "cat"], color_mode="grayscale"))


@case(DATAFRAME_CASES)
def raw_scores(generator, pandas, folder):
    return described(flow(generator, pandas, folder, class_mode="raw", y_col="score",
                          target_size=(3, 5)))


@case(DATAFRAME_CASES)
def multi_output(generator, pandas, folder):
    return described(flow(generator, pandas, folder, class_mode="multi_output",
                          y_col=["score", "size"], batch_size=4))


@case(DATAFRAME_CASES)
def multi_label(generator, pandas, folder):
    labels = [["cat"], ["dog", "cat"], ["cat"], ["bird"], ["dog"], ["bird", "cat"], ["dog"],
              ["bird", "dog"]]
    return described(flow(generator, pandas, folder, dataframe=frame(pandas, tags=labels),
                          y_col="tags", batch_size=4))


@case(DATAFRAME_CASES)
def input_mode_validation_subset(generator, pandas, folder):
    return described(flow(generator, pandas, folder, class_mode="input", subset="validation",
                          generator_kwargs={"validation_split": 0.25}))


@case(DATAFRAME_CASES)
def training_subset_without_labels(generator, pandas, folder):
    return described(flow(generator, pandas, folder, class_mode=None, subset="training",
                          generator_kwargs={"validation_split": 0.25}))


@case(DATAFRAME_CASES)
def invalid_and_missing_files_dropped(generator, pandas, folder):
    dataframe = frame(pandas)
    dataframe.loc[1, "filename"] = "notes.txt"
    dataframe.loc[4, "filename"] = "missing.png"
    return described(flow(generator, pandas, folder, dataframe=dataframe, class_mode="sparse"))


@case(DATAFRAME_CASES)
def shuffled_with_seed_and_flips(generator, pandas, folder):
    return described(flow(generator, pandas, folder, shuffle=True, seed=3, class_mode="sparse",
                          generator_kwargs={"horizontal_flip": True}), count=2)


@case(DATAFRAME_CASES)
def error_multi_output_needs_list(generator, pandas, folder):
    return flow(generator, pandas, folder, class_mode="multi_output", y_col="score")


@case(DATAFRAME_CASES)
def error_sparse_needs_strings(generator, pandas, folder):
    return flow(generator, pandas, folder, class_mode="sparse", y_col="size")


@case(DATAFRAME_CASES)
def error_binary_needs_two_classes(generator, pandas, folder):
    return flow(generator, pandas, folder, class_mode="binary")


@case(DATAFRAME_CASES)
def error_weights_must_be_numbers(generator, pandas, folder):
    return flow(generator, pandas, folder, weight_col="class")


@case(DATAFRAME_CASES)
def error_class_mode(generator, pandas, folder):
    return flow(generator, pandas, folder, class_mode="onehot")


# ----------------------------------------------------------------------------------------------
# TimeseriesGenerator


def series(rows=25):
    return np.arange(rows * 2).reshape(rows, 2).astype("float32"), np.arange(rows) * 10


@case(TIMESERIES_CASES)
def windows(generator):
    data, targets = series()
    return dict(batches(generator(data, targets, length=5, batch_size=4)))


@case(TIMESERIES_CASES)
def sampled_strided_reversed(generator):
    data, targets = series()
    return dict(batches(generator(data, targets, length=6, sampling_rate=2, stride=3,
                                  reverse=True, batch_size=3)))


@case(TIMESERIES_CASES)
def start_and_end_index(generator):
    data, targets = series()
    return dict(batches(generator(data, targets, length=3, start_index=4, end_index=15,
                                  batch_size=5)))


@case(TIMESERIES_CASES)
def list_data(generator):
    data, targets = series(12)
    return dict(batches(generator(data.tolist(), targets.tolist(), length=4, batch_size=8)))


@case(TIMESERIES_CASES)
def shuffled_with_numpy_seed(generator):
    data, targets = series()
    sequence = generator(data, targets, length=4, shuffle=True, batch_size=5)
    np.random.seed(7)
    return dict(batches(sequence))


@case(TIMESERIES_CASES)
def config(generator):
    data, targets = series(6)
    sequence = generator(data, targets, length=2, stride=2, batch_size=2)
    return {"json": np.array(sequence.to_json()), "length": np.array(len(sequence))}


@case(TIMESERIES_CASES)
def error_lengths(generator):
    return generator(np.zeros((5, 2)), np.zeros(4), length=2)


@case(TIMESERIES_CASES)
def error_window_too_long(generator):
    return generator(np.zeros((5, 2)), np.zeros(5), length=5)
