"""`RandomContrast`: each image's contrast scaled by a random factor in training."""

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class RandomContrast(BaseImagePreprocessingLayer):
    """In training, move each image's pixels away from (or towards) its per-channel mean by a
    factor drawn uniformly from `[1 - lower, 1 + upper]`, then clip to `value_range`; the
    identity at inference.

    Args:
        factor: `f` for `(lower, upper) = (0, f)` (as Keras 3 reads a single number), or
            `(lower, upper)`, in [0, 1].
        value_range: the range pixels are clipped to (default `(0, 255)`).
        seed: integer seed of the layer's generator.
    """

    _random = True
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = self._standardize_factor(factor)
        self.value_range = list(value_range)

    def _draw(self, shape):
        return self._uniform(1.0 - self.factor[0], 1.0 + self.factor[1], (shape[0], 1, 1, 1))

    def _apply(self, images, factors):
        axes = (self._height_axis, self._width_axis)
        factors = factors.astype(images.dtype)
        means = images.mean(axis=axes, keepdims=True)
        out = (images - means) * factors + means
        clipped = np.clip(out, self.value_range[0], self.value_range[1])
        return clipped, (factors, clipped == out)

    def _adjoint(self, ctx, grad):
        factors, unclipped = ctx
        grad = grad * unclipped
        axes = (self._height_axis, self._width_axis)
        return grad * factors + grad.mean(axis=axes, keepdims=True) * (1 - factors)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "value_range": self.value_range, "seed": self.seed}
