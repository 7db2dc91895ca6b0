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
            return np.mean(inputs, axis=axis, keepdims=self.keepdims), (inputs.shape, None)
        kept = np.asarray(mask, bool)
        with np.errstate(invalid="ignore", divide="ignore"):  # no step kept: NaN, as Keras
            weights = kept / np.sum(kept, axis=1, keepdims=True, dtype=inputs.dtype)
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
            outputs = np.squeeze(outputs, axis)
        return outputs, (inputs.shape, np.expand_dims(weights, 3 - axis))

    def backward(self, ctx, grad, grads):
        if not grads.needs_input:
            return None
        input_shape, weights = ctx
        grad = self._spread(grad)
        if weights is None:
            return np.broadcast_to(grad / grad.dtype.type(input_shape[self._steps_axis]),
                                   input_shape)
        return grad * weights.astype(grad.dtype, copy=False)

    def compute_mask(self, inputs, previous_mask):
        return None


GlobalAvgPool1D = GlobalAveragePooling1D  # Keras' other spelling
