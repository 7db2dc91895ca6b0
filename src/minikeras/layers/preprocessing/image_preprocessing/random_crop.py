"""`RandomCrop`: a random `(height, width)` window of each batch in training."""

from minikeras import backend
from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.layers.preprocessing.image_preprocessing.center_crop import ImageCrop
from minikeras.layers.preprocessing.image_preprocessing.resizing import smart_resize
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class RandomCrop(BaseImagePreprocessingLayer):
    """In training, crop a window of `(height, width)` at a random place (one place for the
    whole batch, as Keras 3 draws it). At inference, and in training when an image is not
    larger than the target on both axes, resize the largest centred window of the target's
    aspect ratio to `(height, width)` (Keras' `smart_resize`: what Keras 3 documents and
    tf_keras does; Keras 3.15 returns the input unchanged at inference).

    Args:
        height, width: the output's size.
        seed: integer seed of the layer's generator (drawn, and kept in the config, if None).
        data_format: "channels_last" (default) or "channels_first".
    """

    _random = True
    _sets_size = True

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format,
                         seed=seed if seed is not None else backend.draw_seed(), **kwargs)
        self.height, self.width = height, width

    def _draw(self, shape):
        height, width = shape[self._height_axis], shape[self._width_axis]
        if height > self.height and width > self.width:
            return (int(self._rng.uniform(0, height - self.height + 1)),
                    int(self._rng.uniform(0, width - self.width + 1)))
        return None

    def _apply(self, images, start):
        if start is None:
            return self._at_inference(images)
        crop = ImageCrop(*start, self.height, self.width, self._height_axis, self._width_axis)
        return crop.forward(images), crop

    def _at_inference(self, images):
        return smart_resize(images, (self.height, self.width), self.data_format)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "seed": self.seed}
