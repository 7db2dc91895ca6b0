"""The iterator `ImageDataGenerator.flow_from_dataframe` returns: batches of images whose
files (and labels, and sample weights) are the columns of a pandas DataFrame.

pandas is imported only here, when such an iterator is made; the columns are read into
Python lists and numpy arrays at once, and batches are made from those.
"""

import collections
import os
import warnings

import numpy as np

from minikeras.preprocessing.image_iterators import BatchFromFiles

_UNLABELLED = ("input", "multi_output", "raw", None)


def _pandas():
    try:
        import pandas
    except ImportError as error:
        raise ImportError(
            "`ImageDataGenerator.flow_from_dataframe` reads a pandas DataFrame, and pandas is "
            "not installed: install it (`pip install pandas`), or list the files in folders "
            "and use `flow_from_directory`.") from error
    return pandas


class DataFrameIterator(BatchFromFiles):
    """Batches of augmented images read from the files named in `dataframe[x_col]` (relative
    to `directory`), labelled from `y_col` as `class_mode` asks, weighted by `weight_col`.

    Files that are missing or not images are dropped with Keras' warning when
    `validate_filenames`; rows whose classes are not in `classes` are dropped.
    """

    allowed_class_modes = {"binary", "categorical", "input", "multi_output", "raw", "sparse",
                           None}

    def __init__(self, dataframe, directory=None, image_data_generator=None, x_col="filename",
                 y_col="class", weight_col=None, target_size=(256, 256), color_mode="rgb",
                 classes=None, class_mode="categorical", batch_size=32, shuffle=True, seed=None,
                 data_format="channels_last", save_to_dir=None, save_prefix="",
                 save_format="png", subset=None, interpolation="nearest",
                 keep_aspect_ratio=False, dtype="float32", validate_filenames=True):
        pandas = _pandas()
        if not isinstance(dataframe, pandas.DataFrame):
            raise TypeError("`flow_from_dataframe` takes a pandas DataFrame. Received: "
                            f"dataframe of type {type(dataframe)}")
        self._set_processing_attrs(image_data_generator, target_size, color_mode, data_format,
                                   save_to_dir, save_prefix, save_format, subset, interpolation,
                                   keep_aspect_ratio, dtype)
        self.directory = directory or ""
        self.class_mode = class_mode
        columns = _Rows(dataframe, x_col, y_col)
        self._check_params(columns, y_col, weight_col, classes)
        if validate_filenames:
            columns.keep(self._valid_files(columns.files, x_col))
        if class_mode not in _UNLABELLED:
            classes = self._filter_classes(columns, y_col, classes)
            self.class_indices = dict(zip(classes, range(len(classes))))
        if self.split:
            count = len(columns.files)
            columns.keep(slice(int(self.split[0] * count), int(self.split[1] * count)))
        if class_mode not in _UNLABELLED:
            self.classes = [
                [self.class_indices[c] for c in label] if isinstance(label, (list, tuple))
                else self.class_indices[label] for label in columns.labels]
        self.filenames = columns.files
        self._sample_weight = columns.column(weight_col).to_numpy() if weight_col else None
        if class_mode == "multi_output":
            self._targets = [np.array(columns.column(name).tolist()) for name in y_col]
        if class_mode == "raw":
            self._targets = columns.column(y_col).to_numpy()
        self.samples = len(self.filenames)
        validated = "validated" if validate_filenames else "non-validated"
        counted = "" if class_mode in _UNLABELLED else (
            f" belonging to {len(self.class_indices)} classes")
        print(f"Found {self.samples} {validated} image filenames{counted}.")
        self._filepaths = [os.path.join(self.directory, name) for name in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    def _check_params(self, columns, y_col, weight_col, classes):
        """Keras' checks of the columns against `class_mode`, in Keras' order."""
        mode = self.class_mode
        if mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {mode}; expected one of: "
                             f"{self.allowed_class_modes}")
        if mode == "multi_output" and not isinstance(y_col, list):
            raise TypeError(f'If class_mode="{mode}", y_col must be a list. Received '
                            f"{type(y_col).__name__}.")
        if not all(isinstance(name, str) for name in columns.files):
            raise TypeError(f"All values in column x_col={columns.x_col} must be strings.")
        if mode in ("binary", "sparse") and not all(
                isinstance(label, str) for label in columns.labels):
            raise TypeError(f'If class_mode="{mode}", y_col="{y_col}" column values must be '
                            "strings.")
        if mode == "binary":
            count = len(set(classes)) if classes else len(set(columns.labels))
            if count != 2:
                found = f"{count} class/es were given" if classes else f"Found {count} classes"
                raise ValueError(f'If class_mode="binary" there must be 2 classes. {found}.')
        if mode == "categorical" and not all(
                isinstance(label, (str, list, tuple)) for label in columns.labels):
            raise TypeError(f'If class_mode="{mode}", y_col="{y_col}" column values must be '
                            "type string, list or tuple.")
        if classes and mode in _UNLABELLED:
            warnings.warn(f'`classes` will be ignored given the class_mode="{mode}"',
                          stacklevel=4)
        if weight_col and not issubclass(columns.dataframe[weight_col].dtype.type, np.number):
            raise TypeError(f"Column weight_col={weight_col} must be numeric.")

    def _valid_files(self, files, x_col):
        """Which of `files` are image files that exist, warning (as Keras) about the others."""
        valid = [name.lower().endswith(self.white_list_formats)
                 and os.path.isfile(os.path.join(self.directory, name)) for name in files]
        invalid = valid.count(False)
        if invalid:
            warnings.warn(f'Found {invalid} invalid image filename(s) in x_col="{x_col}". These '
                          "filename(s) will be ignored.", stacklevel=4)
        return valid

    @staticmethod
    def _filter_classes(columns, y_col, classes):
        """The classes (given, in order, or all of them sorted); rows left with none dropped."""
        if not classes:
            found = set()
            for label in columns.labels:
                found.update(label if isinstance(label, (list, tuple)) else [label])
            return sorted(found)
        classes = list(collections.OrderedDict.fromkeys(classes))

        def kept(label):
            if isinstance(label, (list, tuple)):
                return [c for c in label if c in classes] or None
            if isinstance(label, str):
                return label if label in classes else None
            raise TypeError(f"Expect string, list or tuple but found {type(label)} in {y_col} "
                            "column ")

        columns.labels = [kept(label) for label in columns.labels]
        columns.keep([label is not None for label in columns.labels])
        return classes

    @property
    def filepaths(self):
        return self._filepaths

    @property
    def labels(self):
        return self._targets if self.class_mode in ("multi_output", "raw") else self.classes

    @property
    def sample_weight(self):
        return self._sample_weight


class _Rows:
    """The rows of a DataFrame that an iterator keeps, with their file names and labels."""

    def __init__(self, dataframe, x_col, y_col):
        self.dataframe, self.x_col = dataframe, x_col
        self.index = np.arange(len(dataframe))
        self.files = dataframe[x_col].tolist()
        self.labels = dataframe[y_col].tolist() if isinstance(y_col, str) else []

    def keep(self, rows):
        """Keep the rows `rows` selects: a slice, or one boolean per row."""
        self.index = self.index[rows]
        if isinstance(rows, slice):
            self.files, self.labels = self.files[rows], self.labels[rows]
        else:
            self.files = [name for name, wanted in zip(self.files, rows) if wanted]
            self.labels = [label for label, wanted in zip(self.labels, rows) if wanted]

    def column(self, name):
        """The kept rows of column `name` (a list of names: a DataFrame of those)."""
        return self.dataframe[name].iloc[self.index]
