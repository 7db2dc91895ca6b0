"""`keras.preprocessing.image`: Keras 3's image file functions, and Keras 2's
`ImageDataGenerator` (real-time augmentation), which Keras 3 still ships for old scripts.

Augmentations run on numpy and `scipy.ndimage`; random parameters come from numpy's global
generator as in Keras, so a `seed` gives the same images as Keras with the same seed.
"""

import warnings

import numpy as np

from minikeras import backend
from minikeras.preprocessing.dataframe_iterator import DataFrameIterator
from minikeras.preprocessing.image_iterators import (
    DirectoryIterator,
    Iterator,
    NumpyArrayIterator,
)
from minikeras.preprocessing.image_transforms import (
    apply_affine_transform,
    apply_brightness_shift,
    apply_channel_shift,
    flip_axis,
    random_brightness,
    random_channel_shift,
    random_rotation,
    random_shear,
    random_shift,
    random_zoom,
)
from minikeras.utils.image_utils import (array_to_img, img_to_array, load_img, save_img,
                                         smart_resize)

__all__ = [
    "DataFrameIterator", "DirectoryIterator", "ImageDataGenerator", "Iterator",
    "NumpyArrayIterator", "apply_affine_transform", "apply_brightness_shift",
    "apply_channel_shift", "array_to_img",
    "img_to_array", "load_img", "random_brightness", "random_channel_shift", "random_rotation",
    "random_shear", "random_shift", "random_zoom", "save_img", "smart_resize",
]

# Keras 2's arguments of `flow_from_dataframe` that Keras warns about and ignores.
_DATAFRAME_DEPRECATIONS = {
    "has_ext": "has_ext is deprecated, filenames in the dataframe have to match the exact "
               "filenames in disk.",
    "sort": "sort is deprecated, batches will be created in thesame order than the filenames "
            "provided if `shuffle`is set to `False`.",
    "drop_duplicates": "drop_duplicates is deprecated, you can drop duplicates by using the "
                       "pandas.DataFrame.drop_duplicates method.",
}

_NOT_FIT = ("This ImageDataGenerator specifies `{}`, but it hasn't been fit on any training "
            "data. Fit it first by calling `.fit(numpy_data)`.")


def _zoom_range(zoom_range):
    if isinstance(zoom_range, (float, int)):
        return [1 - zoom_range, 1 + zoom_range]
    if len(zoom_range) == 2 and all(isinstance(v, (float, int)) for v in zoom_range):
        return [zoom_range[0], zoom_range[1]]
    raise ValueError("`zoom_range` should be a float or a tuple or list of two floats. "
                     f"Received: {zoom_range}")


def _random_shift(shift_range, size):
    """A shift in pixels: a random choice of `shift_range` (ints or a list) with a random
    sign, or a uniform draw in `[-shift_range, shift_range]`; fractions of `size` below 1."""
    if not shift_range:
        return 0
    try:  # ints and lists are chosen from, floats drawn uniformly, as Keras does
        shift = np.random.choice(shift_range) * np.random.choice([-1, 1])
    except ValueError:
        shift = np.random.uniform(-shift_range, shift_range)
    return shift * size if np.max(shift_range) < 1 else shift


class ImageDataGenerator:
    """Batches of images with random augmentations and normalization, as Keras 2 made them.

    Args:
        featurewise_center, featurewise_std_normalization: subtract the data set's mean and
            divide by its standard deviation (per channel), computed by `fit()`.
        samplewise_center, samplewise_std_normalization: the same, per image.
        zca_whitening, zca_epsilon: ZCA whitening, fitted by `fit()`.
        rotation_range: degrees of random rotation (uniform in `[-r, r]`).
        width_shift_range, height_shift_range: fraction of the size (below 1) or pixels.
        brightness_range: two floats, the range of a random brightness factor.
        shear_range: degrees of random shear.
        zoom_range: a float `z` (range `[1 - z, 1 + z]`) or two floats.
        channel_shift_range: range of a random shift added to every channel.
        fill_mode, cval: what fills points from outside: "nearest" (default), "constant"
            (with `cval`), "reflect" or "wrap".
        horizontal_flip, vertical_flip: flip half of the images.
        rescale: factor applied after the augmentations (e.g. 1/255).
        preprocessing_function: a function applied to each image after augmentation.
        data_format: "channels_last" (default) or "channels_first".
        validation_split: fraction reserved for `subset="validation"`.
        interpolation_order: spline order of the affine transforms.
        dtype: dtype of the batches (`floatx()` by default).
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0, width_shift_range=0.0,
                 height_shift_range=0.0, brightness_range=None, shear_range=0.0, zoom_range=0.0,
                 channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None, data_format=None,
                 validation_split=0.0, interpolation_order=1, dtype=None):
        data_format = data_format or backend.image_data_format()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError('`data_format` should be `"channels_last"` (channel after row and '
                             'column) or `"channels_first"` (channel before row and column). '
                             f"Received: {data_format}")
        if validation_split and not 0 < validation_split < 1:
            raise ValueError("`validation_split` must be strictly between 0 and 1.  Received: "
                             f"{validation_split}")
        if brightness_range is not None and (
                not isinstance(brightness_range, (tuple, list)) or len(brightness_range) != 2):
            raise ValueError("`brightness_range should be tuple or list of two floats. "
                             f"Received: {brightness_range}")
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening, self.zca_epsilon = zca_whitening, zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        self.brightness_range = brightness_range
        self.shear_range = shear_range
        self.zoom_range = _zoom_range(zoom_range)
        self.channel_shift_range = channel_shift_range
        self.fill_mode, self.cval = fill_mode, cval
        self.horizontal_flip, self.vertical_flip = horizontal_flip, vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.data_format = data_format
        self.channel_axis, self.row_axis, self.col_axis = (
            (3, 1, 2) if data_format == "channels_last" else (1, 2, 3))
        self._validation_split = validation_split
        self.interpolation_order = interpolation_order
        self.dtype = dtype or backend.floatx()
        self.mean = self.std = self.zca_whitening_matrix = None
        self._resolve_overrides()

    def _resolve_overrides(self):
        """Settings that imply others, with Keras' warnings."""
        def override(flag, value, message):
            if getattr(self, flag) != value:
                setattr(self, flag, value)
                warnings.warn(f"This ImageDataGenerator specifies {message}")

        if self.zca_whitening:
            override("featurewise_center", True,
                     "`zca_whitening`, which overrides setting of `featurewise_center`.")
            override("featurewise_std_normalization", False,
                     "`zca_whitening` which overrides setting of"
                     "`featurewise_std_normalization`.")
        if self.featurewise_std_normalization:
            override("featurewise_center", True, "`featurewise_std_normalization`, which "
                     "overrides setting of `featurewise_center`.")
        if self.samplewise_std_normalization:
            override("samplewise_center", True, "`samplewise_std_normalization`, which "
                     "overrides setting of `samplewise_center`.")

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", ignore_class_split=False,
             subset=None):
        """Batches of augmented `x` (a 4-D array), with `y` and `sample_weight` if given."""
        return NumpyArrayIterator(
            x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
            seed=seed, data_format=self.data_format, save_to_dir=save_to_dir,
            save_prefix=save_prefix, save_format=save_format,
            ignore_class_split=ignore_class_split, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32, shuffle=True,
                            seed=None, save_to_dir=None, save_prefix="", save_format="png",
                            follow_links=False, subset=None, interpolation="nearest",
                            keep_aspect_ratio=False):
        """Batches of augmented images from `directory`, one sub-folder per class (Pillow reads
        the files)."""
        return DirectoryIterator(
            directory, self, target_size=target_size, color_mode=color_mode, classes=classes,
            class_mode=class_mode, batch_size=batch_size, shuffle=shuffle, seed=seed,
            data_format=self.data_format, save_to_dir=save_to_dir, save_prefix=save_prefix,
            save_format=save_format, follow_links=follow_links, subset=subset,
            interpolation=interpolation, keep_aspect_ratio=keep_aspect_ratio, dtype=self.dtype)

    def flow_from_dataframe(self, dataframe, directory=None, x_col="filename", y_col="class",
                            weight_col=None, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32, shuffle=True,
                            seed=None, save_to_dir=None, save_prefix="", save_format="png",
                            subset=None, interpolation="nearest", validate_filenames=True,
                            **kwargs):
        """Batches of augmented images from the files a pandas DataFrame lists (`x_col`,
        relative to `directory`), labelled from `y_col` as `class_mode` asks and weighted by
        `weight_col` (pandas and Pillow are needed then)."""
        for name, advice in _DATAFRAME_DEPRECATIONS.items():
            if name in kwargs:
                warnings.warn(advice, DeprecationWarning, stacklevel=2)
        if class_mode == "other":
            warnings.warn('`class_mode="other"` is deprecated, please use `class_mode="raw"`.',
                          DeprecationWarning, stacklevel=2)
            class_mode = "raw"
        return DataFrameIterator(
            dataframe, directory, self, x_col=x_col, y_col=y_col, weight_col=weight_col,
            target_size=target_size, color_mode=color_mode, classes=classes,
            class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
            shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
            save_format=save_format, subset=subset, interpolation=interpolation,
            validate_filenames=validate_filenames, dtype=self.dtype)

    def standardize(self, x):
        """`x` (one image or a batch) with the preprocessing function, rescaling and the
        normalizations applied; in place where Keras does it in place."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is None:
                warnings.warn(_NOT_FIT.format("featurewise_center"))
            else:
                x -= self.mean
        if self.featurewise_std_normalization:
            if self.std is None:
                warnings.warn(_NOT_FIT.format("featurewise_std_normalization"))
            else:
                x /= self.std + 1e-6
        if self.zca_whitening:
            if self.zca_whitening_matrix is None:
                warnings.warn(_NOT_FIT.format("zca_whitening"))
            else:
                flat = x.reshape(-1, int(np.prod(x.shape[-3:])))
                x = np.reshape(flat @ self.zca_whitening_matrix, x.shape)
        return x

    def get_random_transform(self, img_shape, seed=None):
        """A dict of random transform parameters for an image of `img_shape`, drawn in
        Keras' order from numpy's global generator (seeded with `seed` if given)."""
        if seed is not None:
            np.random.seed(seed)
        theta = np.random.uniform(-self.rotation_range, self.rotation_range) \
            if self.rotation_range else 0
        tx = _random_shift(self.height_shift_range, img_shape[self.row_axis - 1])
        ty = _random_shift(self.width_shift_range, img_shape[self.col_axis - 1])
        shear = np.random.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        zx, zy = (1, 1) if self.zoom_range == [1, 1] else np.random.uniform(*self.zoom_range, 2)
        flip_horizontal = (np.random.random() < 0.5) * self.horizontal_flip
        flip_vertical = (np.random.random() < 0.5) * self.vertical_flip
        channel_shift = (np.random.uniform(-self.channel_shift_range, self.channel_shift_range)
                         if self.channel_shift_range != 0 else None)
        brightness = (np.random.uniform(*self.brightness_range)
                      if self.brightness_range is not None else None)
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_horizontal, "flip_vertical": flip_vertical,
                "channel_shift_intensity": channel_shift, "brightness": brightness}

    def apply_transform(self, x, transform_parameters):
        """`x` (one 3-D image) transformed by the parameters `get_random_transform` gives."""
        params = transform_parameters
        rows, cols, channels = self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1
        x = apply_affine_transform(
            x, params.get("theta", 0), params.get("tx", 0), params.get("ty", 0),
            params.get("shear", 0), params.get("zx", 1), params.get("zy", 1), row_axis=rows,
            col_axis=cols, channel_axis=channels, fill_mode=self.fill_mode, cval=self.cval,
            order=self.interpolation_order)
        if params.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, params["channel_shift_intensity"], channels)
        if params.get("flip_horizontal", False):
            x = flip_axis(x, cols)
        if params.get("flip_vertical", False):
            x = flip_axis(x, rows)
        if params.get("brightness") is not None:
            x = apply_brightness_shift(x, params["brightness"], False)
        return x

    def random_transform(self, x, seed=None):
        """`x` with a random transform applied."""
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Compute the statistics the featurewise settings and ZCA whitening need from the
        images `x` (4-D), optionally over `rounds` augmented copies."""
        x = np.array(x, dtype=self.dtype)  # a copy: the statistics are taken in place
        if x.ndim != 4:
            raise ValueError(f"Input to `.fit()` should have rank 4. Got array with shape: "
                             f"{x.shape}")
        if x.shape[self.channel_axis] not in (1, 3, 4):
            warnings.warn(
                "Expected input to be images (as Numpy array) following the data format "
                f'convention "{self.data_format}" (channels on axis {self.channel_axis}), i.e. '
                f"expected either 1, 3 or 4 channels on axis {self.channel_axis}. However, it "
                f"was passed an array with shape {x.shape} ({x.shape[self.channel_axis]} "
                "channels).")
        if seed is not None:
            np.random.seed(seed)
        if self.rescale:
            x *= self.rescale
        if augment:
            x = np.concatenate([np.stack([self.random_transform(image) for image in x])
                                for _ in range(rounds)]).astype(self.dtype)
        per_channel = [1, 1, 1]
        per_channel[self.channel_axis - 1] = x.shape[self.channel_axis]
        axes = (0, self.row_axis, self.col_axis)
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=axes), per_channel)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=axes), per_channel)
            x /= self.std + 1e-6
        if self.zca_whitening:
            flat = np.reshape(x, (len(x), -1))
            u, s, _ = np.linalg.svd(flat.T, full_matrices=False)
            self.zca_whitening_matrix = (u * (np.sqrt(len(x)) / (s + self.zca_epsilon))) @ u.T
