"""`TimeseriesGenerator`, Keras 2's `keras.preprocessing.sequence.TimeseriesGenerator`, which
old scripts still use (Keras 3 has `timeseries_dataset_from_array` instead): a `PyDataset`
of windows over a series, each with the target at the step after it."""

import json

import numpy as np

from minikeras.utils.py_dataset import PyDataset


class TimeseriesGenerator(PyDataset):
    """Batches of `(windows, targets)`: the window before row `i` (`length` steps, every
    `sampling_rate`-th kept) and `targets[i]`, for `i` from `start_index + length` to
    `end_index`, every `stride` rows (or `batch_size` random rows per batch with `shuffle`).

    Args:
        data: the series, indexable by row (an array or a list), first axis time.
        targets: one target per row of `data`.
        length: how many steps back each window reaches.
        sampling_rate: the step between the rows a window keeps.
        stride: the step between consecutive windows.
        start_index, end_index: the first and last rows a window may end before (by
            default all the rows after the first window).
        shuffle: draw each batch's rows at random (numpy's global generator, as Keras 2).
        reverse: windows in reverse chronological order.
        batch_size: windows per batch.
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0,
                 end_index=None, shuffle=False, reverse=False, batch_size=128):
        super().__init__()
        if len(data) != len(targets):
            raise ValueError(
                f"Data and targets have to be of same length. Data length is {len(data)} "
                f"while target length is {len(targets)}")
        self.data = data
        self.targets = targets
        self._series, self._targets = np.asarray(data), np.asarray(targets)  # read by rows
        self.length = length
        self.sampling_rate = sampling_rate
        self.stride = stride
        self.start_index = start_index + length  # Keras 2 keeps it so, and its config too
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle = shuffle
        self.reverse = reverse
        self.batch_size = batch_size
        if self.start_index > self.end_index:
            raise ValueError(
                f"`start_index+length={self.start_index} > end_index={self.end_index}` is "
                "disallowed, as no part of the sequence would be left to be used as current "
                "step.")

    def __len__(self):
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def __getitem__(self, index):
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            first = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(first, min(first + self.batch_size * self.stride,
                                        self.end_index + 1), self.stride)
        steps = np.arange(-self.length, 0, self.sampling_rate)
        windows = np.take(self._series, rows[:, None] + steps, axis=0)
        targets = np.take(self._targets, rows, axis=0)
        if self.reverse:
            return windows[:, ::-1, ...], targets
        return windows, targets

    def get_config(self):
        """The settings, with `data` and `targets` as JSON text (Keras 2's config)."""
        return {
            "data": _as_json(self.data, "Data"),
            "targets": _as_json(self.targets, "Targets"),
            "length": self.length,
            "sampling_rate": self.sampling_rate,
            "stride": self.stride,
            "start_index": self.start_index,
            "end_index": self.end_index,
            "shuffle": self.shuffle,
            "reverse": self.reverse,
            "batch_size": self.batch_size,
        }

    def to_json(self, **kwargs):
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


def _as_json(values, what):
    if type(values).__module__ == np.__name__:
        values = values.tolist()
    try:
        return json.dumps(values)
    except TypeError as error:
        raise TypeError(f"{what} not JSON Serializable:", values) from error
