"""`GlobalAveragePooling1D`: the mean over the steps, of the unmasked steps when masked."""

import numpy as np

from minikeras.layers.pooling.base_global_pooling1d import GlobalPooling1D
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class GlobalAveragePooling1D(GlobalPooling1D):
    """Average each feature over the steps axis. With a mask (e.g. from
    `Embedding(mask_zero=True)`), only the steps where it is True are averaged; the output
    carries no mask.

    Args: see `GlobalPooling1D` (`data_format`, `keepdims`).
    """

    def forward(self, inputs, training=False, mask=None):
        axis = self._steps_axis
        if mask is None:
            outputs = np.mean(inputs, axis=axis, keepdims=self.keepdims)
            return outputs, (inputs.shape, None, inputs.shape[axis])
        kept = np.asarray(mask, bool)
        flags = kept.astype(inputs.dtype)  # (what a division by the counts casts the mask to)
        counts = _step_counts(kept, flags)
        with np.errstate(invalid="ignore", divide="ignore"):  # no step kept: NaN, as Keras
            weights = flags / counts
        # A weighted sum over the steps as one batched product, (1, steps) @ (steps, features).
        if axis == 1:
            outputs = np.matmul(weights[:, None, :], inputs)
        else:
            outputs = np.matmul(inputs, weights[:, :, None])
        if not np.isfinite(outputs).all():
            # As Keras, masked steps are zeroed before the sum: a NaN or inf there is no NaN.
            zeroed = np.where(np.expand_dims(kept, 3 - axis), inputs, inputs.dtype.type(0))
            outputs = np.sum(zeroed * np.expand_dims(weights, 3 - axis), axis=axis,
                             keepdims=True)
        if not self.keepdims:
            outputs = outputs[:, 0] if axis == 1 else outputs[:, :, 0]  # np.squeeze's result
        return outputs, (inputs.shape, kept, counts)

    def backward(self, ctx, grad, grads):
        if not grads.needs_input:
            return None
        input_shape, kept, counts = ctx
        if kept is None:
            return np.broadcast_to(self._spread(grad) / grad.dtype.type(counts), input_shape)
        # Keras 3 differentiates `sum(where(mask, inputs, 0)) / sum(mask)`: the output's
        # gradient over the step count at the kept steps (inf and NaN included), 0 at the others
        # (also in a sample with no step kept). Written as such, by a gather of rows (a zero
        # row for the masked steps, then each sample's share), not a product over every step
        # and feature: a third of the product's instructions. The row numbers are the mask
        # times each sample's row (one product; `np.where` costs 1.5 times as much), in the
        # narrowest unsigned integers that hold them (`_row_numbers`).
        samples = len(counts)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = grad.reshape(samples, -1) / counts.astype(grad.dtype, copy=False)
        rows = np.concatenate([np.zeros((1, share.shape[1]), share.dtype), share])
        spread = np.take(rows, _row_numbers(kept), axis=0)
        if self._steps_axis == 2:
            spread = spread.transpose(0, 2, 1)
        return spread

    def compute_mask(self, inputs, mask=None):
        return None


# The most steps whose count a float of each dtype holds exactly, every partial sum too.
_EXACT_COUNTS = {np.dtype("float16"): 2 ** 11, np.dtype("float32"): 2 ** 24,
                 np.dtype("float64"): 2 ** 53}


def _step_counts(kept, flags):
    """Each sample's count of kept steps, as a `(samples, 1)` column of the dtype of `flags`
    (the mask `kept` as 1s and 0s of the inputs' dtype): the flags summed, exact (integers
    that dtype holds exactly, every partial sum too) and so the same numbers as
    `count_nonzero` cast to it, with half its instructions (numpy counts by casting every
    flag to an int64); `count_nonzero` where a float could not hold them."""
    if kept.shape[1] <= _EXACT_COUNTS.get(flags.dtype, 0):
        return np.add.reduce(flags, axis=1, keepdims=True)
    return np.count_nonzero(kept, axis=1)[:, None].astype(flags.dtype)


def _row_numbers(kept):
    """`kept * [[1], [2], ...]`: each kept step's sample row (from 1), 0 for the others. In
    bytes (or 16-bit integers) where the samples fit, as a product of the same type: the mask
    as integers of that type, no cast of it in the product (a fifth of the int64 product's
    instructions, on a batch of 32 by 200 steps)."""
    samples = len(kept)
    for dtype in (np.uint8, np.uint16):
        if samples < np.iinfo(dtype).max:
            return kept.view(np.uint8).astype(dtype, copy=False) * np.arange(
                1, samples + 1, dtype=dtype)[:, None]
    return np.multiply(kept, np.arange(1, samples + 1)[:, None])


GlobalAvgPool1D = GlobalAveragePooling1D  # Keras' other spelling
