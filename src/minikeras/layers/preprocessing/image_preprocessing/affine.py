"""Projective transforms of a batch of images as TensorFlow's `ImageProjectiveTransformV3`
computes them (Keras 3's `ops.image.affine_transform` on TensorFlow), and their adjoint.

A transform `[a0, a1, a2, b0, b1, b2, c0, c1]` maps each output pixel `(x, y)` to the input
point `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`, `k = c0 x + c1 y + 1`; a point outside
the image is brought back by the fill mode, then read by nearest or bilinear interpolation.
All of it is arrays over the whole batch: one gather of every tap, weighted and summed.
`AffineTransformLayer` is the base of the layers drawing such transforms."""

import numpy as np

from minikeras.layers import spatial
from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def _reflect(coord, length):
    """(d c b a | a b c d | d c b a), as TensorFlow folds a coordinate."""
    size2 = 2.0 * length
    low = coord + size2 * np.trunc(-coord / size2)
    low = np.where(low < -length, low + size2, -low - 1)
    high = coord - size2 * np.trunc(coord / size2)
    high = np.where(high >= length, size2 - high - 1, high)
    return np.where(coord < 0, low, np.where(coord > length - 1, high, coord))


def _wrap(coord, length):
    """(a b c d | a b c d | a b c d), with TensorFlow's folding (by `length - 1` steps)."""
    span = length - 1.0
    low = coord + length * (np.trunc(-coord / span) + 1)
    high = coord - length * np.trunc(coord / span)
    return np.where(coord < 0, low, np.where(coord > length - 1, high, coord))


def _map_coordinate(coord, length, fill_mode):
    if fill_mode == "constant":
        return coord
    if length <= 1:
        return np.zeros_like(coord)
    if fill_mode == "reflect":
        coord = _reflect(coord, length)
    elif fill_mode == "wrap":
        coord = _wrap(coord, length)
    return np.clip(coord, 0, length - 1)


def _round_half_away(x):
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def taps(shape, transforms, interpolation, fill_mode):
    """Where each output pixel of images of `shape` (batch, height, width, channels) reads:
    `(index, inside, weight)`, each `(taps, batch, height, width)`: the flat pixel index in
    the batch (0 where outside), whether it lies in the image, and its weight."""
    batch, height, width, _ = shape
    t = np.asarray(transforms, np.float32).reshape(batch, 8)[:, :, None, None]
    xs = np.arange(width, dtype=np.float32)[None, None, :]
    ys = np.arange(height, dtype=np.float32)[None, :, None]
    projection = t[:, 6] * xs + t[:, 7] * ys + np.float32(1)
    defined = projection != 0
    projection = np.where(defined, projection, np.float32(1))
    x = _map_coordinate((t[:, 0] * xs + t[:, 1] * ys + t[:, 2]) / projection, width, fill_mode)
    y = _map_coordinate((t[:, 3] * xs + t[:, 4] * ys + t[:, 5]) / projection, height, fill_mode)
    if interpolation == "nearest":
        rows, cols = _round_half_away(y)[None], _round_half_away(x)[None]
        weight = np.ones_like(rows)
    else:
        y0, x0 = np.floor(y), np.floor(x)
        dy, dx = y - y0, x - x0
        rows = np.stack([y0, y0, y0 + 1, y0 + 1])
        cols = np.stack([x0, x0 + 1, x0, x0 + 1])
        weight = np.stack([(1 - dy) * (1 - dx), (1 - dy) * dx, dy * (1 - dx), dy * dx])
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width) & defined
    rows = np.where(inside, rows, 0).astype(np.intp)
    cols = np.where(inside, cols, 0).astype(np.intp)
    index = (np.arange(batch)[None, :, None, None] * height + rows) * width + cols
    return index, inside, weight


def transform(images, tap_set, fill_value):
    """`images` (channels last) read at `tap_set` (`taps`'s), points outside as `fill_value`."""
    index, inside, weight = tap_set
    channels = images.shape[-1]
    values = images.reshape(-1, channels)[index]
    if not inside.all():
        values[~inside] = fill_value
    values *= weight.astype(images.dtype, copy=False)[..., None]
    return values.sum(axis=0)


def transform_adjoint(grad, tap_set):
    """The gradient of `transform`'s images: each output's gradient added back, weighted, to
    the pixels it read."""
    index, inside, weight = tap_set
    channels = grad.shape[-1]
    contributions = weight.astype(grad.dtype, copy=False)[..., None] * grad[None]
    out = np.zeros((grad.size // channels, channels), grad.dtype)
    np.add.at(out, index[inside], contributions[inside])
    return out.reshape(grad.shape)


class AffineTransformLayer(BaseImagePreprocessingLayer):
    """The base of RandomRotation, RandomZoom and RandomTranslation: a transform per image
    drawn by `_draw_transforms(batch, height, width)`, applied with the fill mode and
    interpolation; the gradient is the read's adjoint."""

    _random = True

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.fill_mode = self._choice("fill_mode", fill_mode, FILL_MODES)
        self.interpolation = self._choice("interpolation", interpolation, INTERPOLATIONS)
        self.fill_value = fill_value

    def _draw(self, shape):
        height, width = shape[self._height_axis], shape[self._width_axis]
        return self._draw_transforms(shape[0], height, width)

    def _apply(self, images, transforms):
        images = spatial.to_channels_last(images, self.data_format)
        tap_set = taps(images.shape, transforms, self.interpolation, self.fill_mode)
        out = transform(images, tap_set, self.fill_value)
        return spatial.from_channels_last(out, self.data_format), tap_set

    def _adjoint(self, tap_set, grad):
        grad = np.ascontiguousarray(spatial.to_channels_last(grad, self.data_format))
        return spatial.from_channels_last(transform_adjoint(grad, tap_set), self.data_format)

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "interpolation": self.interpolation,
                "seed": self.seed}
