"""`MaxPooling1D`, `MaxPooling2D`, `MaxPooling3D`: the maximum of each window."""

from minikeras.layers.pooling.base_pooling import BaseMaxPooling
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class MaxPooling1D(BaseMaxPooling):
    """Max pooling over `(batch, steps, channels)` (see `BasePooling`)."""

    rank = 1

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


@registry.register("layer", module="keras.layers")
class MaxPooling2D(BaseMaxPooling):
    """Max pooling over `(batch, rows, cols, channels)` (see `BasePooling`)."""

    rank = 2

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


@registry.register("layer", module="keras.layers")
class MaxPooling3D(BaseMaxPooling):
    """Max pooling over `(batch, d1, d2, d3, channels)` (see `BasePooling`)."""

    rank = 3

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
