"""`RandomGrayscale`: some images of a batch made grayscale in training."""

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing import color
from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class RandomGrayscale(BaseImagePreprocessingLayer):
    """In training, replace each image, with probability `factor`, by its luma in every
    channel (`tf.image.rgb_to_grayscale`'s weights; images of one channel are their own);
    the identity at inference.

    Args:
        factor: the probability of an image being made grayscale, in [0, 1] (default 0.5).
        data_format: `"channels_last"` or `"channels_first"`.
        seed: integer seed of the layer's generator (not in its config, as in Keras).
    """

    _random = True

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if factor < 0 or factor > 1:
            raise ValueError(f"`factor` should be between 0 and 1. Received: factor={factor}")
        self.factor = factor

    def _draw(self, shape):
        """Which images turn grayscale, shaped `(batch, 1, 1, 1)` as Keras' draw."""
        return (self._uniform(0, 1, (shape[0],)) < self.factor).reshape(-1, 1, 1, 1)

    def _apply(self, images, turn):
        gray = color.luma(images, self.data_format)
        return np.where(turn, gray, images), (np.asarray(turn), images.shape)

    def _adjoint(self, ctx, grad):
        turn, shape = ctx
        axis = color.channels_axis(self.data_format)
        to_gray = np.where(turn, grad, 0).sum(axis=axis, keepdims=True)
        return np.where(turn, 0, grad) + color.luma_adjoint(to_gray, self.data_format,
                                                            shape[axis])

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
