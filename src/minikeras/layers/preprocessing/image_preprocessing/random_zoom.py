"""`RandomZoom`: images zoomed in or out about their centre by random factors in training."""

import numbers

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing.affine import AffineTransformLayer
from minikeras.saving import registry


def zoom_transforms(height_zooms, width_zooms, height, width):
    """The transforms scaling images of `(height, width)` about their centre: a zoom above 1
    reads a larger window (zooms out), as Keras 3 builds them."""
    zy = np.asarray(height_zooms, np.float32)
    zx = np.asarray(width_zooms, np.float32)
    zeros = np.zeros_like(zx)
    return np.stack([zx, zeros, np.float32((width - 1) / 2) * (1 - zx), zeros, zy,
                     np.float32((height - 1) / 2) * (1 - zy), zeros, zeros], axis=1)


def factor_range(factor, name, message, low_open):
    """Keras' height/width factor: `f` for `[-|f|, |f|]` or two numbers (sorted), each in
    `(-1, 1]` (`low_open`) or `[-1, 1]`."""
    def check(number):
        if number > 1.0 or number < -1.0 or (low_open and number == -1.0):
            raise ValueError(message + f"Received: input_number={number}")

    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(message + f"Received: {name}={factor}")
        check(factor[0])
        check(factor[1])
        return tuple(sorted(factor))
    if isinstance(factor, numbers.Real) and not isinstance(factor, bool):
        check(factor)
        return -abs(factor), abs(factor)
    raise ValueError(message + f"Received: {name}={factor}")


@registry.register("layer", module="keras.layers")
class RandomZoom(AffineTransformLayer):
    """Zoom each image by factors drawn uniformly from `1 + height_factor` (rows) and
    `1 + width_factor` (columns; the rows' factor if None, keeping the aspect ratio) in
    training; a positive factor zooms out. The identity at inference.

    Args:
        height_factor, width_factor: `f` for `[-f, f]` or `(lower, upper)`, in (-1, 1].
        fill_mode, interpolation, seed, fill_value, data_format: as RandomRotation's.
    """

    _MESSAGE = ("The `height_factor` and `width_factor` arguments should be a number (or a "
                "list of two numbers) in the range (-1.0, 1.0]. ")

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        self.height_factor, self.width_factor = height_factor, width_factor
        self._height_range = factor_range(height_factor, "height_factor", self._MESSAGE, True)
        self._width_range = None if width_factor is None else factor_range(
            width_factor, "width_factor", self._MESSAGE, True)
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)

    def _draw_transforms(self, batch, height, width):
        low, high = self._height_range
        height_zooms = self._uniform(1.0 + low, 1.0 + high, (batch,))
        width_zooms = height_zooms
        if self._width_range is not None:
            low, high = self._width_range
            width_zooms = self._uniform(1.0 + low, 1.0 + high, (batch,))
        return zoom_transforms(height_zooms, width_zooms, height, width)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}
