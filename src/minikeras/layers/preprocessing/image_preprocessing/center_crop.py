"""`CenterCrop`: the central `(height, width)` window of images (resized from the largest
window of that aspect ratio when an image is smaller)."""

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.layers.preprocessing.image_preprocessing.resizing import smart_resize
from minikeras.saving import registry


class ImageCrop:
    """One crop of a batch, `(rows, cols)` from `(top, left)`; `backward` is its adjoint (the
    gradient zero-padded back)."""

    def __init__(self, top, left, rows, cols, height_axis, width_axis):
        index = [slice(None)] * 4
        index[height_axis] = slice(top, top + rows)
        index[width_axis] = slice(left, left + cols)
        self.window = tuple(index)

    def forward(self, images):
        self.input_shape = images.shape
        return images[self.window]

    def backward(self, grad):
        full = np.zeros(self.input_shape, grad.dtype)
        full[self.window] = grad
        return full


@registry.register("layer", module="keras.layers")
class CenterCrop(BaseImagePreprocessingLayer):
    """Crop the centre of images to `(height, width)`; an image smaller than that on either
    axis is resized (bilinearly) from its largest centred window of the target's aspect ratio.
    When an axis' excess is odd, the extra row or column is cut at the end.

    Args:
        height, width: the output's size.
        data_format: "channels_last" (default) or "channels_first".
    """

    _sets_size = True

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = height, width

    def _transform(self, images):
        height, width = self._size_of(images)
        if height < self.height or width < self.width:
            return smart_resize(images, (self.height, self.width), self.data_format)
        crop = ImageCrop((height - self.height) // 2, (width - self.width) // 2, self.height,
                         self.width, self._height_axis, self._width_axis)
        return crop.forward(images), crop

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}
