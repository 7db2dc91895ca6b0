"""`RandomSaturation`: each image's saturation scaled by a random factor in training."""

import numpy as np

from minikeras import backend, ops
from minikeras.layers.preprocessing.image_preprocessing import color
from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class RandomSaturation(BaseImagePreprocessingLayer):
    """In training, multiply each image's HSV saturation by `f / (1 - f)`, `f` drawn uniformly
    from `factor` (0.5 leaves the image as it is, 0 makes it grayscale, 1 saturates it),
    clipped to `value_range`; the identity at inference.

    As Keras 3.15 does, the images go to HSV as they are (not moved to `[0, 1]`) and the
    saturation is clipped to `value_range`.

    Args:
        factor: `f` for `(-f, f)`, or `(lower, upper)`, in [-1, 1].
        value_range: the range of the pixels (default `(0, 255)`).
        seed: integer seed of the layer's generator.
    """

    _random = True

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = self._standardize_factor(factor)
        self.value_range = color.standardize_value_range(value_range)

    def _draw(self, shape):
        factor = self._uniform(self.factor[0], self.factor[1], (shape[0],))
        return {"factor": factor / (1 - factor + np.float32(backend.epsilon()))}

    def _apply(self, images, transformation):
        factors = np.asarray(transformation["factor"]).astype(images.dtype).reshape(-1, 1, 1)
        axis = color.channels_axis(self.data_format)

        def saturate(x):
            hue, saturation, value = ops.unstack(
                ops.image.rgb_to_hsv(x, data_format=self.data_format), axis=axis)
            saturation = ops.clip(saturation * factors, *self.value_range)
            return ops.image.hsv_to_rgb(ops.stack([hue, saturation, value], axis=axis),
                                        data_format=self.data_format)

        return color.traced(saturate, images)

    def _adjoint(self, pullback, grad):
        return color.pulled_back(pullback, grad)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "value_range": self.value_range, "seed": self.seed}
