"""`Hashing`: each value's bin under TensorFlow's string hash, so bins match Keras'."""

import numpy as np

from minikeras.layers.base import Layer
from minikeras.layers.preprocessing import encoding, tf_hashes
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Hashing(Layer):
    """Hash strings or integers into `num_bins` bins (FarmHash Fingerprint64, as Keras on
    TensorFlow; SipHash-2-4 under `salt`). Integers are hashed as their decimal strings.

    Args:
        num_bins: the number of bins, the mask's bin included when `mask_value` is set.
        mask_value: a value sent to bin 0 (the others then hash into bins 1 to num_bins - 1).
        salt: an integer or a pair of integers: a keyed (salted) hash instead of FarmHash.
        output_mode: "int" (the bins, int64), "one_hot", "multi_hot" or "count".
        sparse: accepted for Keras' configs; outputs are dense.
    """

    _takes_strings = True

    _keeps_integer_inputs = True
    _single_input = True

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else None
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(
                "The `num_bins` for `Hashing` cannot be `None` or non-positive values. "
                f"Received: num_bins={num_bins}."
            )
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError(
                'When `output_mode="int"`, `dtype` should be an integer type, \'int32\' or '
                f"'in64'. Received: dtype={kwargs['dtype']}"
            )
        accepted = ("int", "one_hot", "multi_hot", "count")
        if output_mode not in accepted:
            raise ValueError(
                f"Invalid value for argument `output_mode`. Expected one of {accepted}. "
                f"Received: output_mode={output_mode}"
            )
        if sparse:
            raise ValueError("minikeras' Hashing gives dense outputs (`sparse=False`).")
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.output_mode = output_mode
        self.sparse = False
        self.salt = tf_hashes.salt_key(salt, "Hashing", "a tuple of size 2 integers")
        self.strong_hash = self.salt is not None

    def build(self, input_shape=None):
        """No weights: built on the first call, which records the input shape (the layer's
        build config), as in Keras."""

    def forward(self, inputs, training=False):
        values = np.asarray(inputs)
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values[..., 0]
        bins = self._bins(values)
        return encoding.encode(bins, self.output_mode, self.num_bins, self._np_dtype), None

    def _bins(self, values):
        buckets = self.num_bins
        masked = None
        if self.mask_value is not None and buckets > 1:
            buckets -= 1
            masked = values == self.mask_value
        bins = tf_hashes.hash_buckets(values, buckets, self.salt)
        if masked is not None:
            bins = np.where(masked, 0, bins + 1)
        return bins

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        return (*input_shape[:-1], self.num_bins) if input_shape else (self.num_bins,)

    def get_config(self):
        return {
            **super().get_config(),
            "num_bins": self.num_bins,
            "salt": self.salt,
            "mask_value": self.mask_value,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
        }
