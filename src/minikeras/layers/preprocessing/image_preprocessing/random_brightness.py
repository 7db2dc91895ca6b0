"""`RandomBrightness`: a random amount added to each image in training."""

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class RandomBrightness(BaseImagePreprocessingLayer):
    """In training, add to each image a fraction of `value_range`'s width drawn uniformly from
    `factor`, then clip to `value_range`; the identity at inference.

    Args:
        factor: `f` for `[-f, f]`, or `(lower, upper)`, in [-1, 1].
        value_range: the range of the pixels (default `(0, 255)`).
        seed: integer seed of the layer's generator.
    """

    _random = True

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = self._standardize_factor(factor)
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError(
                "The `value_range` argument should be a list of two numbers. "
                f"Received: value_range={value_range}")
        self.value_range = sorted(value_range)

    def _draw(self, shape):
        deltas = self._uniform(self.factor[0], self.factor[1], (shape[0], 1, 1, 1))
        return deltas * np.float32(self.value_range[1] - self.value_range[0])

    def _apply(self, images, deltas):
        out = images + deltas.astype(images.dtype)
        clipped = np.clip(out, self.value_range[0], self.value_range[1])
        return clipped, clipped == out

    def _adjoint(self, unclipped, grad):
        return grad * unclipped

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "value_range": self.value_range, "seed": self.seed}
