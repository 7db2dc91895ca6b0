"""`CategoryEncoding`: integer categories as one-hot, multi-hot or count vectors."""

import numpy as np

from minikeras.layers.base import Layer
from minikeras.layers.preprocessing import encoding
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class CategoryEncoding(Layer):
    """Encode integer category indices in `[0, num_tokens)` as vectors of `num_tokens`.

    Args:
        num_tokens: the number of categories.
        output_mode: "multi_hot" (default: 1 where a category occurs in the row), "one_hot"
            (a vector per index; a trailing axis of 1 is dropped) or "count" (occurrences per
            row, optionally weighted by `count_weights` at call time). Keras 2's "binary" is
            "multi_hot".
        sparse: accepted for Keras' configs; outputs are dense.
    """

    _keeps_integer_inputs = True
    _single_input = True

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError(
                "num_tokens must be set to use this layer. If the number of tokens is not "
                "known beforehand, use the IntegerLookup layer instead."
            )
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("minikeras' CategoryEncoding gives dense outputs (`sparse=False`).")
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = False

    def build(self, input_shape=None):
        """No weights: built on the first call, which records the input shape (the layer's
        build config), as in Keras."""

    def forward(self, inputs, count_weights=None):
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(
                "`count_weights` is not used when `output_mode` is not `'count'`. Received "
                f"`count_weights={count_weights}`."
            )
        if count_weights is not None:
            count_weights = np.asarray(count_weights, self._np_dtype)
        indices = np.asarray(inputs)
        if indices.dtype.kind == "f":
            indices = indices.astype(np.int64)
        outputs = encoding.encode(
            indices, self.output_mode, self.num_tokens, self._np_dtype, count_weights)
        return outputs, None

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if not input_shape:
            return (self.num_tokens,)
        if self.output_mode == "one_hot" and (input_shape[-1] != 1 or len(input_shape) == 1):
            return (*input_shape, self.num_tokens)
        return (*input_shape[:-1], self.num_tokens)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode}
