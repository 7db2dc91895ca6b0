"""`RandomTranslation`: images shifted by random fractions of their size in training."""

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing.affine import AffineTransformLayer
from minikeras.layers.preprocessing.image_preprocessing.random_zoom import factor_range
from minikeras.saving import registry


def translation_transforms(row_shifts, column_shifts):
    """The transforms moving images down by `row_shifts` and right by `column_shifts`
    pixels (one each per image)."""
    dy = np.asarray(row_shifts, np.float32)
    dx = np.asarray(column_shifts, np.float32)
    ones, zeros = np.ones_like(dx), np.zeros_like(dx)
    return np.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)


@registry.register("layer", module="keras.layers")
class RandomTranslation(AffineTransformLayer):
    """Shift each image by fractions of its height and width drawn uniformly from
    `height_factor` and `width_factor` in training (positive: down and right); the identity
    at inference.

    Args:
        height_factor, width_factor: `f` for `[-f, f]` or `(lower, upper)`, in [-1, 1].
        fill_mode, interpolation, seed, fill_value, data_format: as RandomRotation's.
    """

    _MESSAGE = ("The `factor` argument should be a number (or a list of two numbers) in the "
                "range [-1.0, 1.0]. ")

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        self.height_factor, self.width_factor = height_factor, width_factor
        self._height_range = factor_range(height_factor, "height_factor", self._MESSAGE, False)
        self._width_range = factor_range(width_factor, "width_factor", self._MESSAGE, False)
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)

    def _draw_transforms(self, batch, height, width):
        rows = self._uniform(*self._height_range, (batch,)) * np.float32(height)
        columns = self._uniform(*self._width_range, (batch,)) * np.float32(width)
        return translation_transforms(rows, columns)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}
