"""`Tensor`: what eager code gets back from a model, a layer, `keras.ops` or the `tensorflow`
stand-in: a numpy array (numpy code takes it as one) with the methods of Keras' tensors."""

import numpy as np


class Tensor(np.ndarray):
    """A numpy array with TensorFlow's `.numpy()`, as Keras 3 on TensorFlow returns."""

    def numpy(self):
        """The values, as a plain numpy array (a copy)."""
        return np.array(self)

    def __getitem__(self, index):
        item = super().__getitem__(index)
        return item if isinstance(item, np.ndarray) else np.asarray(item).view(Tensor)

    def __repr__(self):
        return f"<tf.Tensor: shape={self.shape}, dtype={self.dtype}, numpy={np.asarray(self)!r}>"

    def __str__(self):
        return f"tf.Tensor({np.asarray(self)}, shape={self.shape}, dtype={self.dtype})"


def as_tensor(x):
    """An ndarray result as a `Tensor` view (free: no copy); anything else unchanged."""
    return x.view(Tensor) if type(x) is np.ndarray else x


def as_array(x):
    """A `Tensor` as the plain ndarray it views; anything else unchanged."""
    return x.view(np.ndarray) if isinstance(x, Tensor) else x
