"""`AutoContrast`: each image's channels stretched to the whole value range."""

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing import color
from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.saving import registry

# The axes Keras 3.15 takes each minimum and maximum over: a batch's axes 1 and 2, the height
# and width in channels_last (in channels_first, the channels and height: as Keras).
_AXES = (1, 2)


@registry.register("layer", module="keras.layers")
class AutoContrast(BaseImagePreprocessingLayer):
    """Map, linearly, each image's per-channel minimum to `value_range[0]` and maximum to
    `value_range[1]` (computed in `(0, 255)`, then clipped); a constant channel (whose
    stretch is not a number) keeps its pixels. In training and at inference alike.

    Args:
        value_range: the range of the pixels (default `(0, 255)`).
    """

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = color.standardize_value_range(value_range)

    def _transform(self, images):
        dtype = images.dtype.type
        pixels = color.rescale(images, self.value_range, (0, 255))
        low = pixels.min(axis=_AXES, keepdims=True)
        high = pixels.max(axis=_AXES, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = dtype(255) / (high - low)
            stretched = pixels * scale + (-low * scale)
        out = color.rescale(np.clip(stretched, dtype(0), dtype(255)), (0, 255),
                            self.value_range)
        constant = np.isnan(out)
        return np.where(constant, images, out), (images, constant)

    def _adjoint(self, ctx, grad):
        """`out = v0 + (v1 - v0) (x - low) / (high - low)`, its minimum and maximum each
        shared among the pixels that reach it (as TensorFlow shares them)."""
        images, constant = ctx
        dtype = images.dtype.type
        low = images.min(axis=_AXES, keepdims=True)
        high = images.max(axis=_AXES, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            span = high - low
            width = dtype(self.value_range[1] - self.value_range[0])
            stretch = np.where(constant, 0, grad) * width / span
            through_low = (stretch * (images - high) / span).sum(axis=_AXES, keepdims=True)
            through_high = -(stretch * (images - low) / span).sum(axis=_AXES, keepdims=True)
        at_low, at_high = images == low, images == high
        out = (stretch
               + at_low * through_low / at_low.sum(axis=_AXES, keepdims=True)
               + at_high * through_high / at_high.sum(axis=_AXES, keepdims=True))
        return np.where(constant, grad, out).astype(images.dtype)

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range}
