"""`Masking`: mark the timesteps whose features all equal `mask_value` as padding."""

import numpy as np

from minikeras import ops
from minikeras.core import tape
from minikeras.layers.base import Layer
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Masking(Layer):
    """Zero the timesteps (entries of the last-but-one axes) whose features all equal
    `mask_value`, and mask them out for the layers that follow.

    Args:
        mask_value: the padding value.
    """

    _single_input = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def _kept(self, inputs, keepdims):
        return np.any(np.not_equal(inputs, self.mask_value), axis=-1, keepdims=keepdims)

    def forward(self, inputs, training=False):
        kept = self._kept(inputs, keepdims=True)
        return np.where(kept, inputs, inputs.dtype.type(0)), kept

    def backward(self, kept, grad, grads):
        return grad * kept if grads.needs_input else None

    def compute_mask(self, inputs, mask=None):
        # minikeras.ops: on a symbolic input this records Keras 3's NotEqual and Any ops
        return ops.any(ops.not_equal(tape.value_of(inputs), self.mask_value), axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
