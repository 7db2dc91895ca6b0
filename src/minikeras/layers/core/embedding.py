"""`Embedding`: integer indices to rows of a trainable matrix."""

import warnings

import numpy as np

from minikeras import constraints, initializers, ops, regularizers
from minikeras.core import tape
from minikeras.core.tensor import Tensor
from minikeras.layers.base import Layer
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Embedding(Layer):
    """Map each integer index `i` in `[0, input_dim)` to row `i` of the `embeddings` matrix
    `(input_dim, output_dim)`: `(batch, ...)` indices give `(batch, ..., output_dim)`.

    Float inputs are truncated to integers, as Keras casts them. The matrix's gradient is a
    scatter-add of the output's gradient into the rows that were looked up.

    Args:
        input_dim: the vocabulary size (a positive int).
        output_dim: the size of each embedding vector (a positive int).
        embeddings_initializer, embeddings_regularizer, embeddings_constraint: those of the
            matrix.
        mask_zero: whether index 0 is padding: the output then carries a mask (False where the
            input is 0) that later layers honour, so index 0 should not be a real token.
        weights: an initial matrix (or a one-item list of it), as Keras accepts.
        input_length: Keras 2's sequence length; accepted with Keras 3's deprecation warning.
    """

    _saves_built_weights_only = True  # see `Layer.save_own_variables`

    _keeps_integer_inputs = True
    _single_input = True

    def __init__(
        self,
        input_dim,
        output_dim,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        weights=None,
        lora_rank=None,
        lora_alpha=None,
        quantization_config=None,
        **kwargs,
    ):
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f"`{name}` must be a positive integer. Received: {name}={value} (of type "
                    f"{type(value).__name__})."
                )
        if lora_rank is not None or quantization_config is not None:
            raise ValueError("minikeras' Embedding does not support LoRA or quantization.")
        if kwargs.pop("input_length", None) is not None:
            warnings.warn("Argument `input_length` is deprecated. Just remove it.", stacklevel=2)
        kwargs.pop("sparse", None)  # Keras 2: how TensorFlow held the gradient, nothing more
        super().__init__(**kwargs)
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self._embeddings = None
        if weights is not None:
            self.build()
            self.set_weights(weights if isinstance(weights, list) and len(weights) == 1
                             else [weights])

    def build(self, input_shape=None):
        self._embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
            name="embeddings",
        )

    @property
    def embeddings(self):
        if self._embeddings is None:
            raise AttributeError("You must build the layer before accessing `embeddings`.")
        return self._embeddings

    def forward(self, inputs, training=False):
        indices = inputs if inputs.dtype.kind in "iu" else inputs.astype(np.int32)
        # (the table's own take: what np.take calls, without its Python wrapper)
        return self._embeddings.value.take(indices, axis=0), indices

    def backward(self, indices, grad, grads):
        embeddings = self._embeddings
        if grads.wants(embeddings):
            total = grads.buffer(embeddings)
            if total is None:
                total = np.zeros(embeddings.shape, embeddings.value.dtype)
            else:
                _zero(total)
            # With `mask_zero`, the padded steps' gradients are usually zero (the layers that
            # honour the mask give them none), and skipping them pays for the check.
            _scatter_add(total, indices, grad, skip_zero_rows=self.mask_zero)
            grads.add(embeddings, total)
        return None  # indices have no gradient

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        if type(inputs) is np.ndarray:  # a call's ids: what ops.not_equal gives, without it
            return np.not_equal(inputs, 0).view(Tensor)
        # minikeras.ops: on a symbolic input this records Keras 3's NotEqual op in the graph
        return ops.not_equal(tape.value_of(inputs), 0)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape), self.output_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        }


# Two float32 values viewed as one complex64 add as two float32 additions: the same numbers in
# half the scattered elements (and likewise float64 pairs as complex128).
_PAIRS = {np.dtype(np.float32): np.complex64, np.dtype(np.float64): np.complex128}


def _scatter_add(table, rows, updates, skip_zero_rows=False):
    """`table[rows[i]] += updates[i]` for every looked-up row, repeated rows summed in order.

    A scatter-add without a one-hot matrix: one `np.add.at` per column (per pair of columns,
    viewed as complex numbers), all sharing one index array. `np.add.at` on one-dimensional
    arrays is numpy's fast path: in callgrind instructions this is 0.4 times one `bincount`
    per column (float64 temporaries and strided copies) and 0.7 times one `np.add.at` over
    the flattened cells `row * width + column` (whose index array costs as much to build as
    the scatter). Negative rows wrap, as `np.take`'s do.

    `skip_zero_rows`: leave out the updates whose every value is zero (either sign), which
    changes no bit of a `table` that starts at +0: a sum begun at +0 never becomes -0 (x + y
    rounds to -0 only when both are -0), and s + ±0 is s for every other s, NaN and inf
    included. `np.add.at` costs about 26 instructions per element, the check and the compaction
    about 7 per row kept."""
    width = table.shape[1]
    updates = np.ascontiguousarray(updates, dtype=table.dtype).reshape(-1, width)
    rows = rows.reshape(-1)
    if skip_zero_rows:
        live = _rows_with_nonzeros(updates)
        if live is not None:
            rows, updates = rows[live], np.compress(live, updates, axis=0)
    rows = rows.astype(np.intp, copy=False)  # once for every column (after the compaction)
    pair = _PAIRS.get(table.dtype) if width % 2 == 0 else None
    if pair is not None:
        table, updates = table.view(pair), updates.view(pair)
    for column in range(table.shape[1]):
        np.add.at(table[:, column], rows, updates[:, column])


def _zero(array):
    """`array.fill(0)`, 16 bytes at a time where the array allows it: numpy fills a complex128
    view of a float32 table in two thirds of the time it takes filling float32s (all-zero bytes
    are +0 in every float dtype)."""
    if array.flags.c_contiguous and array.nbytes % 16 == 0:
        array = array.reshape(-1).view(np.complex128)
    array.fill(0)


def _rows_with_nonzeros(updates):
    """Which rows of the contiguous 2-D `updates` hold a value other than ±0 (NaN counts), as
    booleans, or None when every row does."""
    nonzero = np.not_equal(updates, 0)
    if nonzero.shape[1] % 8:
        live = nonzero.any(axis=1)
    else:
        # Eight flags to a 64-bit word: or-ing a row's words is `any` over the row, without a
        # reduction along a short axis (which costs numpy an inner loop call per row).
        words = nonzero.view(np.uint64)
        live = words[:, 0]
        for column in range(1, words.shape[1]):
            live = np.bitwise_or(live, words[:, column], out=None if column == 1 else live)
        live = live.astype(bool)
    return None if live.all() else live
