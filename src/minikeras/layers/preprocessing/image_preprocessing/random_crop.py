"""`RandomCrop`: a random `(height, width)` window of each batch in training."""

from minikeras import backend
from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.layers.preprocessing.image_preprocessing.center_crop import ImageCrop
from minikeras.layers.preprocessing.image_preprocessing.resizing import (
    ImageResize, smart_resize,
)
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class RandomCrop(BaseImagePreprocessingLayer):
    """In training, crop a window of `(height, width)` at a random place (one place for the
    whole batch, as Keras 3 draws it). An image not larger than the target on both axes is cut
    as Keras 3 cuts it: `(height, width)` (or what remains of the image) from the start of its
    largest centred window of the target's aspect ratio, stretched bilinearly to the target if
    smaller. At inference, resize that largest centred window to `(height, width)` (Keras'
    `smart_resize`: what Keras 3 documents and tf_keras does; Keras 3.15 returns the input
    unchanged at inference).

    Args:
        height, width: the output's size.
        seed: integer seed of the layer's generator (drawn, and kept in the config, if None).
        data_format: "channels_last" (default) or "channels_first".
    """

    _random = True
    _sets_size = True

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(data_format=data_format,
                         seed=seed if seed is not None else backend.draw_seed(), name=name,
                         **kwargs)
        self.height, self.width = height, width

    def _draw(self, shape):
        height, width = shape[self._height_axis], shape[self._width_axis]
        if height > self.height and width > self.width:
            return (int(self._rng.uniform(0, height - self.height + 1)),
                    int(self._rng.uniform(0, width - self.width + 1)))
        # The start of the largest centred window of the target's aspect ratio.
        rows = max(min(height, width * self.height // self.width), 1)
        cols = max(min(width, height * self.width // self.height), 1)
        return (height - rows) // 2, (width - cols) // 2

    def _apply(self, images, start):
        height, width = self._size_of(images)
        top, left = start
        rows, cols = min(self.height, height - top), min(self.width, width - left)
        if (rows, cols) == (self.height, self.width):
            crop = ImageCrop(top, left, rows, cols, self._height_axis, self._width_axis)
            return crop.forward(images), crop
        resize = ImageResize((self.height, self.width), data_format=self.data_format,
                             crop=(top, left, rows, cols))
        return resize.forward(images), resize

    def _at_inference(self, images):
        return smart_resize(images, (self.height, self.width), self.data_format)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "seed": self.seed}
