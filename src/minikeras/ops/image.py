"""`keras.ops.image`: functions on images for custom code (`resize` so far; the other names
are listed as not yet in docs/api.md)."""

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
