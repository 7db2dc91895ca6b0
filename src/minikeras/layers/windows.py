"""Sliding windows over the spatial axes of N-d arrays: the one core of every convolution and
pooling layer, whatever its rank.

Arrays here are channels-last, `(batch, *spatial, channels)`; layers with
`data_format="channels_first"` move their channel axis before and after. A `Geometry` says
where a kernel's windows fall on an input; `im2col` copies every window into one row of a
matrix (a strided view of the padded input, copied once), so a convolution is one BLAS product;
`col2im` is its adjoint, summing each window's row back into place with one strided `+=` per
kernel offset (a handful of vectorized adds, never a loop over pixels or samples).
"""

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided


@dataclass(frozen=True)
class Geometry:
    """Where the windows of a kernel fall on an input's spatial axes.

    The input is padded by `before[i]` zeros (or the layer's fill) at the start of axis `i` and
    `after[i]` at its end; window `o` on axis `i` starts at `o * strides[i]` of the padded axis
    and takes `kernel[i]` taps `dilation[i]` apart. `output` is the number of windows per axis.
    """

    spatial: tuple
    kernel: tuple
    strides: tuple
    dilation: tuple
    before: tuple
    after: tuple
    output: tuple

    @property
    def padded(self):
        return tuple(n + b + a for n, b, a in zip(self.spatial, self.before, self.after))

    @property
    def taps(self):
        return math.prod(self.kernel)

    def offsets(self):
        """`(kernel index, slices)` for every kernel offset: the slices of the padded spatial
        axes that offset reads, one entry per window."""
        return self._offsets

    @functools.cached_property
    def _offsets(self):  # geometries are cached per shape (`geometry`): made once per shape
        return tuple(
            (index, tuple(slice(k * d, k * d + s * (o - 1) + 1, s)
                          for k, d, s, o in zip(index, self.dilation, self.strides, self.output)))
            for index in itertools.product(*(range(k) for k in self.kernel)))


def effective_size(kernel, dilation):
    return (kernel - 1) * dilation + 1


def geometry(spatial, kernel, strides, dilation, padding):
    """The `Geometry` of a convolution or pooling with Keras' `padding` ("valid", "same" as
    TensorFlow pads it, more at the end when odd, or "causal": all at the start)."""
    return _geometry(tuple(spatial), tuple(kernel), tuple(strides), tuple(dilation), padding)


@functools.lru_cache(maxsize=256)  # a layer meets few input shapes, and each call needs one
def _geometry(spatial, kernel, strides, dilation, padding):
    before, after, output = [], [], []
    for n, k, s, d in zip(spatial, kernel, strides, dilation):
        span = effective_size(k, d)
        if padding == "same":
            count = -(-n // s)
            total = max((count - 1) * s + span - n, 0)
            before.append(total // 2)
            after.append(total - total // 2)
        else:
            lead = span - 1 if padding == "causal" else 0
            count = (n + lead - span) // s + 1
            before.append(lead)
            after.append(0)
        output.append(count)
    return Geometry(tuple(spatial), tuple(kernel), tuple(strides), tuple(dilation),
                    tuple(before), tuple(after), tuple(output))


def transpose_geometry(spatial, output, kernel, strides, dilation, padding):
    """The `Geometry` of the convolution whose adjoint maps `spatial` windows to an output of
    `output` positions: a transposed convolution's, padded as TensorFlow pads it for a
    requested output size (windows may stop short of the end: those positions get nothing)."""
    before, after = [], []
    for n, length, k, s, d in zip(spatial, output, kernel, strides, dilation):
        needed = (n - 1) * s + effective_size(k, d)
        lead = max(needed - length, 0) // 2 if padding == "same" else 0
        before.append(lead)
        after.append(max(needed - lead - length, 0))
    return Geometry(tuple(output), tuple(kernel), tuple(strides), tuple(dilation),
                    tuple(before), tuple(after), tuple(spatial))


def pad(x, g, value=0.0):
    """`x` (channels-last) padded on its spatial axes as `g` says, filled with `value`."""
    if not any(g.before) and not any(g.after):
        return x
    out = np.full((x.shape[0], *g.padded, x.shape[-1]), value, dtype=x.dtype)
    out[interior(g)] = x
    return out


def interior(g):
    """The index of the unpadded input inside a padded array."""
    return (slice(None), *(slice(b, b + n) for b, n in zip(g.before, g.spatial)), slice(None))


def windows(xp, g):
    """A strided view `(batch, *output, *kernel, channels)` of the padded array `xp`: entry
    `[n, o..., k..., c]` is `xp[n, o*s + k*d ..., c]`. No copy."""
    strides = xp.strides
    spatial = strides[1:-1]
    return as_strided(
        xp,
        shape=(xp.shape[0], *g.output, *g.kernel, xp.shape[-1]),
        strides=(strides[0], *(t * s for t, s in zip(spatial, g.strides)),
                 *(t * d for t, d in zip(spatial, g.dilation)), strides[-1]),
        writeable=False,
    )


# Below this many channels, im2col copies one strided slice per kernel offset: numpy copies a
# window view with a short innermost axis element by element (3.5x slower for one channel).
_FEW_CHANNELS = 8


def im2col(x, g, groups=1):
    """Every window of `x` (channels-last, unpadded) as a row: `(groups, batch * windows,
    taps * channels // groups)`, rows ordered `(kernel..., channel)` as Keras' kernels are."""
    xp = pad(x, g)
    rows = x.shape[0] * math.prod(g.output)
    if groups == 1 and x.shape[-1] < _FEW_CHANNELS:
        return np.concatenate(list(strided_slices(xp, g)), axis=-1).reshape(1, rows, -1)
    view = windows(xp, g)
    if groups == 1:
        return view.reshape(1, rows, -1)
    view = view.reshape(rows, g.taps, groups, x.shape[-1] // groups)
    return np.ascontiguousarray(view.transpose(2, 0, 1, 3)).reshape(groups, rows, -1)


def col2im(cols, g, batch, channels, groups=1):
    """The adjoint of `im2col`: the rows `(groups, batch * windows, taps * channels // groups)`
    summed back onto an unpadded `(batch, *spatial, channels)` array."""
    per_group = channels // groups
    cols = cols.reshape(groups, batch, *g.output, *g.kernel, per_group)
    padded = np.zeros((batch, *g.padded, groups, per_group), dtype=cols.dtype)
    lead = (slice(None),) * (2 + len(g.output))  # groups, batch, *output
    for index, spatial in g.offsets():
        # (groups, batch, *output, per_group) -> (batch, *output, groups, per_group)
        padded[(slice(None), *spatial)] += np.moveaxis(cols[lead + index], 0, -2)
    return padded.reshape(batch, *g.padded, channels)[interior(g)]


def strided_slices(xp, g):
    """For every kernel offset, the view of the padded `xp` it reads, `(batch, *output,
    channels)`: one entry per window."""
    for _, spatial in g.offsets():
        yield xp[(slice(None), *spatial)]
