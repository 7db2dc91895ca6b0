"""Turn what users pass to `fit`/`evaluate`/`predict` into batches of float32 arrays.

Arrays (numpy, lists, pandas: anything `np.asarray` takes) are sliced into batches; Python
generators and other iterables yield ready-made `(x, y)` or `(x, y, sample_weight)` batches.
"""

import math
import warnings

import numpy as np

from minikeras import backend, tree


def as_array(data, name="x"):
    """`data` as a numpy array: floats become floatx, integer labels stay integers."""
    if data is None:
        return None
    array = np.asarray(getattr(data, "value", data))
    if array.dtype == object:
        raise ValueError(f"Unrecognized data type: {name}={data!r} (of type {type(data)})")
    if array.dtype.kind in "fb" or (array.dtype.kind in "iu" and name == "x"):
        array = np.ascontiguousarray(array, dtype=backend.floatx())
    return array


def is_array_like(data):
    return isinstance(data, (np.ndarray, list, tuple, dict)) or hasattr(data, "__array__")


# ----------------------------------------------------------------------------------------------
# Several inputs or outputs: lists and dicts of arrays (as for a functional model)


def is_structure(data):
    """Whether `data` is a dict, or a list/tuple of arrays (several inputs or outputs), rather
    than nested Python numbers, which are one array's data."""
    if isinstance(data, dict):
        return True
    return isinstance(data, (list, tuple)) and len(data) > 0 and all(
        is_structure(item) or isinstance(item, np.ndarray) or (
            hasattr(item, "__array__") and not isinstance(item, (list, tuple)))
        for item in data
    )


def as_structure(data, name="x"):
    """`as_array` for each array of a structure (a list of one array is that array)."""
    if isinstance(data, (list, tuple)) and len(data) == 1 and is_structure(data):
        return as_structure(data[0], name)
    if is_structure(data):
        return tree.map_structure(lambda item: as_array(item, name), data)
    return as_array(data, name)


def num_rows(data):
    """The number of samples of an array or a structure of arrays."""
    return len(tree.flatten(data)[0])


def unpack(batch):
    """Split a generator item into `(x, y, sample_weight)`."""
    if isinstance(batch, (tuple, list)) and not isinstance(batch, np.ndarray):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch[0], batch[1], batch[2]
        raise ValueError(
            "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
            f"found: {batch}"
        )
    return batch, None, None


class ArrayBatches:
    """Fixed arrays cut into batches: an epoch is one pass, reshuffled when asked.

    With `steps`, an epoch is that many batches and continues the pass where the last epoch
    left it, as in Keras 3; a pass that runs out first ends its epoch, with Keras' warning.
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None):
        self.x = as_structure(x, "x")
        self.y = as_structure(y, "y")
        self.sample_weight = as_structure(sample_weight, "sample_weight")
        sizes = {}
        for what, data in (("x", self.x), ("y", self.y), ("sample_weight", self.sample_weight)):
            if data is not None:
                sizes[what] = sorted({len(leaf) for leaf in tree.flatten(data)})
        if len({n for lengths in sizes.values() for n in lengths}) > 1:
            detail = "".join(
                f"'{k}' sizes: {', '.join(map(str, v))}\n" for k, v in sizes.items())
            raise ValueError(
                "Data cardinality is ambiguous. Make sure all arrays contain the same number "
                f"of samples.{detail}"
            )
        self.num_samples = num_rows(self.x)
        self.batch_size = batch_size or 32
        self.shuffle = shuffle
        self._pass_length = max(1, math.ceil(self.num_samples / self.batch_size))
        self._steps_given = steps is not None
        self.steps = steps or self._pass_length
        self._order = self._done = None  # the pass under way: row order, batches taken

    def batches(self, resume=False):
        """One epoch's `(x, y, sample_weight)` batches; with `resume` (training), an epoch of
        `steps` continues the pass the last one left, else each call starts a pass."""
        size = self.batch_size
        if self._done is None or not (self._steps_given and resume):
            self._order, self._done = self._new_order(), 0
        for _ in range(self.steps):
            if self._done == self._pass_length:
                warn_ran_out_of_data()
                break
            start = self._done * size
            rows = slice(start, start + size)
            self._done += 1
            index = rows if self._order is None else self._order[rows]
            yield _rows((self.x, self.y, self.sample_weight), index)
        if self._done == self._pass_length:
            self._done = None

    def _new_order(self):
        """The row order of a pass: None for the stored order, else shuffled indices."""
        n, size = self.num_samples, self.batch_size
        if self.shuffle == "batch":
            order = np.arange(n)
            for start in range(0, n, size):
                np.random.shuffle(order[start:start + size])
            return order
        return np.random.permutation(n) if self.shuffle else None


def warn_ran_out_of_data():
    warnings.warn(
        "Your input ran out of data; interrupting training. Make sure that your dataset or "
        "generator can generate at least `steps_per_epoch * epochs` batches. You may need to "
        "use the `.repeat()` function when building your dataset.",
        UserWarning,
        stacklevel=4,
    )


def _rows(arrays, index):
    """The rows at `index` of each array (None stays None): a slice gives views; shuffled
    indices are gathered with `np.take`, which copies whole rows (a third faster than fancy
    indexing for mnist-sized rows)."""
    if isinstance(index, slice):
        def take(a):
            return a[index]
    else:
        def take(a):
            return np.take(a, index, axis=0)
    return tuple(None if a is None else tree.map_structure(take, a) for a in arrays)


class IterableBatches:
    """Batches from a generator or iterable; an iterator is consumed across epochs."""

    def __init__(self, data, steps=None):
        self.data = data
        self.steps = steps
        self._iterator = None
        self.num_samples = None

    def batches(self, resume=False):
        """One epoch's batches: the next `steps` of the iterator (a generator simply goes on),
        or all it has left; without `resume` a re-iterable source starts again."""
        if self._iterator is None or self.steps is None or not resume:
            self._iterator = iter(self.data)
        count = 0
        while self.steps is None or count < self.steps:
            try:
                batch = next(self._iterator)
            except StopIteration:
                self._iterator = None
                if self.steps is not None or count == 0:  # else the epoch simply ended
                    warn_ran_out_of_data()
                return
            x, y, sample_weight = unpack(batch)
            count += 1
            yield (as_structure(x, "x"), as_structure(y, "y"),
                   as_structure(sample_weight, "sample_weight"))


def make_batches(x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None):
    """The right batch source for `x`: arrays or an iterable of ready batches."""
    if is_array_like(x):
        return ArrayBatches(x, y, sample_weight, batch_size, shuffle, steps)
    if y is not None:
        raise ValueError("`y` argument is not supported when using a generator or iterable as `x`.")
    return IterableBatches(x, steps)


def split_validation(x, y, sample_weight, validation_split):
    """Keras' rule: the last `validation_split` fraction of the rows, before shuffling."""
    if not is_array_like(x):
        raise ValueError(
            "`validation_split` is only supported for Tensors or NumPy arrays, "
            f"found following types in the input: {[type(x)]}"
        )
    x = as_structure(x, "x")
    n = num_rows(x)
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by `validation_split={validation_split}`. "
            "Either provide more data, or a different value for the `validation_split` argument."
        )

    def cut(data, name):
        data = as_structure(data, name)
        if data is None:
            return None, None
        return (tree.map_structure(lambda a: a[:split_at], data),
                tree.map_structure(lambda a: a[split_at:], data))

    (x_train, x_val), (y_train, y_val) = cut(x, "x"), cut(y, "y")
    w_train, w_val = cut(sample_weight, "sample_weight")
    return (x_train, y_train, w_train), (x_val, y_val, w_val)


def class_weights_to_sample_weights(y, class_weight):
    """Per-row weights from a `{class: weight}` dict (labels as integers or one-hot)."""
    y = np.asarray(y)
    labels = y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]
    labels = np.rint(labels).astype(np.int64)
    table = np.ones(int(max(labels.max(initial=0), max(class_weight, default=0))) + 1, np.float32)
    for label, weight in class_weight.items():
        table[int(label)] = weight
    return table[labels]
