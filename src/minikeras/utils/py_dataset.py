"""`PyDataset` (also `Sequence`): a dataset written in Python as numbered batches.

A subclass defines `__len__` (the number of batches; or the `num_batches` property, None for
an endless dataset) and `__getitem__(index)`, which returns a whole batch: `x`, `(x,)`,
`(x, y)` or `(x, y, sample_weight)`. `fit` takes `len(dataset)` steps per epoch, in shuffled
order unless `shuffle=False`, and calls `on_epoch_begin()` and `on_epoch_end()` around each
epoch; `evaluate` and `predict` take the batches in order.
"""

import itertools
import warnings


class PyDataset:
    """Base class for a dataset of batches made by Python code.

    Args:
        workers, use_multiprocessing, max_queue_size: how Keras may prepare batches in
            parallel. Accepted and kept: minikeras makes each batch in the training thread,
            when the model asks for it.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    _DEFAULTS = {"_workers": 1, "_use_multiprocessing": False, "_max_queue_size": 10}

    def _setting(self, name):
        """A constructor setting; Keras' warning, once, when a subclass did not call
        `super().__init__`."""
        missing = [key for key in self._DEFAULTS if not hasattr(self, key)]
        if missing:
            warnings.warn(
                "Your `PyDataset` class should call `super().__init__(**kwargs)` in its "
                "constructor. `**kwargs` can include `workers`, `use_multiprocessing`, "
                "`max_queue_size`. Do not pass these arguments to `fit()`, as they will be "
                "ignored.",
                stacklevel=3,
            )
            for key in missing:
                setattr(self, key, self._DEFAULTS[key])
        return getattr(self, name)

    @property
    def workers(self):
        return self._setting("_workers")

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        return self._setting("_use_multiprocessing")

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        return self._setting("_max_queue_size")

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """The batch at position `index`."""
        raise NotImplementedError

    @property
    def num_batches(self):
        """The number of batches, or None for a dataset without end; `len(self)` by default."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            "You need to implement the `num_batches` property:\n\n"
            "@property\ndef num_batches(self):\n  return ..."
        )

    def __iter__(self):
        """The batches in order (forever when `num_batches` is None)."""
        try:
            count = self.num_batches
        except NotImplementedError:
            count = None
        for index in itertools.count() if count is None else range(count):
            yield self[index]

    def on_epoch_begin(self):
        """Called at the beginning of every epoch."""

    def on_epoch_end(self):
        """Called at the end of every epoch."""


Sequence = PyDataset
