"""What `adapt(data, batch_size=None, steps=None)` reads: the batches of its `data`.

Keras' preprocessing layers take a whole array (a numpy array, or a list of values), or an
iterable of batches: a generator, a list of arrays, a `tf.data.Dataset` (the stand-in's, or
anything iterable that yields batches), a `PyDataset`. `(x, y)` batches are read for `x`.
"""

import itertools

import numpy as np

from minikeras.utils.py_dataset import PyDataset


def is_whole_array(data, lists="array"):
    """Whether `data` is one array to adapt on at once (rather than an iterable of batches).

    Keras' layers read lists differently: as one array (`lists="array"`: lookups, text), as
    batches (`"batches"`: Discretization), or (`"auto"`: Normalization) as batches when they
    hold arrays and as one array when they hold plain values.
    """
    if isinstance(data, np.ndarray) or hasattr(data, "__array_interface__"):
        return True
    if isinstance(data, (list, tuple)):
        if lists == "auto":
            return not data or not hasattr(data[0], "shape")
        return lists == "array"
    return not hasattr(data, "__iter__") or isinstance(data, (str, bytes))


def batches(data, steps=None, batch_size=None, lists="array"):
    """The batches of `data` (iterable of batches, or a whole array cut in `batch_size` rows
    when given), at most `steps` of them; `lists` as for `is_whole_array`."""
    if is_whole_array(data, lists):
        array = as_array(data)
        if batch_size is None:
            yield array
            return
        for start in range(0, len(array), batch_size):
            if steps is not None and start // batch_size >= steps:
                return
            yield array[start:start + batch_size]
        return
    for index, batch in enumerate(_iterate(data)):
        if steps is not None and index >= steps:
            return
        yield as_array(batch[0] if isinstance(batch, tuple) else batch)


def _iterate(data):
    """The batches of a dataset, of a `PyDataset` (by index: `num_batches` of them, or without
    end) or of any other iterable."""
    if hasattr(data, "as_numpy_iterator"):
        return data.as_numpy_iterator()
    if isinstance(data, PyDataset):
        count = data.num_batches
    elif hasattr(data, "__getitem__") and hasattr(data, "__len__") and not hasattr(
            data, "__next__") and not isinstance(data, (list, tuple)):
        count = len(data)  # a `Sequence` that does not subclass PyDataset
    else:
        return iter(data)
    return (data[index] for index in (itertools.count() if count is None else range(count)))


def element_shape(data):
    """The shape of a dataset's elements (of their `x`) as its `element_spec` declares it
    (`(None, 1)` for batches of one column), or None for data that is not a dataset."""
    spec = getattr(data, "element_spec", None)
    if isinstance(spec, tuple):
        spec = spec[0] if spec else None
    shape = getattr(spec, "shape", None)
    return None if shape is None else tuple(shape)


def batch_rows(data, size=128):
    """A dataset whose elements are single rows (1-D), batched by `size` as Keras'
    `Normalization` batches one before adapting; other data as it is."""
    shape = element_shape(data)
    if hasattr(data, "batch") and shape is not None and len(shape) == 1:
        return data.batch(size)
    return data


def as_array(data):
    """`data` as a numpy array; bytes become text, and `str` and object arrays stay what they
    are (tokens), numbers keep their dtype."""
    array = np.asarray(getattr(data, "value", data))
    if array.dtype.kind == "S":
        array = np.char.decode(array, "utf-8")
    return array
