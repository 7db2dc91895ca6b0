"""`ZeroPadding2D`, `ZeroPadding3D`: zeros added around the spatial axes."""

import numpy as np

from minikeras.layers import spatial
from minikeras.layers.spatial import SpatialLayer
from minikeras.saving import registry


class BaseZeroPadding(SpatialLayer):
    """Pad each spatial axis with `(before, after)` zeros.

    Args:
        padding: an int (every side), `rank` ints (both sides of each axis), or `rank` pairs.
        data_format: "channels_last" (default) or "channels_first".
    """

    _keeps_integer_inputs = _moves_values = True  # Keras 3 keeps integers integers

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = spatial.standardize_data_format(data_format)
        self.padding = spatial.standardize_margins(padding, self.rank, "padding")
        self.built = True

    def _interior(self, input_shape):
        _, sizes, _ = spatial.split_shape(input_shape, self.data_format)
        return spatial.spatial_index(
            [slice(b, b + n) for (b, _), n in zip(self.padding, sizes)], self.data_format)

    def forward(self, inputs, training=False):
        out = np.zeros(self.compute_output_shape(inputs.shape), inputs.dtype)
        out[self._interior(inputs.shape)] = inputs
        return out, inputs.shape

    def backward(self, input_shape, grad, grads):
        return grad[self._interior(input_shape)]

    def compute_output_shape(self, input_shape):
        batch, sizes, channels = spatial.split_shape(input_shape, self.data_format)
        sizes = [None if n is None else n + b + a for n, (b, a) in zip(sizes, self.padding)]
        return spatial.join_shape(batch, sizes, channels, self.data_format)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding,
                "data_format": self.data_format}


@registry.register("layer", module="keras.layers")
class ZeroPadding2D(BaseZeroPadding):
    """Zero padding of rows and columns (see `BaseZeroPadding`)."""

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


@registry.register("layer", module="keras.layers")
class ZeroPadding3D(BaseZeroPadding):
    """Zero padding of three spatial axes (see `BaseZeroPadding`)."""

    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)
