"""`Tensor`: what eager code gets back from a model, a layer, `keras.ops` or the `tensorflow`
stand-in: a numpy array (numpy code takes it as one) with the methods of Keras' tensors."""

import numpy as np

from minikeras.core import tape

# numpy's functions that a watched Tensor's arithmetic records, by the name of the op.
_RECORDED_UFUNCS = {
    np.add: "add", np.subtract: "subtract", np.multiply: "multiply", np.true_divide: "divide",
    np.power: "power", np.matmul: "matmul", np.negative: "negative", np.absolute: "absolute",
}


class Tensor(np.ndarray):
    """A numpy array with TensorFlow's `.numpy()`, as Keras 3 on TensorFlow returns.

    While a tape records and watches a Tensor (`tape.watch(tf.constant(...))`), its arithmetic
    is recorded as the ops' would be, as TensorFlow's tensors are."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "__call__" and not kwargs and tape.recording() and ufunc in _RECORDED_UFUNCS:
            lifted = [tape.lift(x) for x in inputs]
            if any(type(x) is tape.Node for x in lifted):
                return tape._OPERATORS[_RECORDED_UFUNCS[ufunc]](*lifted)
        plain = [x.view(np.ndarray) if isinstance(x, Tensor) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(
                x.view(np.ndarray) if isinstance(x, Tensor) else x for x in kwargs["out"])
        result = getattr(ufunc, method)(*plain, **kwargs)
        if isinstance(result, tuple):
            return tuple(as_tensor(r) for r in result)
        return as_tensor(result)

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
