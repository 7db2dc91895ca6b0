"""`RandomErasing`: a random box of some images replaced by noise or a constant in training."""

import numbers

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.layers.preprocessing.image_preprocessing.boxes import box_bounds, box_masks
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class RandomErasing(BaseImagePreprocessingLayer):
    """In training, erase a box of each image with a probability drawn from `factor`: the box's
    sides are `sqrt(s)` of the image's, `s` drawn uniformly from `scale` for each side, at a
    uniform position; the erased pixels become `fill_value` (or, for None, normal noise
    times `value_range[1]`), clipped to `value_range`. The identity at inference.

    Args:
        factor: the probability of erasing an image: `f` for `[0, f]` (each image's drawn from
            it), or `(lower, upper)`, in [0, 1] (default 1).
        scale: the range of the squared side fractions, in [0, 1] (default `(0.02, 0.33)`).
        fill_value: a number, three numbers (per channel, channels last) or None (noise).
        value_range: the range of the pixels (default `(0, 255)`).
        seed: integer seed of the layer's generator.
        data_format: "channels_last" (default) or "channels_first".
    """

    _random = True
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255),
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = self._standardize_factor(factor)
        self.scale = self._standardize_factor(scale, "scale")
        self.fill_value = fill_value
        self.value_range = value_range

    def _draw(self, shape):
        batch = shape[0]
        height, width = shape[self._height_axis], shape[self._width_axis]
        ratios = np.sqrt(self._uniform(self.scale[0], self.scale[1], (batch, 2)))
        columns = box_bounds(self._rng, ratios[:, 0], width)
        rows = box_bounds(self._rng, ratios[:, 1], height)
        probability = self._uniform(self.factor[0], self.factor[1], (batch,))
        return {"apply_erasing": self._uniform(0.0, 1.0, (batch,)) < probability,
                "batch_masks": box_masks(shape, columns, rows, self.data_format),
                "fill_value": self._fill(shape)}

    def _fill(self, shape):
        fill = self.fill_value
        if fill is None:
            fill = self._rng.standard_normal(shape).astype(np.float32) * np.float32(
                self.value_range[1])
        elif isinstance(fill, (tuple, list)):
            if len(fill) != 3:
                raise ValueError(_FILL_MESSAGE)
            fill = np.broadcast_to(np.asarray(fill, np.float32), shape)
        elif isinstance(fill, numbers.Real):
            fill = np.full(shape, fill, np.float32)
        else:
            raise ValueError(_FILL_MESSAGE)
        return np.clip(fill, self.value_range[0], self.value_range[1])

    def _apply(self, images, transformation):
        erased = transformation["batch_masks"] & np.reshape(
            transformation["apply_erasing"], (-1, 1, 1, 1))
        fill = np.asarray(transformation["fill_value"]).astype(images.dtype)
        return np.where(erased, fill, images), erased

    def _adjoint(self, erased, grad):
        return np.where(erased, np.zeros((), grad.dtype), grad)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "fill_value": self.fill_value, "value_range": self.value_range,
                "seed": self.seed}


_FILL_MESSAGE = "The `fill_value` argument should be a number (or a list of three numbers) "
