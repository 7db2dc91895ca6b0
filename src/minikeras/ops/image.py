"""`keras.ops.image`: functions on images for custom code (`resize`, `rgb_to_grayscale`,
`pad_images`, `crop_images` so far; the other names are listed as not yet in docs/api.md)."""

import numpy as np

from minikeras import backend


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """`images` (one image of rank 3, or a batch of rank 4) resized to `size` (height, width)
    as `tf.image.resize` samples them: a `Resizing` call, so that it is differentiable under a
    tape and symbolic on Keras tensors. Floats keep their dtype; integers come back in theirs,
    rounded half to even and saturated."""
    from minikeras.layers.preprocessing.image_preprocessing.resizing import Resizing

    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers. Received: size={size}")
    if size[0] <= 0 or size[1] <= 0:
        raise ValueError(f"`size` must have positive height and width. Received: size={size}")
    if len(images.shape) not in (3, 4):
        raise ValueError(
            "Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
            f"Received input with shape: images.shape={images.shape}")
    dtype = backend.standardize_dtype(getattr(images, "dtype", None))
    layer = Resizing(
        int(size[0]), int(size[1]), interpolation=interpolation,
        crop_to_aspect_ratio=crop_to_aspect_ratio, pad_to_aspect_ratio=pad_to_aspect_ratio,
        fill_mode=fill_mode, fill_value=fill_value, antialias=antialias,
        data_format=data_format, name="resize",  # a name of its own: no automatic name used
        dtype=dtype if np.dtype(dtype).kind == "f" else None)
    return layer(images)


def _image_axes(images, data_format):
    """`images` as an op input, checked to be one image or a batch, and the axes of its
    height and width."""
    from minikeras.ops._dtypes import _promote

    (images,) = _promote(images)
    if images.ndim not in (3, 4):
        raise ValueError(
            "Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
            f"Received: images.shape={images.shape}")
    first = images.ndim - 3 if backend.standardize_data_format(
        data_format) == "channels_last" else images.ndim - 2
    return images, (first, first + 1)


def _box(images, data_format, kind, vertical, horizontal):
    """Keras' checks of the `kind` ("padding" or "cropping") arguments (`vertical`: top,
    bottom and target height; `horizontal`: left, right and target width; exactly two of each
    given, none negative); returns `images` as an op input, the axes of its height and width,
    and each axis' two margins, the missing one inferred (the target is the size plus the
    margins when padding, minus them when cropping)."""
    images, axes = _image_axes(images, data_format)
    margins = []
    named = [dict(zip((f"top_{kind}", f"bottom_{kind}", "target_height"), vertical)),
             dict(zip((f"left_{kind}", f"right_{kind}", "target_width"), horizontal))]
    for arguments, size in zip(named, (images.shape[a] for a in axes)):
        if list(arguments.values()).count(None) != 1:
            received = ", ".join(f"{n}={v}" for n, v in arguments.items())
            raise ValueError(
                f"Must specify exactly two of {', '.join(arguments)}. Received: {received}")
        _non_negative(**{n: v for n, v in arguments.items() if v is not None})
        (before_name, before), (after_name, after), (_, target) = arguments.items()
        change = None if target is None else (
            target - size if kind == "padding" else size - target)
        before = change - after if before is None else before
        after = change - before if after is None else after
        _non_negative(**{before_name: before, after_name: after})
        margins.append((before, after))
    return images, axes, margins


def _non_negative(**values):
    for name, value in values.items():
        if value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")


def rgb_to_grayscale(images, data_format=None):
    """The luma of RGB `images` (`tf.image.rgb_to_grayscale`'s weights), one channel kept;
    grayscale images come back as they are. Integers are converted back, truncated."""
    from minikeras import ops

    images, (height_axis, _) = _image_axes(images, data_format)
    channels_axis = height_axis + 2 if height_axis == images.ndim - 3 else height_axis - 1
    if images.shape[channels_axis] not in (1, 3):
        raise ValueError("Invalid channel size: expected 3 (RGB) or 1 (Grayscale). Received "
                         f"input with shape: images.shape={images.shape}")
    if images.shape[channels_axis] == 1:
        return ops.copy(images)
    floats = ops.cast(images, images.dtype if images.dtype.kind == "f" else backend.floatx())
    weights = np.array([0.2989, 0.5870, 0.1140], floats.dtype)
    gray = ops.tensordot(floats, weights, axes=([channels_axis], [0]))
    return ops.cast(ops.expand_dims(gray, channels_axis), images.dtype)


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """`images` padded with zeros: two of each (top, bottom, target height) and (left, right,
    target width) given, the third inferred."""
    from minikeras import ops

    images, axes, margins = _box(images, data_format, "padding",
                                 (top_padding, bottom_padding, target_height),
                                 (left_padding, right_padding, target_width))
    widths = [(0, 0)] * images.ndim
    for axis, margin in zip(axes, margins):
        widths[axis] = margin
    return ops.pad(images, widths)


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """`images` less `top_cropping` rows above and `bottom_cropping` below (so many left as
    `target_height`), and likewise columns: two of each triple given, the third inferred."""
    from minikeras import ops

    images, axes, margins = _box(images, data_format, "cropping",
                                 (top_cropping, bottom_cropping, target_height),
                                 (left_cropping, right_cropping, target_width))
    index = [slice(None)] * images.ndim
    for axis, (before, after) in zip(axes, margins):
        index[axis] = slice(before, images.shape[axis] - after)
    return ops.get_item(images, tuple(index))


def _publish_new():
    """The functions above as `keras.ops` gives them (`resize` is a layer call already)."""
    from minikeras.ops._public import _public

    for name in ("rgb_to_grayscale", "pad_images", "crop_images"):
        globals()[name] = _public(globals()[name], name)


_publish_new()
