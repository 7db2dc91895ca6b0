"""`RandomSharpness`: each image sharpened (or blurred) by a random amount in training."""

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing import color
from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.saving import registry

# The smoothing kernel's centre and its eight neighbours (it sums to 1)
_CENTRE, _NEIGHBOUR = 5.0 / 13.0, 1.0 / 13.0


@registry.register("layer", module="keras.layers")
class RandomSharpness(BaseImagePreprocessingLayer):
    """In training, blend each image with its smoothing (a 3x3 kernel, `5/13` at the centre
    and `1/13` around it, zero-padded at the borders): `s * image + (1 - s) * smoothed`, `s`
    twice an amount drawn uniformly from `factor` (`s < 1` blurs, `s > 1` sharpens), clipped
    to `value_range`; the identity at inference.

    Args:
        factor: `f` for `(0, f)`, or `(lower, upper)`, in [0, 1].
        value_range: the range of the pixels (default `(0, 255)`).
        seed: integer seed of the layer's generator.
    """

    _random = True
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = self._standardize_factor(factor)
        self.value_range = color.standardize_value_range(value_range)

    def _draw(self, shape):
        return {"factor": self._uniform(self.factor[0], self.factor[1], (shape[0],))}

    def _smooth(self, images):
        """The images' smoothing (the kernel is symmetric: also its adjoint)."""
        heights, widths = self._height_axis % 4, self._width_axis % 4
        pad = [(0, 0)] * 4
        pad[heights] = pad[widths] = (1, 1)
        padded = np.pad(images, pad)
        height, width = images.shape[heights], images.shape[widths]
        total = np.zeros_like(images)
        for row in range(3):
            for column in range(3):
                window = np.take(np.take(padded, range(row, row + height), heights),
                                 range(column, column + width), widths)
                weight = _CENTRE if (row, column) == (1, 1) else _NEIGHBOUR
                total += images.dtype.type(weight) * window
        return total

    def _apply(self, images, transformation):
        sharpness = (np.asarray(transformation["factor"]) * 2).astype(
            images.dtype).reshape(-1, 1, 1, 1)
        out = images + (1 - sharpness) * (self._smooth(images) - images)
        clipped = np.clip(out, *(images.dtype.type(v) for v in self.value_range))
        return clipped, (sharpness, clipped == out)

    def _adjoint(self, ctx, grad):
        sharpness, unclipped = ctx
        grad = grad * unclipped
        return sharpness * grad + (1 - sharpness) * self._smooth(grad)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "value_range": self.value_range, "seed": self.seed}
