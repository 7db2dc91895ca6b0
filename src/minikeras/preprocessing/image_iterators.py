"""The batch iterators `ImageDataGenerator.flow` and `flow_from_directory` return.

Each is a Keras `Sequence`: `len()` batches an epoch, `it[i]` the i-th batch, `on_epoch_end()`
reshuffles; iterating goes on forever, as Keras 2's generators did. With a `seed`, numpy's
global generator is seeded before each batch (`seed + batches seen so far`), as in Keras, so
that shuffling and augmentations repeat exactly.
"""

import os
import threading
import warnings

import numpy as np

from minikeras import backend
from minikeras.utils import image_utils

IMAGE_FORMATS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")
_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}


class Iterator:
    """Batches of `batch_size` indices out of `n`, shuffled each epoch if `shuffle`.

    Subclasses give `_get_batches_of_transformed_samples(index_array)`.
    """

    white_list_formats = IMAGE_FORMATS

    def __init__(self, n, batch_size, shuffle, seed, workers=1, use_multiprocessing=False,
                 max_queue_size=10):
        self.n = n
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.workers, self.use_multiprocessing = workers, use_multiprocessing
        self.max_queue_size = max_queue_size
        self.batch_index = 0
        self.total_batches_seen = 0
        self.index_array = None
        self.lock = threading.Lock()
        self.index_generator = self._flow_index()

    def _seed_batch(self):
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)

    def _set_index_array(self):
        self.index_array = np.random.permutation(self.n) if self.shuffle else np.arange(self.n)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    @property
    def num_batches(self):
        return len(self)

    def __getitem__(self, idx):
        if idx >= len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length "
                             f"{len(self)}")
        self._seed_batch()
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        batch = self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)]
        return self._get_batches_of_transformed_samples(batch)

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def _flow_index(self):
        """Endless batches of indices, a new order at the start of each pass."""
        self.reset()
        while True:
            self._seed_batch()
            if self.batch_index == 0:
                self._set_index_array()
            start = (self.batch_index * self.batch_size) % self.n if self.n else 0
            self.batch_index = self.batch_index + 1 if self.n > start + self.batch_size else 0
            self.total_batches_seen += 1
            yield self.index_array[start:start + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        with self.lock:
            index_array = next(self.index_generator)
        return self._get_batches_of_transformed_samples(index_array)

    def _get_batches_of_transformed_samples(self, index_array):
        raise NotImplementedError

    def _save(self, batch_x, index_array, data_format, hash_range):
        """Write the batch's images to `save_to_dir` (Keras' file names)."""
        for image, index in zip(batch_x, index_array):
            name = (f"{self.save_prefix}_{index}_{np.random.randint(hash_range)}."
                    f"{self.save_format}")
            image_utils.array_to_img(image, data_format, scale=True).save(
                os.path.join(self.save_to_dir, name))


def _augmented(generator, x):
    params = generator.get_random_transform(x.shape)
    return generator.standardize(generator.apply_transform(x, params))


def _subset_split(generator, subset):
    """The fraction range `(start, stop)` of the files that `subset` takes, or None."""
    if subset is None:
        return None
    if subset not in ("training", "validation"):
        raise ValueError(f'Invalid subset name: {subset}; expected "training" or "validation"')
    fraction = generator._validation_split
    return (0, fraction) if subset == "validation" else (fraction, 1)


class NumpyArrayIterator(Iterator):
    """Batches of augmented images `x` (4-D), with `y` and `sample_weight` if given.

    `x` may be `(images, other_array_or_list)`: the others are batched beside the images,
    unchanged. `subset` takes the validation fraction from the start, training the rest.
    """

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False,
                 sample_weight=None, seed=None, data_format=None, save_to_dir=None,
                 save_prefix="", save_format="png", subset=None, ignore_class_split=False,
                 dtype=None):
        data_format = data_format or backend.image_data_format()
        self.dtype = dtype or backend.floatx()
        x, extras = self._split_extras(x)
        _check_lengths(x, y, sample_weight)
        if _subset_split(image_data_generator, subset) is not None:
            cut = int(len(x) * image_data_generator._validation_split)
            if (y is not None and not ignore_class_split
                    and not np.array_equal(np.unique(y[:cut]), np.unique(y[cut:]))):
                raise ValueError(
                    "Training and validation subsets have different number of classes after "
                    "the split. If your numpy arrays are sorted by the label, you might want "
                    "to shuffle them.")
            part = slice(None, cut) if subset == "validation" else slice(cut, None)
            x, extras = x[part], [extra[part] for extra in extras]
            y = None if y is None else y[part]
            sample_weight = None if sample_weight is None else sample_weight[part]
        self.x = np.asarray(x, dtype=self.dtype)
        if self.x.ndim != 4:
            raise ValueError("Input data in `NumpyArrayIterator` should have rank 4. You passed "
                             f"an array with shape {self.x.shape}")
        _warn_channels(self.x.shape, data_format, "NumpyArrayIterator")
        self.x_misc = extras
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        super().__init__(len(self.x), batch_size, shuffle, seed)

    @staticmethod
    def _split_extras(x):
        if not isinstance(x, (tuple, list)):
            return x, []
        extras = [np.asarray(e) for e in (x[1] if isinstance(x[1], list) else [x[1]])]
        for extra in extras:
            if len(x[0]) != len(extra):
                raise ValueError(
                    "All of the arrays in `x` should have the same length. Found a pair with: "
                    f"len(x[0]) = {len(x[0])}, len(x[?]) = {len(extra)}")
        return x[0], extras

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array), *self.x.shape[1:]), dtype=self.dtype)
        for i, j in enumerate(index_array):
            batch_x[i] = _augmented(self.image_data_generator, self.x[j].astype(self.dtype))
        if self.save_to_dir:
            self._save(batch_x, index_array, self.data_format, 1e4)
        inputs = [batch_x, *(extra[index_array] for extra in self.x_misc)]
        inputs = inputs[0] if len(inputs) == 1 else inputs
        if self.y is None:
            return inputs
        if self.sample_weight is None:
            return inputs, self.y[index_array]
        return inputs, self.y[index_array], self.sample_weight[index_array]


def _check_lengths(x, y, sample_weight):
    if y is not None and len(x) != len(y):
        raise ValueError("`x` (images tensor) and `y` (labels) should have the same length. "
                         f"Found: x.shape = {np.asarray(x).shape}, "
                         f"y.shape = {np.asarray(y).shape}")
    if sample_weight is not None and len(x) != len(sample_weight):
        raise ValueError("`x` (images tensor) and `sample_weight` should have the same length. "
                         f"Found: x.shape = {np.asarray(x).shape}, "
                         f"sample_weight.shape = {np.asarray(sample_weight).shape}")


def _warn_channels(shape, data_format, who):
    axis = 3 if data_format == "channels_last" else 1
    if shape[axis] not in (1, 3, 4):
        warnings.warn(
            f'{who} is set to use the data format convention "{data_format}" (channels on '
            f"axis {axis}), i.e. expected either 1, 3, or 4 channels on axis {axis}. However, "
            f"it was passed an array with shape {shape} ({shape[axis]} channels).")


def _image_files(directory, follow_links):
    """`(folder, file name)` of the image files under `directory`, folders and names sorted."""
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links)):
        for name in sorted(files):
            if name.lower().endswith(".tiff"):
                warnings.warn('Using ".tiff" files with multiple bands will cause distortion. '
                              "Please verify your output.")
            if name.lower().endswith(IMAGE_FORMATS):
                yield root, name


def _class_files(directory, split, follow_links):
    """The files of one class folder (relative to its parent), the `split` fraction of them."""
    files = list(_image_files(directory, follow_links))
    if split:
        files = files[int(split[0] * len(files)):int(split[1] * len(files))]
    folder = os.path.basename(directory)
    return [os.path.join(folder, os.path.relpath(os.path.join(root, name), directory))
            for root, name in files]


class BatchFromFiles(Iterator):
    """What the iterators over image files share (Keras' `BatchFromFilesMixin`): each file of
    a batch read, resized and augmented, and the batch's labels as `class_mode` asks:
    "categorical" (one-hot, or multi-hot for a list of classes), "binary" or "sparse" (class
    index), "input" (the images themselves), "multi_output" and "raw" (the `labels` given),
    None (images only); then the sample weights, if any."""

    sample_weight = None

    def _set_processing_attrs(self, image_data_generator, target_size, color_mode, data_format,
                              save_to_dir, save_prefix, save_format, subset, interpolation,
                              keep_aspect_ratio, dtype):
        if color_mode not in _CHANNELS:
            raise ValueError(f'Invalid color mode: {color_mode}; expected "rgb", "rgba", or '
                             '"grayscale".')
        self.image_data_generator = image_data_generator
        self.target_size, self.color_mode = tuple(target_size), color_mode
        self.data_format = data_format or backend.image_data_format()
        self.dtype = dtype or backend.floatx()
        channels = (_CHANNELS[color_mode],)
        self.image_shape = (self.target_size + channels if self.data_format == "channels_last"
                            else channels + self.target_size)
        self.interpolation, self.keep_aspect_ratio = interpolation, keep_aspect_ratio
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        self.subset, self.split = subset, _subset_split(image_data_generator, subset)

    def _load(self, path):
        img = image_utils.load_img(path, color_mode=self.color_mode, target_size=self.target_size,
                                   interpolation=self.interpolation,
                                   keep_aspect_ratio=self.keep_aspect_ratio)
        x = image_utils.img_to_array(img, data_format=self.data_format)
        img.close()
        return x

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array), *self.image_shape), dtype=self.dtype)
        for i, j in enumerate(index_array):
            x = self._load(self.filepaths[j])
            batch_x[i] = (_augmented(self.image_data_generator, x)
                          if self.image_data_generator else x)
        if self.save_to_dir:
            self._save(batch_x, index_array, self.data_format, 1e7)
        if self.class_mode is None:
            return batch_x
        batch_y = self._batch_labels(batch_x, index_array)
        if self.sample_weight is None:
            return batch_x, batch_y
        return batch_x, batch_y, self.sample_weight[index_array]

    def _batch_labels(self, batch_x, index_array):
        if self.class_mode == "input":
            return batch_x.copy()
        if self.class_mode == "multi_output":
            return [output[index_array] for output in self.labels]
        if self.class_mode == "raw":
            return self.labels[index_array]
        labels = [self.classes[j] for j in index_array]  # an index, or a list of them
        if self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
            for row, label in enumerate(labels):
                batch_y[row, label] = 1.0
            return batch_y
        return np.asarray(labels, dtype=self.dtype)


class DirectoryIterator(BatchFromFiles):
    """Batches of augmented images read from `directory`, one sub-folder per class.

    `class_mode`: "categorical" (one-hot labels), "binary" or "sparse" (class index),
    "input" (the images themselves) or None (images only).
    """

    allowed_class_modes = {"categorical", "binary", "sparse", "input", None}

    def __init__(self, directory, image_data_generator, target_size=(256, 256),
                 color_mode="rgb", classes=None, class_mode="categorical", batch_size=32,
                 shuffle=True, seed=None, data_format=None, save_to_dir=None, save_prefix="",
                 save_format="png", follow_links=False, subset=None, interpolation="nearest",
                 keep_aspect_ratio=False, dtype=None):
        self._set_processing_attrs(image_data_generator, target_size, color_mode, data_format,
                                   save_to_dir, save_prefix, save_format, subset, interpolation,
                                   keep_aspect_ratio, dtype)
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {class_mode}; expected one of: "
                             f"{self.allowed_class_modes}")
        self.directory = directory
        self.class_mode = class_mode
        classes = classes or sorted(
            d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d)))
        self.num_classes = len(classes)
        self.class_indices = {name: index for index, name in enumerate(classes)}
        self.filenames, labels = [], []
        for name in classes:
            files = _class_files(os.path.join(directory, name), self.split, follow_links)
            self.filenames += files
            labels += [self.class_indices[name]] * len(files)
        self.samples = len(self.filenames)
        self.classes = np.array(labels, dtype="int32")
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self.filepaths = [os.path.join(directory, name) for name in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def labels(self):
        return self.classes
