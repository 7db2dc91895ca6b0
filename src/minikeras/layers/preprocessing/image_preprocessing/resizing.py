"""`Resizing`: images resized to a fixed height and width, as `tf.image.resize` samples them
(optionally cropped or padded to the target's aspect ratio first)."""

import numpy as np

from minikeras import backend
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
        """The resized images, in their dtype: integers and float16 resized in float32 as
        TensorFlow's kernels compute them (`_as_tensorflow_computes`), integers then rounded
        (half to even) and saturated to their dtype; nearest copies integer pixels as they
        are."""
        if images.dtype.kind in "iu":
            if self.interpolation == "nearest":
                return self._resize(images, saturate(np.float32(self.fill_value), images.dtype))
            return saturate(np.rint(self._as_tensorflow_computes(images)), images.dtype)
        if images.dtype == np.float16:
            return self._as_tensorflow_computes(images).astype(np.float16)
        return self._resize(images)

    def _as_tensorflow_computes(self, images):
        """The images resized in float32; bilinear in TensorFlow's steps (`a + (b - a) * t`
        along the width, then along the height), so that results TensorFlow rounds (into
        integers or float16) round alike."""
        images = images.astype(np.float32)
        if self.interpolation != "bilinear" or self.antialias:
            return self._resize(images)
        framed = self._framed(images, self.fill_value)
        self.matrices = [
            resampling.resize_matrix(framed.shape[axis], new, "bilinear", False, np.float32)
            for axis, new in zip(self.axes, self.size)]
        for axis, new in reversed(tuple(zip(self.axes, self.size))):
            framed = _float32_lerp(framed, axis, new)
        return np.ascontiguousarray(framed)

    def _framed(self, images, fill_value):
        """The images cropped or padded to the target's aspect ratio, if asked."""
        self.input_shape = images.shape
        if self.crop is not None:
            return images[self._window()]
        if self.pad is not None:
            return np.pad(images, self._padding(), constant_values=fill_value)
        return images

    def _resize(self, images, fill_value=None):
        images = self._framed(images, self.fill_value if fill_value is None else fill_value)
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


def saturate(values, dtype):
    """Float values (rounded) as integers of `dtype`, those beyond its range at its limits."""
    info = np.iinfo(dtype)
    values = np.asarray(values, np.float64)
    high = float(info.max)
    if int(high) > info.max:  # int64's maximum has no float64: the largest float below it
        high = np.nextafter(high, 0.0)
    return np.where(values > high, info.max, np.clip(values, info.min, high).astype(dtype))


def _float32_lerp(images, axis, new_size):
    """One axis resized bilinearly in float32 as TensorFlow's kernel computes it (half-pixel
    centres, the scale and positions in float32)."""
    size = images.shape[axis]
    scale = np.float32(size) / np.float32(new_size)
    position = (np.arange(new_size, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    floor = np.floor(position)
    fraction = (position - floor).reshape([-1 if a == axis % images.ndim else 1
                                           for a in range(images.ndim)])
    lower = np.take(images, np.maximum(floor.astype(np.intp), 0), axis=axis)
    upper = np.take(images, np.minimum(np.ceil(position).astype(np.intp), size - 1), axis=axis)
    return lower + (upper - lower) * fraction


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

    Float images are resized in the layer's dtype. Integer images come back in their own
    dtype, resized in float32, rounded half to even and saturated, as Keras 3 calls the layer
    eagerly (and inside a functional model over an integer `Input`); where TensorFlow would
    trace a graph (a `tf.data` map, a `tf.function`) they are taken in the layer's dtype first,
    as Keras takes them there, and so are they by a Sequential starting with the layer.
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

    def _convert_leaf(self, x):
        # Called eagerly, Keras 3 resizes integer images into their own dtype (in a traced
        # graph it takes them in its compute dtype: `_transform`). Not `_keeps_integer_inputs`:
        # a Sequential starting with Resizing takes integers in float32, as Keras' Sequential
        # makes its `Input` in the first layer's compute dtype.
        if isinstance(x, np.ndarray) and x.dtype.kind in "iu":
            return np.asarray(x)
        return super()._convert_leaf(x)

    def _transform(self, images):
        if images.dtype != self._np_dtype and backend.in_traced_function():
            images = images.astype(self._np_dtype)
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
