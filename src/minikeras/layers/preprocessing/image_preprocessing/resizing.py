"""`Resizing`: images resized to a fixed height and width, as `tf.image.resize` samples them
(optionally cropped or padded to the target's aspect ratio first)."""

import numpy as np

from minikeras.layers import resampling
from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.saving import registry


def aspect_crop(height, width, target_height, target_width):
    """The largest centred window of the target's aspect ratio: `(top, left, rows, cols)`
    (Keras' `smart_resize` and `crop_to_aspect_ratio`, in float32 as TensorFlow rounds)."""
    rows = int(np.float32(width * target_height) / np.float32(target_width))
    rows = max(min(height, rows), 1)
    cols = int(np.float32(height * target_width) / np.float32(target_height))
    cols = max(min(width, cols), 1)
    return int(np.float32(height - rows) / 2), int(np.float32(width - cols) / 2), rows, cols


def aspect_padding(height, width, target_height, target_width):
    """The rows and columns added on each side to reach the target's aspect ratio
    (TensorFlow's `pad_to_aspect_ratio`: the same count both sides, rounded down)."""
    rows = max(height, int(np.float32(width * target_height) / np.float32(target_width)))
    cols = max(width, int(np.float32(height * target_width) / np.float32(target_height)))
    return int(np.float32(rows - height) / 2), int(np.float32(cols - width) / 2)


class ImageResize:
    """One resize of a batch in a data format: an optional crop or constant padding, then a
    product per spatial axis; `backward` is its adjoint (the products transposed, the crop
    zero-padded back, the padding cut off)."""

    def __init__(self, size, interpolation="bilinear", antialias=False,
                 data_format="channels_last", crop=None, pad=None, fill_value=0.0):
        self.size, self.interpolation, self.antialias = tuple(size), interpolation, antialias
        self.axes = (2, 3) if data_format == "channels_first" else (1, 2)
        self.crop, self.pad, self.fill_value = crop, pad, fill_value

    def _window(self):
        top, left, rows, cols = self.crop
        index = [slice(None)] * 4
        index[self.axes[0]] = slice(top, top + rows)
        index[self.axes[1]] = slice(left, left + cols)
        return tuple(index)

    def _padding(self):
        widths = [(0, 0)] * 4
        widths[self.axes[0]] = (self.pad[0],) * 2
        widths[self.axes[1]] = (self.pad[1],) * 2
        return widths

    def forward(self, images):
        self.input_shape = images.shape
        if self.crop is not None:
            images = images[self._window()]
        elif self.pad is not None:
            images = np.pad(images, self._padding(), constant_values=self.fill_value)
        self.matrices = [
            resampling.resize_matrix(images.shape[axis], new, self.interpolation,
                                     self.antialias, images.dtype)
            for axis, new in zip(self.axes, self.size)]
        for axis, matrix in zip(self.axes, self.matrices):
            images = resampling.apply_on_axis(matrix, images, axis)
        return np.ascontiguousarray(images)

    def backward(self, grad):
        for axis, matrix in zip(reversed(self.axes), reversed(self.matrices)):
            grad = resampling.apply_on_axis(matrix.T, grad, axis)
        if self.crop is not None:
            full = np.zeros(self.input_shape, grad.dtype)
            full[self._window()] = grad
            return full
        if self.pad is not None:
            index = [slice(None)] * 4
            for axis, count in zip(self.axes, self.pad):
                index[axis] = slice(count, grad.shape[axis] - count)
            grad = grad[tuple(index)]
        return np.ascontiguousarray(grad)


def smart_resize(images, size, data_format):
    """Keras' `smart_resize`: the largest centred window of the target's aspect ratio,
    resized bilinearly (CenterCrop and RandomCrop on images smaller than their target)."""
    axes = (2, 3) if data_format == "channels_first" else (1, 2)
    crop = aspect_crop(images.shape[axes[0]], images.shape[axes[1]], *size)
    resize = ImageResize(size, data_format=data_format, crop=crop)
    return resize.forward(images), resize


@registry.register("layer", module="keras.layers")
class Resizing(BaseImagePreprocessingLayer):
    """Resize images to `(height, width)`.

    Args:
        height, width: the output's size.
        interpolation: "bilinear" (default), "nearest", "bicubic", "lanczos3", "lanczos5" or
            "area", sampled as TensorFlow's `tf.image.resize` (half-pixel centres).
        crop_to_aspect_ratio: crop the largest centred window of the target's aspect ratio
            first (no distortion).
        pad_to_aspect_ratio: pad the short side evenly with `fill_value` first.
        fill_mode: "constant" (the only mode), with `fill_value` for the padding.
        antialias: widen the kernel when shrinking (not for nearest or area).
        data_format: "channels_last" (default) or "channels_first".
    """

    _sets_size = True

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if interpolation not in resampling.RESIZE_INTERPOLATIONS:
            raise ValueError(
                "Invalid value for argument `interpolation`. Expected of one "
                f"{resampling.RESIZE_INTERPOLATIONS}. Received: interpolation={interpolation}")
        if fill_mode != "constant":
            raise ValueError(
                "Invalid value for argument `fill_mode`. Only `'constant'` is supported. "
                f"Received: fill_mode={fill_mode}")
        if pad_to_aspect_ratio and crop_to_aspect_ratio:
            raise ValueError(
                "Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.")
        self.height, self.width = height, width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode, self.fill_value = fill_mode, fill_value
        self.antialias = bool(antialias)

    def _transform(self, images):
        height, width = self._size_of(images)
        target = (self.height, self.width)
        crop = aspect_crop(height, width, *target) if self.crop_to_aspect_ratio else None
        pad = aspect_padding(height, width, *target) if self.pad_to_aspect_ratio else None
        resize = ImageResize(target, self.interpolation, self.antialias, self.data_format,
                             crop, pad, self.fill_value)
        return resize.forward(images), resize

    def get_config(self):
        return {
            **super().get_config(), "height": self.height, "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
            "fill_value": self.fill_value, "antialias": self.antialias,
        }
