"""`GlobalMaxPooling1D`: the maximum over the steps."""

import numpy as np

from minikeras.layers.pooling.base_global_pooling1d import GlobalPooling1D
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class GlobalMaxPooling1D(GlobalPooling1D):
    """Take each feature's maximum over the steps axis. As in Keras 3, a mask is not taken
    into account (masked steps count too).

    Args: see `GlobalPooling1D` (`data_format`, `keepdims`).
    """

    def forward(self, inputs, training=False):
        outputs = np.max(inputs, axis=self._steps_axis, keepdims=True)
        return (outputs if self.keepdims else np.squeeze(outputs, self._steps_axis)), (
            inputs, outputs)

    def backward(self, ctx, grad, grads):
        if not grads.needs_input:
            return None
        inputs, outputs = ctx
        # As TensorFlow: the gradient is shared equally between the steps tied for the max.
        winners = inputs == outputs
        share = winners / np.sum(winners, axis=self._steps_axis, keepdims=True,
                                 dtype=grad.dtype)
        return self._spread(grad) * share


GlobalMaxPool1D = GlobalMaxPooling1D  # Keras' other spelling
