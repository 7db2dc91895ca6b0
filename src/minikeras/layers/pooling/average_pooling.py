"""`AveragePooling1D`, `AveragePooling2D`, `AveragePooling3D`: the mean of each window
(`pool_size` is required, as in Keras 3)."""

from minikeras.layers.pooling.base_pooling import BaseAveragePooling
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class AveragePooling1D(BaseAveragePooling):
    """Average pooling over `(batch, steps, channels)` (see `BasePooling`)."""

    rank = 1


@registry.register("layer", module="keras.layers")
class AveragePooling2D(BaseAveragePooling):
    """Average pooling over `(batch, rows, cols, channels)` (see `BasePooling`)."""

    rank = 2


@registry.register("layer", module="keras.layers")
class AveragePooling3D(BaseAveragePooling):
    """Average pooling over `(batch, d1, d2, d3, channels)` (see `BasePooling`)."""

    rank = 3


AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
