"""`RandomInvert`: some images of a batch inverted in training."""

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class RandomInvert(BaseImagePreprocessingLayer):
    """In training, replace each image, with a probability drawn uniformly from `factor`, by
    `value_range[1] - image`; the identity at inference.

    Args:
        factor: `f` for `(0, f)`, or `(lower, upper)`, in [0, 1]: the range the probability of
            inversion is drawn from (default 1.0).
        value_range: its upper end is what images are subtracted from (default `(0, 255)`;
            kept as given, as Keras keeps it).
        seed: integer seed of the layer's generator.
    """

    _random = True
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = self._standardize_factor(factor)
        self.value_range = value_range

    def _draw(self, shape):
        """Keras' draw: a probability per image, then a threshold per image under it."""
        probability = self._uniform(self.factor[0], self.factor[1], (shape[0],))
        return {"apply_inversion": self._uniform(0, 1, (shape[0],)) < probability}

    def _apply(self, images, transformation):
        invert = np.asarray(transformation["apply_inversion"]).reshape(-1, 1, 1, 1)
        top = images.dtype.type(self.value_range[1])
        return np.where(invert, top - images, images), invert

    def _adjoint(self, invert, grad):
        return np.where(invert, -grad, grad)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "value_range": self.value_range, "seed": self.seed}
