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
        kept = np.expand_dims(np.asarray(mask, bool), 2 if axis == 1 else 1)
        count = np.sum(kept, axis=axis, keepdims=True, dtype=inputs.dtype)
        # As Keras: masked steps are zeroed (so that a NaN there does not spread), summed, and
        # divided by the number of kept steps.
        total = np.sum(np.where(kept, inputs, inputs.dtype.type(0)), axis=axis, keepdims=True)
        outputs = total / count
        weights = kept / count
        if not self.keepdims:
            outputs = np.squeeze(outputs, axis)
        return outputs, (inputs.shape, weights)

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
