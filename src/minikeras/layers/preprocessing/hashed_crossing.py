"""`HashedCrossing`: the cross of categorical features, hashed into bins as Keras hashes it."""

import numpy as np

from minikeras.layers.base import Layer
from minikeras.layers.preprocessing import adapting, encoding, tf_hashes
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class HashedCrossing(Layer):
    """Cross two or more categorical features by hashing their combined values into `num_bins`
    bins: TensorFlow's `tf.sparse.cross_hashed` (a string by its FarmHash Fingerprint64, an
    integer as itself, folded together in input order), which Keras on TensorFlow runs.

    Called on a list or tuple of at least two columns of equal shape, `()`, `(batch,)` or
    `(batch, 1)`, of strings or integers.

    Args:
        num_bins: the number of bins.
        output_mode: "int" (the bins, with the inputs' shape, int64) or "one_hot".
        sparse: accepted for Keras' configs; outputs are dense.
    """

    _takes_strings = True
    _keeps_integer_inputs = True

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None,
                 **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        # As Keras: only `name` and `dtype` reach the base layer; other arguments are dropped.
        super().__init__(name=name, dtype=dtype)
        if sparse:
            raise ValueError("minikeras' HashedCrossing gives dense outputs (`sparse=False`).")
        if output_mode not in ("int", "one_hot"):
            raise ValueError(
                f"Unknown value for `output_mode` argument of {type(self).__name__}. Allowed "
                f"values are: ('int', 'one_hot'). Received: output_mode={output_mode}"
            )
        self.num_bins = num_bins
        self.output_mode = output_mode
        self.sparse = False
        self.built = True

    def _convert_inputs(self, inputs):
        """Each column converted on its own: a tuple of Python lists is several columns, not
        one array."""
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                "`HashedCrossing` should be called on a list or tuple of inputs. Received: "
                f"inputs={inputs}"
            )
        return [adapting.as_array(column) for column in inputs]

    def forward(self, inputs):
        if len(inputs) < 2:
            raise ValueError(
                "`HashedCrossing` should be called on at least two inputs. Received: "
                f"inputs={inputs}"
            )
        _check_columns(inputs)
        shape = inputs[0].shape
        bins = tf_hashes.cross_hashed([column.reshape(-1) for column in inputs], self.num_bins)
        bins = bins.reshape(shape)
        return encoding.encode(bins, self.output_mode, self.num_bins, self._np_dtype), None

    def compute_output_shape(self, input_shape):
        if (len(input_shape) != 2 or not isinstance(input_shape[0], tuple)
                or not isinstance(input_shape[1], tuple)):
            raise ValueError(
                f"Expected as input a list/tuple of 2 tensors. Received input_shape={input_shape}"
            )
        first, second = input_shape
        if first[-1:] != second[-1:]:
            raise ValueError(
                "Expected the two input tensors to have identical shapes. Received "
                f"input_shape={input_shape}"
            )
        if self.output_mode == "int":
            return tuple(first)
        if first[-1:] != (1,):
            return (*first, self.num_bins)
        return (*first[:-1], self.num_bins)

    def get_config(self):
        # Keras' own keys only: no `trainable`, and the dtype by name.
        return {"num_bins": self.num_bins, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}


def _check_columns(columns):
    shape = columns[0].shape
    if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
        raise ValueError(
            "All `HashedCrossing` inputs should have shape `()`, `(batch_size)` or "
            f"`(batch_size, 1)`. Received: inputs={columns}"
        )
    if any(column.shape != shape for column in columns[1:]):
        raise ValueError(
            f"All `HashedCrossing` inputs should have equal shape. Received: inputs={columns}")
    if not all(column.dtype.kind in "iuUSO" for column in columns):
        raise ValueError(
            "All `HashedCrossing` inputs should have an integer or string dtype. Received: "
            f"inputs={columns}"
        )
