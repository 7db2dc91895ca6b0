"""`Conv1D`, `Conv2D`, `Conv3D`: the convolution of `BaseConv` over 1, 2 or 3 spatial axes."""

from minikeras.layers.convolutional.base_conv import BaseConv
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Conv1D(BaseConv):
    """1D convolution over `(batch, steps, channels)` (see `BaseConv` for the arguments;
    `padding="causal"` pads before the steps only)."""

    rank = 1


@registry.register("layer", module="keras.layers")
class Conv2D(BaseConv):
    """2D convolution over `(batch, rows, cols, channels)` (see `BaseConv`)."""

    rank = 2


@registry.register("layer", module="keras.layers")
class Conv3D(BaseConv):
    """3D convolution over `(batch, d1, d2, d3, channels)` (see `BaseConv`)."""

    rank = 3


Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
