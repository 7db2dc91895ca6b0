"""`Solarization`: pixels above a threshold inverted, in training."""

import numbers

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing import color
from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.saving import registry

_FACTOR_ERROR = ("The `addition_factor` and `threshold_factor` arguments should be a number "
                 "(or a list of two numbers) in the range [0, 1]. ")


@registry.register("layer", module="keras.layers")
class Solarization(BaseImagePreprocessingLayer):
    """In training, in the range `(0, 255)`: add to each image an amount drawn from
    `addition_factor`, clip, and invert (`255 - pixel`) the pixels not below a threshold drawn
    from `threshold_factor`; the identity at inference. With the defaults every pixel is
    inverted.

    Keras 3.15 draws the addition from `[lower, 255 * upper]` and the threshold likewise (the
    lower ends unscaled): so does minikeras.

    Args:
        addition_factor: `f` for `(0, f)`, or `(lower, upper)`, in [0, 1] (default 0).
        threshold_factor: `f` for `(0, f)`, or `(lower, upper)`, in [0, 1] (default 0).
        value_range: the range of the pixels (default `(0, 255)`).
        seed: integer seed of the layer's generator.
    """

    _random = True

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.addition_factor = self._solarization_factor(addition_factor, "addition_factor")
        self.threshold_factor = self._solarization_factor(threshold_factor, "threshold_factor")
        self.value_range = color.standardize_value_range(value_range)

    @staticmethod
    def _solarization_factor(factor, name):
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise ValueError(_FACTOR_ERROR + f"Received: {name}={factor}")
            bounds = factor
        elif isinstance(factor, numbers.Real):
            bounds = (0, factor)
        else:
            raise ValueError(_FACTOR_ERROR + f"Received: {name}={factor}")
        for number in bounds:
            if number > 1.0 or number < 0:
                raise ValueError(_FACTOR_ERROR + f"Received: input_number={number}")
        return tuple(sorted(bounds))

    def _draw(self, shape):
        size = (shape[0], 1, 1, 1)
        return {"additions": self._uniform(self.addition_factor[0],
                                           self.addition_factor[1] * 255, size),
                "thresholds": self._uniform(self.threshold_factor[0],
                                            self.threshold_factor[1] * 255, size)}

    def _apply(self, images, transformation):
        dtype = images.dtype
        additions = np.asarray(transformation["additions"]).astype(dtype)
        thresholds = np.asarray(transformation["thresholds"]).astype(dtype)
        shifted = color.rescale(images, self.value_range, (0, 255)) + additions
        clipped = np.clip(shifted, dtype.type(0), dtype.type(255))
        kept = clipped < thresholds
        out = np.where(kept, clipped, dtype.type(255) - clipped)
        return color.rescale(out, (0, 255), self.value_range), np.where(
            clipped == shifted, np.where(kept, 1, -1), 0).astype(dtype)

    def _adjoint(self, slope, grad):
        return grad * slope  # the two rescalings' factors cancel

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "addition_factor": self.addition_factor,
                "threshold_factor": self.threshold_factor, "seed": self.seed}
