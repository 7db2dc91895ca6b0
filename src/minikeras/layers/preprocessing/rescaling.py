"""`Rescaling`: `inputs * scale + offset`."""

import numpy as np

from minikeras.layers.base import Layer
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Rescaling(Layer):
    """Multiply inputs by `scale` and add `offset` (e.g. `scale=1 / 255` for pixel values).

    Args:
        scale: a float, or an array broadcast against each sample's trailing axes.
        offset: a float or array added after scaling (default 0).
    """

    _single_input = True

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def build(self, input_shape=None):
        """No weights: built on the first call, which records the input shape (the layer's
        build config), as in Keras."""

    def forward(self, inputs, training=False):
        scale = np.asarray(self.scale, self._np_dtype)
        offset = np.asarray(self.offset, self._np_dtype)
        return inputs.astype(self._np_dtype, copy=False) * scale + offset, scale

    def backward(self, scale, grad, grads):
        if not grads.needs_input:
            return None
        return grad * scale

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "scale": _plain(self.scale), "offset": _plain(self.offset)}


def _plain(value):
    """A scale or offset as JSON holds it (arrays as lists)."""
    return np.asarray(value).tolist() if isinstance(value, np.ndarray) else value
