"""`Cropping2D`, `Cropping3D`: positions removed from both ends of the spatial axes."""

import numpy as np

from minikeras.layers import spatial
from minikeras.layers.spatial import SpatialLayer
from minikeras.saving import registry


class BaseCropping(SpatialLayer):
    """Remove `(before, after)` positions from each spatial axis.

    Args:
        cropping: an int (every side), `rank` ints (both sides of each axis), or `rank` pairs.
        data_format: "channels_last" (default) or "channels_first".
    """

    _keeps_integer_inputs = _moves_values = True  # Keras 3 keeps integers integers

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = spatial.standardize_data_format(data_format)
        self.cropping = spatial.standardize_margins(cropping, self.rank, "cropping")
        self.built = True

    def _kept(self, input_shape):
        _, sizes, _ = spatial.split_shape(input_shape, self.data_format)
        return spatial.spatial_index(
            [slice(b, n - a) for (b, a), n in zip(self.cropping, sizes)], self.data_format)

    def forward(self, inputs, training=False):
        self.compute_output_shape(inputs.shape)  # refuses crops larger than the input
        return inputs[self._kept(inputs.shape)], inputs.shape

    def backward(self, input_shape, grad, grads):
        out = np.zeros(input_shape, grad.dtype)
        out[self._kept(input_shape)] = grad
        return out

    def compute_output_shape(self, input_shape):
        batch, sizes, channels = spatial.split_shape(input_shape, self.data_format)
        kept = [None if n is None else n - b - a for n, (b, a) in zip(sizes, self.cropping)]
        if any(k is not None and k <= 0 for k in kept):
            raise ValueError(
                "Values in `cropping` argument should be smaller than the corresponding "
                f"spatial dimension of the input. Received: input_shape={tuple(input_shape)}, "
                f"cropping={self.cropping}")
        return spatial.join_shape(batch, kept, channels, self.data_format)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": self.data_format}


@registry.register("layer", module="keras.layers")
class Cropping2D(BaseCropping):
    """Cropping of rows and columns (see `BaseCropping`)."""

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


@registry.register("layer", module="keras.layers")
class Cropping3D(BaseCropping):
    """Cropping of three spatial axes (see `BaseCropping`)."""

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
