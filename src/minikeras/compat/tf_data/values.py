"""Values as TensorFlow makes tensors of them, kept as plain numpy arrays."""

import numpy as np


def to_array(value, dtype=None):
    """`value` as TensorFlow would make a tensor of it, as a plain numpy array: Python floats
    become float32 and Python ints int32 (numpy arrays keep their dtype), text becomes an
    object array of UTF-8 `bytes` (TensorFlow's `tf.string`)."""
    if isinstance(value, np.ndarray) and value.dtype.kind not in "USO" and (
            dtype is None or value.dtype == dtype):
        return value if type(value) is np.ndarray else value.view(np.ndarray)
    if dtype is not None and np.dtype(dtype) != object:
        return np.asarray(value, dtype=dtype).view(np.ndarray)
    from_python = not isinstance(value, (np.ndarray, np.generic))
    array = np.asarray(getattr(value, "value", value)).view(np.ndarray)
    if array.dtype.kind in "US" or (array.dtype == object and _holds_text(array)):
        return _as_bytes(array)
    if array.dtype == object:
        raise TypeError(f"Could not convert {value!r} to a tensor: its parts differ in shape "
                        "or are not numbers or strings.")
    if from_python and array.dtype == np.float64:
        return array.astype(np.float32)
    if from_python and array.dtype == np.int64:
        return array.astype(np.int32)
    return array


def _holds_text(array):
    return all(isinstance(item, (str, bytes)) for item in array.flat)


def _as_bytes(array):
    out = np.empty(array.shape, dtype=object)
    for index, item in np.ndenumerate(array):
        out[index] = item.encode("utf-8") if isinstance(item, str) else bytes(item)
    return out
