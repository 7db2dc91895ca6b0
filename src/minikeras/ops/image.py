"""`keras.ops.image`: functions on images for custom code, all 16 of Keras 3's. Resizing,
colour spaces, padding, cropping and patches are here; the sampling functions
(`affine_transform`, `perspective_transform`, `map_coordinates`, `elastic_transform`) are in
`ops._image_warp`, the filters (`gaussian_blur`, `sobel_edges`, `ssim`) in
`ops._image_filters` and `scale_and_translate` in `ops._image_resample`."""

import numpy as np

from minikeras import backend
from minikeras.ops._dtypes import _promote
from minikeras.ops._image_filters import gaussian_blur, sobel_edges, ssim
from minikeras.ops._image_resample import scale_and_translate
from minikeras.ops._image_warp import (
    affine_transform,
    elastic_transform,
    map_coordinates,
    perspective_transform,
)

_FROM_MODULES = (affine_transform, elastic_transform, gaussian_blur, map_coordinates,
                 perspective_transform, scale_and_translate, sobel_edges, ssim)


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


def _planes(images, data_format):
    """The three channel planes of float `images` and their channels axis (dm-pix's checks,
    as Keras makes them)."""
    from minikeras import ops

    images, (height_axis, _) = _image_axes(images, data_format)
    if images.dtype.kind != "f":
        raise ValueError(f"Invalid images dtype: expected float dtype. Received: images.dtype="
                         f"{backend.standardize_dtype(images.dtype)}")
    channels_axis = height_axis + 2 if height_axis == images.ndim - 3 else height_axis - 1
    return [ops.squeeze(p, channels_axis) for p in ops.split(images, 3, axis=channels_axis)], \
        channels_axis


def rgb_to_hsv(images, data_format=None):
    """RGB `images` (floats in [0, 1]) as hue, saturation and value planes (dm-pix's formulas,
    as Keras has them)."""
    from minikeras import ops

    (red, green, blue), channels_axis = _planes(images, data_format)
    eps = np.finfo(ops.convert_to_numpy(red).dtype).eps
    red, green, blue = (ops.where(np.abs(ops.convert_to_numpy(c)) < eps, 0.0, c)
                        for c in (red, green, blue))
    value = ops.maximum(ops.maximum(red, green), blue)
    spread = value - ops.minimum(ops.minimum(red, green), blue)
    values, spreads = ops.convert_to_numpy(value), ops.convert_to_numpy(spread)
    saturation = ops.where(values > 0, spread / ops.where(values > 0, value, 1.0), 0.0)
    norm = 1.0 / (6.0 * ops.where(spreads > 0, spread, 1.0))
    hue = ops.where(values == ops.convert_to_numpy(green), norm * (blue - red) + 2.0 / 6.0,
                    norm * (red - green) + 4.0 / 6.0)
    hue = ops.where(values == ops.convert_to_numpy(red), norm * (green - blue), hue)
    hue = ops.where(spreads > 0, hue, 0.0) + (ops.convert_to_numpy(hue) < 0).astype(
        ops.convert_to_numpy(hue).dtype)
    return ops.stack([hue, saturation, value], axis=channels_axis)


def hsv_to_rgb(images, data_format=None):
    """Hue, saturation and value `images` (floats in [0, 1]) as RGB (dm-pix's formulas)."""
    from minikeras import ops

    (hue, saturation, value), channels_axis = _planes(images, data_format)
    sixths = ops.mod(hue, 1.0) * 6.0
    shares = [ops.clip(ops.abs(sixths - 3.0) - 1.0, 0.0, 1.0),
              ops.clip(2.0 - ops.abs(sixths - 2.0), 0.0, 1.0),
              ops.clip(2.0 - ops.abs(sixths - 4.0), 0.0, 1.0)]
    grey = 1.0 - saturation
    return ops.stack([value * (grey + saturation * share) for share in shares],
                     axis=channels_axis)


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


def _patches(images, size, strides, dilation_rate, padding, data_format, rank):
    """The `size` patches of `images` (rank 2 or 3 spatial axes), as Keras extracts them: a
    convolution with the identity kernel of `size * channels` outputs (`ops.conv`, and so
    the convolution layer's own kernel and gradient)."""
    from minikeras import ops

    (images,) = _promote(images, floating=True)
    size = (size,) * rank if isinstance(size, int) else tuple(size)
    if len(size) != rank:
        raise TypeError(f"Invalid `size` argument. Expected an int or a tuple of length "
                        f"{rank}. Received: size={size}")
    channels_last = backend.standardize_data_format(data_format) == "channels_last"
    channels = images.shape[-1 if channels_last else -rank - 1]
    depth = int(np.prod(size)) * channels
    kernel = np.eye(depth, dtype=images.dtype).reshape(size + (channels, depth))
    single = images.ndim == rank + 1
    batch = ops.expand_dims(images, 0) if single else images
    patches = ops.conv(batch, kernel, strides=size if not strides else strides, padding=padding,
                       data_format=data_format, dilation_rate=dilation_rate)
    return ops.squeeze(patches, 0) if single else patches


def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """The `size` (height, width) patches of `images`, every `strides` (`size` by default),
    each flattened into the channels axis (rows, then columns, then channels); a `size` of
    three extracts from volumes, as `extract_patches_3d`."""
    rank = 3 if not isinstance(size, int) and len(size) == 3 else 2
    return _patches(images, size, strides, dilation_rate, padding, data_format, rank)


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """The `size` (depth, height, width) patches of `volumes`, flattened as
    `extract_patches`'."""
    return _patches(volumes, size, strides, dilation_rate, padding, data_format, 3)


def _publish_new():
    """The functions above as `keras.ops` gives them (`resize` is a layer call already)."""
    from minikeras.ops._public import _public

    for name in ("rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb", "pad_images", "crop_images",
                 "extract_patches", "extract_patches_3d", *(f.__name__ for f in _FROM_MODULES)):
        globals()[name] = _public(globals()[name], name)


_publish_new()
