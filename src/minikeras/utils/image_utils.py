"""Image files to arrays and back (`load_img`, `img_to_array`, `array_to_img`, `save_img`),
and `smart_resize` (resizing without distorting the aspect ratio).

Images are Pillow images, as in Keras; Pillow is imported only when one of these functions
needs it, so that minikeras runs without it. `img_to_array` takes any array-like.
"""

import io
import pathlib
import warnings

import numpy as np

from minikeras import backend

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
_DATA_FORMATS = ("channels_last", "channels_first")


def pil_image(function_name):
    """Pillow's `Image` module, or an ImportError saying `function_name` needs Pillow."""
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError(
            f"Could not import PIL.Image. The use of `{function_name}` requires PIL: "
            "install Pillow (`pip install Pillow`)."
        ) from error
    return Image


def _data_format(data_format):
    data_format = backend.image_data_format() if data_format is None else data_format
    if data_format not in _DATA_FORMATS:
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    return data_format


def img_to_array(img, data_format=None, dtype=None):
    """The pixels of `img` (a Pillow image or any array-like) as a 3-D array.

    A grayscale image gets a channel axis of 1; `data_format="channels_first"` puts channels
    first. `dtype` defaults to `floatx()`.
    """
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or backend.floatx())
    if x.ndim == 2:
        x = x[np.newaxis] if data_format == "channels_first" else x[..., np.newaxis]
    elif x.ndim == 3:
        x = x.transpose(2, 0, 1) if data_format == "channels_first" else x
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


def _to_bytes_range(x):
    """`x` shifted and scaled so that its minimum is 0 and its maximum 255."""
    x = x - np.min(x)
    peak = np.max(x)
    if peak != 0:
        x /= peak
    return x * 255


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A Pillow image of the 3-D array `x` (1, 3 or 4 channels: L (or I above 255), RGB, RGBA).

    `scale` maps the minimum to 0 and the maximum to 255 first.
    """
    data_format = _data_format(data_format)
    image = pil_image("array_to_img")
    x = np.asarray(x, dtype=dtype or backend.floatx())
    if x.ndim != 3:
        raise ValueError("Expected image array to have rank 3 (single image). "
                         f"Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = _to_bytes_range(x)
    channels = x.shape[2]
    if channels in (3, 4):
        return image.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if np.max(x) > 255:
            return image.fromarray(x[:, :, 0].astype("int32"), "I")
        return image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write the array `x` as an image file; the format follows the file name unless given
    (`file_format` is needed for a file object). `kwargs` go to Pillow's `Image.save`."""
    data_format = _data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.")
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


_MODES = {"grayscale": ("L", "I;16", "I"), "rgba": ("RGBA",), "rgb": ("RGB",)}


def _center_crop_box(size, target):
    """The largest box of `size` (width, height) centred with the aspect ratio of `target`."""
    (width, height), (target_width, target_height) = size, target
    crop_height = min(height, (width * target_height) // target_width)
    crop_width = min(width, (height * target_width) // target_height)
    left, top = (width - crop_width) // 2, (height - crop_height) // 2
    return [left, top, left + crop_width, top + crop_height]


def _open(image, path):
    if isinstance(path, io.BytesIO):
        return image.open(path)
    if isinstance(path, (pathlib.Path, bytes, str)):
        with open(path, "rb") as f:  # read at once, so that the file is closed on return
            return image.open(io.BytesIO(f.read()))
    raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """The image file at `path` as a Pillow image.

    Args:
        path: a path or an `io.BytesIO`.
        color_mode: `"rgb"` (default), `"rgba"` or `"grayscale"`.
        target_size: `(height, width)` to resize to, or None to keep the file's size.
        interpolation: the resampling filter: "nearest" (default), "bilinear", "bicubic",
            "hamming", "box" or "lanczos".
        keep_aspect_ratio: crop the centre to the target's aspect ratio before resizing.
    """
    image = pil_image("load_img")
    if color_mode not in _MODES:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    img = _open(image, path)
    if img.mode not in _MODES[color_mode]:
        img = img.convert(_MODES[color_mode][0])
    if target_size is None:
        return img
    width_height = (target_size[1], target_size[0])
    if img.size == width_height:
        return img
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"Invalid interpolation method {interpolation} specified. Supported "
                         f"methods are {', '.join(_INTERPOLATIONS)}")
    resample = getattr(image.Resampling, interpolation.upper())
    box = _center_crop_box(img.size, width_height) if keep_aspect_ratio else None
    return img.resize(width_height, resample, box=box)




def smart_resize(x, size, interpolation="bilinear", data_format="channels_last", **kwargs):
    """Resize an image (`(height, width, channels)`) or a batch of them to `size` without
    distorting them: the largest centred crop of the target's aspect ratio is resized, as
    TensorFlow resizes (half-pixel centres, no antialiasing). Nearest keeps the dtype; the
    other methods give float32."""
    kwargs.pop("backend_module", None)
    if kwargs:
        raise TypeError(f"smart_resize() got unexpected keyword arguments: {list(kwargs.keys())}")
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    from minikeras.layers import resampling

    if interpolation not in resampling.RESIZE_INTERPOLATIONS:
        raise ValueError(
            "Invalid value for argument `interpolation`. Expected of one "
            f"{resampling.RESIZE_INTERPOLATIONS}. Received: interpolation={interpolation}")
    image = np.asarray(getattr(x, "value", x))
    if image.ndim not in (3, 4):
        raise ValueError(
            "Expected an image array with shape `(height, width, channels)`, or `(batch_size, "
            "height, width, channels)`, but got input with incorrect rank, of shape "
            f"{image.shape}.")
    axes = (image.ndim - 3, image.ndim - 2) if data_format == "channels_last" else (
        image.ndim - 2, image.ndim - 1)
    height, width = (image.shape[a] for a in axes)
    target_height, target_width = size
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    crop = [slice(None)] * image.ndim
    for axis, length, kept in zip(axes, (height, width), (crop_height, crop_width)):
        start = int(float(length - kept) / 2)
        crop[axis] = slice(start, start + kept)
    return _resize(image[tuple(crop)], axes, size, interpolation)


def _resize(image, axes, size, interpolation):
    """`image` resized on `axes` to `size`, each axis in turn, as TensorFlow resizes."""
    from minikeras.layers import resampling

    if interpolation == "nearest":
        for axis, new_size in zip(axes, size):
            image = np.take(image, resampling.nearest_indices(image.shape[axis], new_size),
                            axis=axis)
        return image
    image = image.astype(np.float32)
    for axis, new_size in zip(axes, size):
        matrix = resampling.resize_matrix(
            image.shape[axis], new_size, interpolation, False, np.float32)
        image = resampling.apply_on_axis(matrix, image, axis)
    return image
