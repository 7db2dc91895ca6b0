"""Array helpers Keras scripts use on their data: `to_categorical` and `normalize`."""

import numpy as np


def to_categorical(x, num_classes=None):
    """One-hot encode integer labels: `(n,)` or `(n, 1)` -> `(n, num_classes)` float64.

    Args:
        x: array-like of class indices (floats are truncated to integers).
        num_classes: the number of classes; by default `max(x) + 1`.
    """
    x = np.asarray(x, dtype="int64")
    shape = x.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    if num_classes is None:
        num_classes = int(np.max(x)) + 1 if x.size else 0
    categorical = np.zeros((x.shape[0], num_classes))
    categorical[np.arange(x.shape[0]), x] = 1
    return categorical.reshape(*shape, num_classes)


def normalize(x, axis=-1, order=2):
    """Scale `x` to unit `order`-norm along `axis` (zero vectors stay zero)."""
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)
