"""`RandomColorDegeneration`: each image moved towards its grayscale in training."""

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing import color
from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class RandomColorDegeneration(BaseImagePreprocessingLayer):
    """In training, move each image a fraction `f` of the way to its grayscale (its luma in
    every channel), `f` drawn uniformly from `factor`, then clip to `value_range`; the
    identity at inference.

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
        return {"factor": self._uniform(self.factor[0], self.factor[1], (shape[0], 1, 1, 1))}

    def _apply(self, images, transformation):
        factors = np.asarray(transformation["factor"]).astype(images.dtype)
        out = images + factors * (color.luma(images, self.data_format) - images)
        clipped = np.clip(out, *(images.dtype.type(v) for v in self.value_range))
        return clipped, (factors, clipped == out, images.shape)

    def _adjoint(self, ctx, grad):
        factors, unclipped, shape = ctx
        grad = grad * unclipped
        axis = color.channels_axis(self.data_format)
        to_gray = (grad * factors).sum(axis=axis, keepdims=True)
        return grad * (1 - factors) + color.luma_adjoint(to_gray, self.data_format, shape[axis])

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "value_range": self.value_range, "seed": self.seed}
