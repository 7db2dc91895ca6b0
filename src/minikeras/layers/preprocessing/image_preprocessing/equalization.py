"""`Equalization`: each channel's histogram equalized, in training."""

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing import color
from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Equalization(BaseImagePreprocessingLayer):
    """In training, in the range `(0, 255)`: map each channel's pixels through the cumulative
    histogram of that channel (`bins` bins of `(0, 255)`, over the whole batch, as Keras 3.15
    counts them), so that its values spread evenly over `(0, 255)`, rounded; a channel whose
    pixels fall in one bin is kept. The identity at inference (as Keras). Piecewise constant:
    its gradient is zero (the identity's for a kept channel).

    Args:
        value_range: the range of the pixels (default `(0, 255)`).
        bins: the number of bins of the histograms (default 256).
        data_format: `"channels_last"` or `"channels_first"`.
    """

    _random = True  # no draws: it only equalizes in training

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.bins = bins
        self.value_range = color.standardize_value_range(value_range)

    def _draw(self, shape):
        return None

    def _apply(self, images, transformation):
        axis = color.channels_axis(self.data_format)
        channels, kept = [], []
        for channel in np.moveaxis(images, axis, 0):
            out, same = self._equalize(channel)
            channels.append(out)
            kept.append(same)
        out = np.stack(channels, axis=axis).astype(images.dtype)
        shape = [1, 1, 1, 1]
        shape[axis] = len(kept)
        return out, np.array(kept).reshape(shape)

    def _equalize(self, channel):
        """A channel (of every image) equalized, and whether it is kept as it is."""
        dtype = channel.dtype.type
        pixels = color.rescale(channel, self.value_range, (0, 255)).astype(np.float32)
        bins = self.bins
        indices = np.clip((pixels * np.float32(bins - 1) / np.float32(255)).astype(np.int32),
                          0, bins - 1)
        histogram = np.bincount(indices.reshape(-1), minlength=bins)
        if np.count_nonzero(histogram) <= 1:
            return channel, True
        cdf = np.cumsum(histogram)
        lowest = cdf[np.nonzero(cdf)[0][0]]
        denominator = (cdf[-1] - lowest) or 1
        lookup = np.clip(np.round((cdf - lowest) * 255 / denominator), 0, 255)
        positions = np.clip((pixels / np.float32(255.0)) * np.float32(bins - 1), 0, bins - 1)
        equalized = lookup[positions.astype(np.int32)].astype(channel.dtype)
        return color.rescale(equalized, (0, 255), self.value_range).astype(dtype), False

    def _adjoint(self, kept, grad):
        return grad * kept

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range, "bins": self.bins}
