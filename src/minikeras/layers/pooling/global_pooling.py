"""`GlobalMaxPooling2D/3D`, `GlobalAveragePooling2D/3D`: each channel reduced over all the
spatial axes."""

import math

import numpy as np

from minikeras.layers import spatial
from minikeras.layers.spatial import SpatialLayer
from minikeras.saving import registry


class BaseGlobalPooling(SpatialLayer):
    """Reduce every spatial axis: `(batch, *spatial, channels)` -> `(batch, channels)`.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: keep the spatial axes, with size 1.
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = spatial.standardize_data_format(data_format)
        self.keepdims = bool(keepdims)
        self.built = True

    def _axes(self):
        return spatial.spatial_axes(self.rank, self.data_format)

    def compute_output_shape(self, input_shape):
        axes = self._axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def _expand(self, grad):
        return grad if self.keepdims else np.expand_dims(grad, self._axes())

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class BaseGlobalAveragePooling(BaseGlobalPooling):
    """The mean of each channel over the spatial axes."""

    def forward(self, inputs, training=False):
        return np.mean(inputs, axis=self._axes(), keepdims=self.keepdims), inputs.shape

    def backward(self, input_shape, grad, grads):
        size = math.prod(input_shape[axis] for axis in self._axes())
        return np.broadcast_to(self._expand(grad) / size, input_shape).copy()


class BaseGlobalMaxPooling(BaseGlobalPooling):
    """The maximum of each channel over the spatial axes; its gradient is shared between tied
    maxima (as TensorFlow's and JAX's reductions share it)."""

    def forward(self, inputs, training=False):
        peak = np.max(inputs, axis=self._axes(), keepdims=True)
        winners = inputs == peak
        share = winners / np.sum(winners, axis=self._axes(), keepdims=True, dtype=inputs.dtype)
        return (peak if self.keepdims else np.squeeze(peak, self._axes())), share

    def backward(self, share, grad, grads):
        return share * self._expand(grad)


@registry.register("layer", module="keras.layers")
class GlobalAveragePooling2D(BaseGlobalAveragePooling):
    """Mean over rows and columns (see `BaseGlobalPooling`)."""

    rank = 2


@registry.register("layer", module="keras.layers")
class GlobalAveragePooling3D(BaseGlobalAveragePooling):
    """Mean over the three spatial axes (see `BaseGlobalPooling`)."""

    rank = 3


@registry.register("layer", module="keras.layers")
class GlobalMaxPooling2D(BaseGlobalMaxPooling):
    """Maximum over rows and columns (see `BaseGlobalPooling`)."""

    rank = 2


@registry.register("layer", module="keras.layers")
class GlobalMaxPooling3D(BaseGlobalMaxPooling):
    """Maximum over the three spatial axes (see `BaseGlobalPooling`)."""

    rank = 3


GlobalAvgPool2D, GlobalAvgPool3D = GlobalAveragePooling2D, GlobalAveragePooling3D
GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling2D, GlobalMaxPooling3D
