"""The image transforms behind `ImageDataGenerator`, on numpy and `scipy.ndimage`.

Each works on one 3-D image array; the `random_*` ones draw their parameter from numpy's global
generator, as Keras 2's do, so that `np.random.seed` makes them repeatable in the same way.
"""

import numpy as np
from scipy import ndimage

_AXES = {0, 1, 2}


def flip_axis(x, axis):
    """`x` reversed along `axis`."""
    return np.flip(np.asarray(x), axis)


def _rotation(theta):
    theta = np.deg2rad(theta)
    return np.array([[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0],
                     [0, 0, 1]])


def _shear(shear):
    shear = np.deg2rad(shear)
    return np.array([[1, -np.sin(shear), 0], [0, np.cos(shear), 0], [0, 0, 1]])


def _transform_matrix(theta, tx, ty, shear, zx, zy):
    """The product of the rotation, shift, shear and zoom matrices in that order (each
    left out when it is the identity), in (row, column) coordinates, or None for no change."""
    parts = []
    if theta != 0:
        parts.append(_rotation(theta))
    if tx != 0 or ty != 0:
        parts.append(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]))
    if shear != 0:
        parts.append(_shear(shear))
    if zx != 1 or zy != 1:
        parts.append(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    return np.linalg.multi_dot(parts) if len(parts) > 1 else (parts[0] if parts else None)


def _about_center(matrix, height, width):
    """`matrix` applied about the image's centre rather than its corner."""
    center_x, center_y = height / 2 - 0.5, width / 2 - 0.5
    to_center = np.array([[1, 0, center_x], [0, 1, center_y], [0, 0, 1]])
    back = np.array([[1, 0, -center_x], [0, 1, -center_y], [0, 0, 1]])
    return to_center @ matrix @ back


def _check_axes(x, row_axis, col_axis, channel_axis):
    axes = [row_axis, col_axis, channel_axis]
    if len(set(axes)) != 3:
        raise ValueError("'row_axis', 'col_axis', and 'channel_axis' must be distinct")
    if set(axes) != _AXES:
        raise ValueError(f"Invalid axis' indices: {set(axes) - _AXES}")
    if x.ndim != 3:
        raise ValueError("Input arrays must be multi-channel 2D images.")
    if channel_axis not in (0, 2):
        raise ValueError("Channels are allowed and the first and last dimensions.")


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=1, col_axis=2,
                           channel_axis=0, fill_mode="nearest", cval=0.0, order=1):
    """`x` rotated by `theta` degrees, shifted by `(tx, ty)` pixels (rows, columns), sheared by
    `shear` degrees and zoomed by `(zx, zy)`, about its centre, channel by channel.

    `fill_mode` ("constant", "nearest", "reflect" or "wrap") and `cval` say what fills the
    points from outside the image; `order` is the spline order of the interpolation.
    """
    _check_axes(x, row_axis, col_axis, channel_axis)
    matrix = _transform_matrix(theta, tx, ty, shear, zx, zy)
    if matrix is None:
        return x
    matrix = _about_center(matrix, x.shape[row_axis], x.shape[col_axis])
    if col_axis > row_axis:
        # The matrix is in (x, y) order; the array is indexed (row, column).
        matrix[:, [0, 1]] = matrix[:, [1, 0]]
        matrix[[0, 1]] = matrix[[1, 0]]
    channels = np.moveaxis(x, channel_axis, 0)
    transformed = np.stack([
        ndimage.affine_transform(channel, matrix[:2, :2], matrix[:2, 2], order=order,
                                 mode=fill_mode, cval=cval)
        for channel in channels
    ])
    return np.moveaxis(transformed, 0, channel_axis)


def apply_channel_shift(x, intensity, channel_axis=0):
    """`x` plus `intensity` in every channel, kept within the image's own minimum and maximum."""
    return np.clip(x + intensity, np.min(x), np.max(x))


def apply_brightness_shift(x, brightness, scale=True):
    """`x` with its brightness scaled by `brightness` as Pillow's `ImageEnhance.Brightness`
    does on the 8-bit image: values are cut to whole numbers in [0, 255], multiplied, cut
    again. An image outside [0, 255] is mapped into it first and, unless `scale`, back after.
    """
    low, high = np.min(x), np.max(x)
    rescaled = low < 0 or high > 255
    pixels = np.asarray(x, dtype="float32")
    if rescaled or scale:
        pixels = pixels - low
        if np.max(pixels) != 0:
            pixels /= np.max(pixels)
        pixels *= 255
    pixels = pixels.astype("uint8").astype("float32")
    pixels = np.clip(np.trunc(pixels * np.float32(brightness)), 0, 255).astype("float32")
    if rescaled and not scale:
        pixels = pixels / 255 * (high - low) + low
    return pixels


def _random_affine(x, row_axis, col_axis, channel_axis, fill_mode, cval, interpolation_order,
                   **transform):
    return apply_affine_transform(x, **transform, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                    cval=0.0, interpolation_order=1):
    """`x` rotated by a uniform random angle in `[-rg, rg]` degrees."""
    return _random_affine(x, row_axis, col_axis, channel_axis, fill_mode, cval,
                          interpolation_order, theta=np.random.uniform(-rg, rg))


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                 cval=0.0, interpolation_order=1):
    """`x` shifted by uniform random fractions of its height (`hrg`) and width (`wrg`)."""
    tx = np.random.uniform(-hrg, hrg) * x.shape[row_axis]
    ty = np.random.uniform(-wrg, wrg) * x.shape[col_axis]
    return _random_affine(x, row_axis, col_axis, channel_axis, fill_mode, cval,
                          interpolation_order, tx=tx, ty=ty)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                 cval=0.0, interpolation_order=1):
    """`x` sheared by a uniform random angle in `[-intensity, intensity]` degrees."""
    return _random_affine(x, row_axis, col_axis, channel_axis, fill_mode, cval,
                          interpolation_order, shear=np.random.uniform(-intensity, intensity))


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                cval=0.0, interpolation_order=1):
    """`x` zoomed by two uniform random factors in `zoom_range` (rows, columns)."""
    if len(zoom_range) != 2:
        raise ValueError("`zoom_range` should be a tuple or list of two floats. "
                         f"Received: {zoom_range}")
    zx, zy = (1, 1) if tuple(zoom_range) == (1, 1) else np.random.uniform(*zoom_range, 2)
    return _random_affine(x, row_axis, col_axis, channel_axis, fill_mode, cval,
                          interpolation_order, zx=zx, zy=zy)


def random_channel_shift(x, intensity_range, channel_axis=0):
    """`apply_channel_shift` by a uniform random intensity in `[-intensity_range, ...]`."""
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def random_brightness(x, brightness_range, scale=True):
    """`apply_brightness_shift` by a uniform random factor in `brightness_range`."""
    if len(brightness_range) != 2:
        raise ValueError("`brightness_range should be tuple or list of two floats. "
                         f"Received: {brightness_range}")
    return apply_brightness_shift(x, np.random.uniform(*brightness_range), scale)
