"""Random boxes in images, as RandomErasing and CutMix draw them: a side of `ratio * length`
pixels (fractional) starting at a uniform fraction of what is left, and the mask of the
pixels inside (`start <= i < end` on each axis), over every channel."""

import numpy as np


def box_bounds(rng, ratios, length):
    """`(start, end)` on an axis of `length` for each box's `ratios` of it, in float32."""
    sides = np.asarray(ratios, np.float32) * np.float32(length)
    starts = rng.uniform(0, 1, sides.shape).astype(np.float32) * (np.float32(length) - sides)
    return starts, starts + sides


def box_masks(shape, columns, rows, data_format):
    """The masks (`shape`, a batch in `data_format`) of the boxes `columns = (x0, x1)` and
    `rows = (y0, y1)`, one per image."""
    channels_first = data_format == "channels_first"
    height, width = shape[2:] if channels_first else shape[1:3]
    (x0, x1), (y0, y1) = ([np.asarray(b, np.float32)[:, None, None] for b in bounds]
                          for bounds in (columns, rows))
    ys = np.arange(height, dtype=np.float32)[None, :, None]
    xs = np.arange(width, dtype=np.float32)[None, None, :]
    inside = (xs >= x0) & (xs < x1) & (ys >= y0) & (ys < y1)
    inside = inside[:, None] if channels_first else inside[..., None]
    return np.broadcast_to(inside, shape)
