"""`split_dataset`, and the directory indexing behind `text_dataset_from_directory` and
`image_dataset_from_directory`, as Keras 3 does them."""

import os
import random

import numpy as np


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None,
                  preferred_backend=None):
    """Split a dataset (a `tf.data.Dataset`, an array, or a tuple/list of arrays of one length)
    into two `tf.data.Dataset`s of its samples. Sizes are fractions or counts; either may be
    left out. As in Keras, the samples are read into memory, shuffled with Python's `random`
    seeded by `seed` when asked, and a batched dataset gives batched splits."""
    from minikeras.compat import tf_data

    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    samples, batch_size = _samples(dataset)
    if shuffle:
        random.seed(random.randint(0, int(1e6)) if seed is None else seed)
        random.shuffle(samples)
    left, right = _split_sizes(left_size, right_size, len(samples))
    splits = []
    for part in (samples[:left], samples[len(samples) - right:]):
        if isinstance(dataset, np.ndarray):  # Keras slices a list of the rows, as TensorFlow
            rows = [row[()] if row.ndim == 0 else row for row in part]  # converts a list
        else:
            columns = [np.stack(column) for column in zip(*(tf_data.flatten(s) for s in part))]
            rows = tf_data.pack_as(samples[0], columns)
        split = tf_data.Dataset.from_tensor_slices(rows)
        splits.append(split if batch_size is None else split.batch(batch_size))
    return tuple(splits)


def _samples(dataset):
    """The samples of `dataset` as a list of elements, and its batch size (None if unbatched)."""
    from minikeras.compat import tf_data

    if isinstance(dataset, tf_data.Dataset):
        spec = tf_data.flatten(dataset.element_spec)[0]
        batched = spec.shape is not None and len(spec.shape) > 0 and spec.shape[0] is None
        batch_size = None
        if batched:
            first = next(iter(dataset.as_numpy_iterator()), None)
            batch_size = None if first is None else len(tf_data.flatten(first)[0])
            dataset = dataset.unbatch()
        return list(dataset._elements()), batch_size
    if isinstance(dataset, (list, tuple)):
        return list(tf_data.Dataset.from_tensor_slices(tuple(dataset))._elements()), None
    if isinstance(dataset, np.ndarray):
        return list(tf_data.Dataset.from_tensor_slices(dataset)._elements()), None
    raise TypeError("The `dataset` argument must be either a `tf.data.Dataset` object, or a "
                    f"list/tuple of arrays. Received: dataset={dataset} of type {type(dataset)}")


def _split_sizes(left_size, right_size, total):
    """Keras' rules: fractions are rounded, a missing side is the rest, neither side empty."""
    for size, side in ((left_size, "left"), (right_size, "right")):
        if size is not None and not (isinstance(size, (int, float)) and 0 <= size and (
                size < total if isinstance(size, int) else size < 1)):
            raise ValueError(f"`{side}_size` should be either a positive integer smaller than "
                             f"{total}, or a float within the range `[0, 1]`. Received: "
                             f"{side}_size={size}")
    if isinstance(left_size, float) and isinstance(right_size, float) and (
            left_size + right_size > 1):
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must "
                         "be less than or equal to 1.")
    left = round(left_size * total) if isinstance(left_size, float) else left_size
    right = round(right_size * total) if isinstance(right_size, float) else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the "
                         f"{total}. Received: left_size + right_size = {left + right}and "
                         f"total_length = {total}")
    for size, side in ((left, "left"), (right, "right")):
        if size == 0:
            raise ValueError(f"With `dataset` of length={total}, `left_size`={left} and "
                             f"`right_size`={right}.Resulting {side} side dataset split will "
                             "be empty. Adjust any of the aforementioned parameters")
    return int(left), int(right)


# ----------------------------------------------------------------------------------------------
# Files in class folders


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """`(file_paths, labels, class_names)` of the files under `directory` ending in `formats`:
    labelled by their sub-folder (sorted names, or `class_names`' order) when `labels` is
    "inferred", by the list `labels` (in sorted path order), or not at all (None). Shuffled
    with numpy's `RandomState(seed)` when asked, as Keras does."""
    if labels == "inferred":
        folders = [name for name in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, name)) and not name.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(folders):
                raise ValueError(
                    "The `class_names` passed did not match the names of the subdirectories of "
                    f"the target directory. Expected: {folders} (or a subset of it), but "
                    f"received: class_names={class_names}")
            folders = list(class_names)
    else:
        if class_names is not None:
            raise ValueError(
                "When `labels=None` (no labels), argument `class_names` cannot be specified."
                if labels is None else
                "When argument `labels` is specified, argument `class_names` cannot be "
                "specified (the `class_names` will be the sorted list of labels).")
        folders = [""]
    paths, found = [], []
    for index, folder in enumerate(folders):
        files = list(_files(os.path.join(directory, folder), follow_links, formats))
        paths += files
        found += [index] * len(files)
    if labels == "inferred":
        labels, class_names = np.array(found, dtype="int32"), folders
    elif labels is not None:
        if len(labels) != len(paths):
            raise ValueError(
                "Expected the lengths of `labels` to match the number of files in the target "
                f"directory. len(labels) is {len(labels)} while we found {len(paths)} files in "
                f"directory {directory}.")
        class_names = [str(label) for label in sorted(set(labels))]
    if verbose:
        print(f"Found {len(paths)} files." if labels is None else
              f"Found {len(paths)} files belonging to {len(class_names)} classes.")
    if shuffle:
        seed = np.random.randint(1e6) if seed is None else seed
        np.random.RandomState(seed).shuffle(paths)
        if labels is not None:
            labels = np.array(labels)
            np.random.RandomState(seed).shuffle(labels)
    return paths, labels, class_names


def _files(folder, follow_links, formats):
    for root, _, names in sorted(os.walk(folder, followlinks=follow_links), key=lambda w: w[0]):
        for name in sorted(names):
            if name.lower().endswith(formats):
                yield os.path.join(root, name)


def training_or_validation_split(samples, labels, validation_split, subset):
    """The `subset` ("training", "validation", None for all) of `samples` and `labels`: the
    last `validation_split` of them are for validation."""
    if not validation_split:
        return samples, labels
    count = int(validation_split * len(samples))
    if subset == "training":
        print(f"Using {len(samples) - count} files for training.")
        part = slice(None, -count)
    elif subset == "validation":
        print(f"Using {count} files for validation.")
        part = slice(-count, None)
    else:
        raise ValueError('`subset` must be either "training" or "validation", received: '
                         f"{subset}")
    return samples[part], None if labels is None else labels[part]


def check_split_arguments(validation_split, subset, shuffle, seed):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError("`validation_split` must be between 0 and 1, received: "
                         f"{validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError('`subset` must be either "training", "validation" or "both", '
                         f"received: {subset}")
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide "
                         "a `seed` argument, to make sure that there is no overlap between the "
                         "training and validation subset.")


def files_dataset(directory, labels, label_mode, class_names, batch_size, shuffle, seed,
                  validation_split, subset, follow_links, verbose, formats, load, nothing_found,
                  padded_shape=None):
    """The dataset (or `[training, validation]` for `subset="both"`) of `load(path)` for each
    file, with its label in `label_mode`, shuffled and batched as Keras does (with
    `padded_shape`, the loaded arrays' axes of None size padded to the longest in each
    batch); it has the `class_names` and `file_paths` attributes Keras gives it."""
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError(
            "`labels` argument should be a list/tuple of integer labels, of the same size as "
            "the number of files in the target directory. If you wish to infer the labels "
            'from the subdirectory names in the target directory, pass `labels="inferred"`. If '
            "you wish to get a dataset that only contains files (no labels), pass "
            f"`labels=None`. Received: labels={labels}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", '
                         f"or None. Received: label_mode={label_mode}")
    if labels is None or label_mode is None:
        labels = label_mode = None
    check_split_arguments(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = index_directory(
        directory, labels, formats, class_names, shuffle, seed, follow_links, verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")
    subsets = ["training", "validation"] if subset == "both" else [subset]
    datasets = []
    for part in subsets:
        part_paths, part_labels = training_or_validation_split(paths, labels, validation_split,
                                                               part)
        if not part_paths:
            raise ValueError(nothing_found)
        datasets.append(_dataset(part_paths, part_labels, label_mode, len(class_names or ()),
                                 batch_size, shuffle and part != "validation", seed, load,
                                 class_names, padded_shape))
    return datasets if subset == "both" else datasets[0]


def _dataset(paths, labels, label_mode, num_classes, batch_size, shuffle, seed, load,
             class_names, padded_shape=None):
    """Paths (and labels) shuffled first, so that the shuffle buffer holds names, not
    contents; then each file loaded as the pipeline reaches it."""
    from minikeras.compat import tf_data

    paths_array = np.array(paths, dtype=object)
    if label_mode is None:
        files = tf_data.Dataset.from_tensor_slices(paths_array)
    else:
        labels = np.asarray(labels, dtype="int32")
        if label_mode == "binary":
            labels = labels.astype("float32")[:, None]
        elif label_mode == "categorical":
            labels = np.eye(num_classes, dtype="float32")[labels]
        files = tf_data.Dataset.from_tensor_slices((paths_array, labels))
    if shuffle:
        files = files.shuffle(1024 if batch_size is None else batch_size * 8, seed=seed)
    read = lambda path: load(os.fsdecode(bytes(path[()])))  # noqa: E731
    contents = files.map(read if label_mode is None else lambda path, label: (read(path), label))
    if batch_size is not None and padded_shape is not None:
        label_shape = {"int": (), "binary": (1,), "categorical": (num_classes,)}.get(label_mode)
        contents = contents.padded_batch(
            batch_size, padded_shape if label_mode is None else (padded_shape, label_shape))
    elif batch_size is not None:
        contents = contents.batch(batch_size)
    contents.class_names, contents.file_paths = class_names, paths
    return contents
