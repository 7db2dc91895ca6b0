"""`Flatten`: each sample as one vector, keeping the batch axis."""

import math

import numpy as np

from minikeras import backend
from minikeras.layers.reshaping.reshape import _Reshaping
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Flatten(_Reshaping):
    """Flatten each sample to one axis: `(batch, ...)` -> `(batch, prod(...))`.

    Args:
        data_format: "channels_last" (the default, from `backend.image_data_format()`) or
            "channels_first", whose channel axis (axis 1) is moved last before flattening, so
            that both orders give the same vector.
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or backend.image_data_format()
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
                f"Received: data_format={data_format}"
            )
        self.built = True

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if None in rest else math.prod(rest)
        return (input_shape[0], size)

    def forward(self, inputs, training=False):
        shape = inputs.shape
        if self._moves_channels(inputs.ndim):
            inputs = np.moveaxis(inputs, 1, -1)
        return (inputs.reshape(inputs.shape[0], -1) if inputs.ndim != 2 else inputs), shape

    def backward(self, input_shape, grad, grads):
        if not self._moves_channels(len(input_shape)):
            return grad.reshape(input_shape)
        batch, channels, *rest = input_shape
        return np.moveaxis(grad.reshape(batch, *rest, channels), -1, 1)

    def _moves_channels(self, ndim):
        return self.data_format == "channels_first" and ndim > 2

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
