"""`SpatialDropout1D/2D/3D`: drop whole feature maps (channels) rather than single entries."""

from minikeras import backend
from minikeras.layers.dropout import Dropout
from minikeras.layers.input_spec import check_ndim
from minikeras.saving import registry


class SpatialDropout(Dropout):
    """Dropout whose keep mask has one entry per sample and channel, shared along the
    `_spatial_rank` spatial axes (Keras' `BaseSpatialDropout`)."""

    _spatial_rank = None
    _single_input = True

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None, **kwargs):
        kwargs.pop("noise_shape", None)  # Keras 2's config writes noise_shape=None
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.data_format = backend.standardize_data_format(data_format)

    def _conform_input(self, x):
        return check_ndim(self, x, self._spatial_rank + 2)

    def _mask_shape(self, shape):
        spatial = (1,) * self._spatial_rank
        if self.data_format == "channels_first":
            return (shape[0], shape[1], *spatial)
        return (shape[0], *spatial, shape[-1])

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        # Keras' own: no `trainable`, and the dtype by name.
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}


@registry.register("layer", module="keras.layers")
class SpatialDropout1D(SpatialDropout):
    """Drop whole channels of `(batch, steps, channels)` inputs in training, scaling the rest
    by `1 / (1 - rate)`; the identity at inference.

    Args:
        rate: float in [0, 1], the fraction of channels dropped.
        seed: integer seed of the layer's own random generator.
    """

    _spatial_rank = 1

    def __init__(self, rate, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, "channels_last", seed=seed, name=name, dtype=dtype, **kwargs)


@registry.register("layer", module="keras.layers")
class SpatialDropout2D(SpatialDropout):
    """Drop whole channels of 4D inputs in training, scaling the rest by `1 / (1 - rate)`.

    Args:
        rate: float in [0, 1], the fraction of channels dropped.
        data_format: "channels_last" `(batch, rows, cols, channels)` or "channels_first"; by
            default `backend.image_data_format()`.
        seed: integer seed of the layer's own random generator.
    """

    _spatial_rank = 2

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


@registry.register("layer", module="keras.layers")
class SpatialDropout3D(SpatialDropout2D):
    """Drop whole channels of 5D inputs in training, scaling the rest by `1 / (1 - rate)`.

    Args: as SpatialDropout2D's, for `(batch, dim1, dim2, dim3, channels)` inputs.
    """

    _spatial_rank = 3

