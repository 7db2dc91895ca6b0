"""Turn what users pass to `fit`/`evaluate`/`predict` into batches of float32 arrays.

Arrays (numpy, lists, pandas: anything `np.asarray` takes) are sliced into batches; Python
generators and other iterables yield ready-made `(x, y)` or `(x, y, sample_weight)` batches;
`tf.data` datasets (the `tensorflow` stand-in's, or anything with `cardinality`,
`element_spec` and `as_numpy_iterator`) and `PyDataset`s give batches that know how many
there are in an epoch. Batch parts that are tuples or dicts (several inputs) stay so.
"""

import collections.abc
import itertools
import math
import reprlib
import warnings

import numpy as np

from minikeras import backend, tree
from minikeras.utils.py_dataset import PyDataset


def as_array(data, name="x"):
    """`data` as a numpy array: floats become floatx; integers and strings stay what they are
    (labels, and inputs of the layers that take them: lookups, embeddings, text; the model
    casts integer inputs for the others)."""
    if data is None:
        return None
    try:
        array = np.asarray(getattr(data, "value", data))
    except ValueError:  # lists of rows of different lengths
        array = np.empty((), object)
    if name == "x" and (array.dtype.kind in "US" or array.dtype == object and _holds_strings(array)):
        return array  # strings go to the layers that take them (lookups, text); others refuse
    if array.dtype == object:
        raise ValueError(
            f"Unrecognized data type: {name}={reprlib.repr(data)} (of type {type(data)})")
    if array.dtype.kind in "US":
        raise ValueError(
            f"Invalid dtype: {array.dtype.name}. `{name}` holds strings, and a model computes "
            "with numbers: encode them as numbers first (indices of tokens or categories, or "
            "one-hot vectors).")
    if array.dtype.kind in "fb":
        array = np.ascontiguousarray(array, dtype=backend.floatx())
    return array


def as_arrays(data, name="x"):
    """`as_array` for each array of a batch part, keeping tuples and dicts (several inputs)."""
    if isinstance(data, dict):
        return {key: as_arrays(value, name) for key, value in data.items()}
    if isinstance(data, tuple):
        return tuple(as_arrays(value, name) for value in data)
    return as_array(data, name)


def _holds_strings(array):
    return array.size > 0 and isinstance(array.flat[0], (str, bytes))


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


def pack(x, y=None, sample_weight=None):
    """A batch as Keras' steps receive it: `(x,)`, `(x, y)` or `(x, y, sample_weight)`."""
    if y is None and sample_weight is None:
        return (x,)
    return (x, y) if sample_weight is None else (x, y, sample_weight)


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The tuple `fit` takes a batch as (`keras.utils.pack_x_y_sample_weight`): `x` alone when
    there is no `y` (`(x,)` if `x` is itself a tuple or list), else `(x, y)` or
    `(x, y, sample_weight)`."""
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    return (x, y) if sample_weight is None else (x, y, sample_weight)


def is_dataset(data):
    """Whether `data` is a `tf.data.Dataset` (the stand-in's or TensorFlow's)."""
    return all(hasattr(data, name) for name in ("cardinality", "element_spec",
                                                "as_numpy_iterator"))


def is_py_dataset(data):
    """Whether `data` is a `PyDataset`/`Sequence`, or any sequence of batches (`__len__` and
    `__getitem__`) that is not an array."""
    if isinstance(data, PyDataset):
        return True
    return (hasattr(data, "__len__") and hasattr(data, "__getitem__")
            and not isinstance(data, (collections.abc.Mapping, str, bytes))
            and not is_array_like(data))


def unpack(batch):
    """Split a generator item into `(x, y, sample_weight)` (`keras.utils.
    unpack_x_y_sample_weight`)."""
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


unpack_x_y_sample_weight = unpack


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
        self._pass_length = math.ceil(self.num_samples / self.batch_size)  # 0 for no rows
        self._steps_given = bool(steps)
        self.steps = steps or max(self._pass_length, 1)
        self._order = self._done = None  # the pass under way: row order, batches taken

    @property
    def one_pass(self):
        """Whether an epoch is exactly one pass over the rows, `steps` cutting none off."""
        return self.steps == max(self._pass_length, 1)

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
            yield pack(*_rows((self.x, self.y, self.sample_weight), index))
        if self._done == self._pass_length:
            self._done = None

    def _new_order(self):
        """The row order of a pass: None for the stored order, else shuffled indices."""
        n, size = self.num_samples, self.batch_size
        if self.shuffle == "batch":
            order = np.arange(n)
            for start in range(0, n, size):
                backend.numpy_random().shuffle(order[start:start + size])
            return order
        return backend.numpy_random().permutation(n) if self.shuffle else None


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
            return a.take(index, axis=0) if type(a) is np.ndarray else np.take(a, index, axis=0)
    return tuple([None if a is None else take(a) if type(a) is np.ndarray
                  else tree.map_structure(take, a) for a in arrays])


class IterableBatches:
    """Batches from a generator or iterable; an iterator is consumed across epochs."""

    def __init__(self, data, steps=None):
        self.data = data
        self.steps = steps or None
        self._iterator = None
        self._yielded = False  # whether the source ever gave a batch
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
                if not self._yielded:
                    raise ValueError(
                        "When passing a Python generator to a Keras model, the generator must "
                        "yield at least one batch. Received an empty generator.") from None
                if self.steps is not None or count == 0:  # else the epoch simply ended
                    warn_ran_out_of_data()
                return
            x, y, sample_weight = unpack(batch)  # a bare array is `x` (Keras 2; 3 refuses)
            count += 1
            self._yielded = True
            yield pack(as_structure(x, "x"), as_structure(y, "y"),
                       as_structure(sample_weight, "sample_weight"))


class DatasetBatches:
    """An epoch of batches from a dataset that knows its length, as Keras 3 runs it.

    An epoch is `steps` batches when given, else the whole dataset. With `steps`, training
    continues from where the last epoch stopped and a dataset that runs out ends its epoch,
    with Keras' warning, the next one starting it again. A dataset of unknown length (a
    generator behind it, a `filter`) is read to its end every epoch, and Keras warns then too.
    """

    def __init__(self, source, steps=None, class_weight=None):
        self.source = source
        self._class_weights = None if class_weight is None else ClassWeights(class_weight)
        self.num_batches = source.num_batches or None  # None: unknown, or endless
        if source.endless and steps is None:
            raise ValueError(
                "When passing an infinitely repeating dataset, please specify a "
                "`steps_per_epoch` value so that epoch level callbacks continue to work. The "
                "value can be arbitrary, or a number that you think correctly defines the size "
                "of an epoch. Epoch-level callbacks will then be called at this interval.")
        self._steps_given = steps
        self.steps = steps or self.num_batches
        self.batch_size = source.batch_size
        self.num_samples = None
        self._iterator, self._seen = None, 0  # the pass under way, batches taken from it

    def batches(self, resume=False):
        """One epoch's `(x, y, sample_weight)` batches, between the source's epoch hooks; with
        `resume` (training) and `steps`, the epoch continues the last one's pass."""
        self.source.on_epoch_begin()
        try:
            yield from self._epoch(resume)
        finally:
            self.source.on_epoch_end()

    def _epoch(self, resume):
        if self._iterator is None or not (self._steps_given and resume):
            self._iterator, self._seen = self.source.iterate(), 0
        for _ in itertools.count() if self.steps is None else range(self.steps):
            if self.num_batches is not None and self._seen == self.num_batches:
                if self._steps_given:
                    warn_ran_out_of_data()
                break
            batch = next(self._iterator, None)
            if batch is None:
                warn_ran_out_of_data()
                self._iterator = None
                return
            self._seen += 1
            x, y, sample_weight = unpack(batch)
            if self._class_weights is not None:
                sample_weight = self._class_weights.of_batch(y, sample_weight, self.source.kind)
            yield as_arrays(x, "x"), as_arrays(y, "y"), as_arrays(sample_weight, "sample_weight")
        if self.num_batches is not None and self._seen == self.num_batches:
            self._iterator = None


class TFDataSource:
    """A `tf.data.Dataset` as `DatasetBatches` reads it: its elements are the batches."""

    kind = "tf.data.Dataset"

    def __init__(self, dataset):
        self.dataset = dataset
        cardinality = int(dataset.cardinality())
        self.endless = cardinality == -1  # tf.data.INFINITE_CARDINALITY
        self.num_batches = cardinality if cardinality >= 0 else None
        first_spec = _first_leaf(dataset.element_spec)
        shape = getattr(first_spec, "shape", None)
        self.batch_size = shape[0] if shape is not None and len(shape) else None

    def iterate(self):
        return iter(self.dataset.as_numpy_iterator())

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass


def _first_leaf(structure):
    if isinstance(structure, dict):
        return _first_leaf(next(iter(structure.values()), None))
    if isinstance(structure, tuple):
        return _first_leaf(structure[0]) if structure else None
    return structure


class PyDatasetSource:
    """A `PyDataset` as `DatasetBatches` reads it: batch `i` is `dataset[i]`, in shuffled
    order when asked (a new order every pass), and its epoch hooks run around each epoch."""

    kind = "PyDataset"

    def __init__(self, dataset, shuffle=False):
        self.dataset = dataset
        if isinstance(dataset, PyDataset):
            dataset.workers  # noqa: B018 - warns, as Keras does, if super().__init__ was skipped
            self.num_batches = dataset.num_batches
        else:  # a sequence of batches that does not subclass PyDataset
            self.num_batches = len(dataset)
        self.endless = self.num_batches is None
        if self.endless and shuffle:
            warnings.warn(
                "`shuffle=True` was passed, but will be ignored since the data `x` was provided "
                "as an infinite PyDataset. The PyDataset is expected to already be shuffled.",
                stacklevel=4)
        self.shuffle = shuffle and not self.endless
        self.batch_size = None

    def iterate(self):
        if self.endless:
            indices = itertools.count()
        else:
            indices = (backend.numpy_random().permutation(self.num_batches) if self.shuffle
                       else range(self.num_batches))
        return (_standardize_py_batch(self.dataset[int(i)]) for i in indices)

    def on_epoch_begin(self):
        getattr(self.dataset, "on_epoch_begin", lambda: None)()

    def on_epoch_end(self):
        getattr(self.dataset, "on_epoch_end", lambda: None)()


def _standardize_py_batch(batch):
    """A `__getitem__` result as Keras reads it: a dict or an array is `x`; a list is a tuple."""
    if isinstance(batch, (dict, np.ndarray)):
        return (batch,)
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple) or len(batch) not in (1, 2, 3):
        raise ValueError(
            "PyDataset.__getitem__() must return a tuple or a dict. If a tuple, it must be "
            "ordered either (input,) or (inputs, targets) or (inputs, targets, sample_weights). "
            f"Received: {str(batch)[:100]}... of type {type(batch)}")
    return batch


def make_batches(x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None,
                 class_weight=None):
    """The right batch source for `x`: arrays, a dataset, a PyDataset, or an iterable of
    ready batches; `class_weight` becomes the sample weights of every batch, as in Keras.
    `backend.max_steps_per_epoch()`, when set, caps `steps` (with Keras' warning)."""
    cap = backend.max_steps_per_epoch()
    if cap and (not steps or cap < steps):
        warnings.warn(f"Limiting steps_per_epoch to {cap}", stacklevel=3)
        steps = cap
    if x is None:
        _refuse_no_inputs(y)
    if is_array_like(x):
        if class_weight is not None:
            sample_weight = _array_class_weights(y, sample_weight, class_weight)
        return ArrayBatches(x, y, sample_weight, batch_size, shuffle, steps)
    if is_dataset(x):
        _refuse_separate_targets(y, sample_weight, "tf.data.Dataset")
        if shuffle:
            warnings.warn(
                "`shuffle=True` was passed, but will be ignored since the data `x` was provided "
                "as a tf.data.Dataset. The Dataset is expected to already be shuffled (via "
                "`.shuffle(buffer_size)`).", UserWarning, stacklevel=3)
        return DatasetBatches(TFDataSource(x), steps, class_weight)
    if is_py_dataset(x):
        _refuse_separate_targets(y, sample_weight, "PyDataset")
        return DatasetBatches(PyDatasetSource(x, shuffle), steps, class_weight)
    if y is not None:
        raise ValueError("`y` argument is not supported when using a generator or iterable as `x`.")
    if class_weight is not None:
        raise ValueError(
            "Argument `class_weight` is not supported for Python generator inputs. "
            f"Received: class_weight={class_weight}")
    return IterableBatches(x, steps)


def _array_class_weights(y, sample_weight, class_weight):
    if y is None:
        raise ValueError("`class_weight` is only supported for arrays with a `y`.")
    if sample_weight is not None:
        raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
    y = as_structure(y, "y")
    if tree.is_nested(y):
        raise ValueError("`class_weight` is only supported for Models with a single output.")
    return class_weights_to_sample_weights(y, class_weight)


def _refuse_no_inputs(y):
    """Keras 3's exception types for a None `x`: a KeyError from its array adapter when `y`
    is None too, else the model's ValueError for a None input."""
    what = ("`x` is None: pass the input data as `x` (arrays, a dict of arrays, a "
            "tf.data.Dataset, a PyDataset or a generator of batches).")
    if y is None:
        raise KeyError(what)
    raise ValueError(f"{what} The model's input is not optional, but None was passed.")


def _refuse_separate_targets(y, sample_weight, kind):
    for given, argument, what in ((y, "y", "the targets"),
                                  (sample_weight, "sample_weights", "the sample weights")):
        if given is not None:
            raise ValueError(
                f"When providing `x` as a {kind}, `{argument}` should not be passed. Instead, "
                f"{what} should be included as part of the {kind}.")


def split_validation(x, y, sample_weight, validation_split):
    """Keras' rule: the last `validation_split` fraction of the rows, before shuffling."""
    if not is_array_like(x):
        raise ValueError(
            "Argument `validation_split` is only supported for tensors or NumPy arrays."
            f"Found incompatible type in the input: {[type(x)]}"
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
    """Per-row weights of the labels `y` from a `{class index: weight}` dict."""
    return ClassWeights(class_weight)(y)


class ClassWeights:
    """A `{class index: weight}` dict as Keras applies it: each row weighs
    `class_weight.get(label, 1.0)`, its label an integer or the argmax of a one-hot row. A key
    that is no class index (`"1"`) weighs no row, as in Keras, which says nothing; minikeras
    warns, once, here."""

    def __init__(self, class_weight):
        weights = {int(key): weight for key, weight in class_weight.items()
                   if _is_class_index(key)}
        ignored = [key for key in class_weight if not _is_class_index(key)]
        if ignored:
            warnings.warn(
                f"`class_weight` keys {ignored} are not class indices (non-negative integers): "
                "they weigh no row, and their classes keep weight 1.0, as in Keras. Key the "
                "weights by integer class index, e.g. "
                "`{int(key): weight for key, weight in class_weight.items()}`.",
                UserWarning, stacklevel=4)
        self.table = np.ones(max(weights, default=-1) + 1, backend.floatx())
        for label, weight in weights.items():
            self.table[label] = weight

    def __call__(self, y):
        y = np.asarray(y)
        labels = y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(
            len(y), -1)[:, 0]
        labels = np.rint(labels).astype(np.int64)
        weights = np.ones(len(labels), backend.floatx())
        known = (labels >= 0) & (labels < len(self.table))
        weights[known] = self.table[labels[known]]
        return weights

    def of_batch(self, y, sample_weight, kind):
        """The sample weights of one batch of a dataset (`kind`), refused as Keras refuses
        them: beside given sample weights, or for several outputs."""
        if sample_weight is not None:
            specify = " specify" if kind == "PyDataset" else ""
            raise ValueError(
                f"You cannot{specify} `class_weight` and `sample_weight` at the same time.")
        if tree.is_nested(y):
            raise ValueError("`class_weight` is only supported for Models with a single output.")
        if y is None:
            raise ValueError(
                f"`class_weight` weighs rows by their targets, and this {kind}'s batches have "
                "none: make its elements `(x, y)` pairs.")
        return self(y)


def _is_class_index(key):
    if isinstance(key, (float, np.floating)):
        return float(key).is_integer() and key >= 0
    return isinstance(key, (int, np.integer)) and key >= 0


def check_counts(**counts):
    """Keras' batch sizes and step counts: positive integers, or None (or 0) for the default."""
    for name, value in counts.items():
        if value is None:
            continue
        if not isinstance(value, (int, np.integer)):
            raise TypeError(
                f"`{name}` must be an integer or None. Received: {name}={value!r} "
                f"(of type {type(value)})")
        if value < 0:
            raise ValueError(
                f"`{name}` must be a positive integer or None. Received: {name}={value}")
