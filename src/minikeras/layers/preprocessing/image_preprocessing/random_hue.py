"""`RandomHue`: each image's hue turned by a random amount in training."""

import numpy as np

from minikeras import ops
from minikeras.layers.preprocessing.image_preprocessing import color
from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class RandomHue(BaseImagePreprocessingLayer):
    """In training, in the range `[0, 1]`: add to each image's HSV hue (a turn being 1) half
    an amount drawn uniformly from `factor`, with a random sign, wrapped into `[0, 1]`; clip
    the RGB image to `[0, 1]` and move it back to `value_range`. The identity at inference.

    Args:
        factor: `f` for `(0, f)`, or `(lower, upper)`, in [0, 1].
        value_range: the range of the pixels (default `(0, 255)`; kept as given, as Keras
            keeps it).
        seed: integer seed of the layer's generator.
    """

    _random = True
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = self._standardize_factor(factor)
        self.value_range = value_range

    def _draw(self, shape):
        """Keras' draws: a sign per image (negative with probability 1/2), then an amount."""
        sign = np.where(self._uniform(0, 1, (shape[0],)) > 0.5, -1, 1).astype(np.float32)
        return {"factor": sign * self._uniform(self.factor[0], self.factor[1], (shape[0],))
                * np.float32(0.5)}

    def _apply(self, images, transformation):
        turns = np.asarray(transformation["factor"]).astype(images.dtype).reshape(-1, 1, 1)
        axis = color.channels_axis(self.data_format)

        def turn(x):
            hsv = ops.image.rgb_to_hsv(color.rescale(x, self.value_range, (0, 1)),
                                       data_format=self.data_format)
            hue, saturation, value = ops.unstack(hsv, axis=axis)
            hue = hue + turns
            hue = ops.where(ops.convert_to_numpy(hue) > 1.0, hue - 1.0, hue)
            hue = ops.where(ops.convert_to_numpy(hue) < 0.0, hue + 1.0, hue)
            rgb = ops.image.hsv_to_rgb(ops.stack([hue, saturation, value], axis=axis),
                                       data_format=self.data_format)
            return color.rescale(ops.clip(rgb, 0.0, 1.0), (0, 1), self.value_range)

        return color.traced(turn, images)

    def _adjoint(self, pullback, grad):
        return color.pulled_back(pullback, grad)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "value_range": self.value_range, "seed": self.seed}
