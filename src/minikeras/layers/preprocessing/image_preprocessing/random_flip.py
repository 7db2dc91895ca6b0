"""`RandomFlip`: images mirrored at random in training."""

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.saving import registry

HORIZONTAL, VERTICAL = "horizontal", "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"


@registry.register("layer", module="keras.layers")
class RandomFlip(BaseImagePreprocessingLayer):
    """Flip each image with probability 1/2 in training; the identity at inference.

    Args:
        mode: "horizontal" (left-right), "vertical" (up-down) or "horizontal_and_vertical"
            (default: as Keras 3 draws it, one draw per image decides both flips).
        seed: integer seed of the layer's generator.
        data_format: "channels_last" (default) or "channels_first".
    """

    _random = True

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        if mode not in (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL):
            # Keras 3 flips nothing for an unknown mode; tf_keras refuses it, as here.
            raise ValueError(
                f"RandomFlip layer {kwargs.get('name')} received an unknown mode argument "
                f"{mode}")
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.mode = mode

    def _draw(self, shape):
        return self._uniform(0.0, 1.0, (shape[0],)) <= 0.5

    def _apply(self, images, flips):
        return self._flip(images, flips), flips

    def _flip(self, images, flips):
        axes = []
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            axes.append(self._width_axis)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            axes.append(self._height_axis)
        out = images.copy()
        out[flips] = np.flip(images[flips], axis=axes)
        return out

    def _adjoint(self, flips, grad):
        return self._flip(grad, flips)  # a flip is its own inverse and its own transpose

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}
