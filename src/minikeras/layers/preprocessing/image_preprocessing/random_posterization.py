"""`RandomPosterization`: each image's pixels kept to a random number of bits in training."""

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing import color
from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.saving import registry

_BITS = 8


@registry.register("layer", module="keras.layers")
class RandomPosterization(BaseImagePreprocessingLayer):
    """In training, in the range `(0, 255)`: truncate each image's pixels to 8-bit integers
    and keep their top `bits` bits, `bits` drawn per image from the integers of
    `[lower, upper)` (`lower` itself when the two are equal, as Keras draws them); the
    identity at inference. Piecewise constant: its gradient is zero.

    Args:
        factor: `f` for `(1, f)`, or `(lower, upper)`, in [1, 8].
        value_range: the range of the pixels (default `(0, 255)`).
        seed: integer seed of the layer's generator.
    """

    _random = True
    _FACTOR_BOUNDS = (1, 8)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = self._standardize_factor(factor)
        self.value_range = color.standardize_value_range(value_range)

    def _draw(self, shape):
        low, high = self.factor
        if low != high:
            bits = self._rng.integers(int(low), int(high), shape[0]).astype(np.uint8)
        else:
            bits = np.full(shape[0], low, np.uint8)
        return {"shift_factor": (_BITS - bits).astype(np.uint8)}

    def _apply(self, images, transformation):
        shift = np.asarray(transformation["shift_factor"]).astype(np.uint8).reshape(-1, 1, 1, 1)
        pixels = color.rescale(images, self.value_range, (0, 255))
        # cast to 8 bits as Keras casts them: truncated (pixels outside the range clipped)
        pixels = np.clip(np.nan_to_num(pixels), 0, 255).astype(np.uint8)
        kept = np.left_shift(np.right_shift(pixels, shift), shift).astype(images.dtype)
        return color.rescale(kept, (0, 255), self.value_range), True

    def _adjoint(self, ctx, grad):
        return np.zeros_like(grad)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "value_range": self.value_range, "seed": self.seed}
