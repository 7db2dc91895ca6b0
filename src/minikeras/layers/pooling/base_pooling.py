"""The base of `MaxPooling1D/2D/3D` and `AveragePooling1D/2D/3D`: windows of the input reduced
to their maximum or mean, one vectorized pass per offset in the window."""

import math

import numpy as np

from minikeras.core import parallel
from minikeras.layers import spatial, windows
from minikeras.layers.spatial import SpatialLayer


class BasePooling(SpatialLayer):
    """Reduce each `pool_size` window of the spatial axes (one every `strides`) to one value.

    Args:
        pool_size: an int or `rank` ints, the window's size.
        strides: an int or `rank` ints, the step between windows (default `pool_size`).
        padding: "valid" (no padding) or "same" (output size `ceil(input / stride)`; padded
            positions never win a maximum nor count in a mean).
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(name=name, **kwargs)
        self.pool_size = spatial.standardize_tuple(pool_size, self.rank, "pool_size")
        self.strides = self.pool_size if strides is None else spatial.standardize_tuple(
            strides, self.rank, "strides")
        self.padding = spatial.standardize_padding(padding)
        self.data_format = spatial.standardize_data_format(data_format)
        self.built = True

    def _geometry(self, spatial_shape):
        return windows.geometry(spatial_shape, self.pool_size, self.strides,
                                (1,) * self.rank, self.padding)

    def forward(self, inputs, training=False):
        x = spatial.to_channels_last(inputs, self.data_format)
        g = self._geometry(x.shape[1:-1])
        # Parts of the batch, pooled in cache and shared between threads (`core.parallel`):
        # an image's temporaries are its padded input and, backward, its padded gradient.
        slices = parallel.parts(x.shape[0], 2 * math.prod(g.padded) * x.shape[-1]
                                * x.dtype.itemsize)
        if len(slices) == 1:
            out, ctx = self._pool(x, g)
            contexts = [ctx]
        else:
            pooled = parallel.run(lambda part: self._pool(x[part], g), slices)
            out = np.concatenate([out for out, _ in pooled])
            contexts = [ctx for _, ctx in pooled]
        return spatial.from_channels_last(out, self.data_format), (slices, contexts, x.shape)

    def backward(self, ctx, grad, grads):
        slices, contexts, input_shape = ctx
        grad = spatial.to_channels_last(grad, self.data_format)
        if len(slices) == 1:
            input_grad = self._unpool(contexts[0], grad)
        else:
            input_grad = np.empty(input_shape, grad.dtype)

            def unpool_part(index):
                part = slices[index]
                input_grad[part] = self._unpool(contexts[index], grad[part])

            parallel.run(unpool_part, range(len(slices)))
        return spatial.from_channels_last(input_grad, self.data_format)

    def compute_output_shape(self, input_shape):
        batch, spatial_shape, channels = spatial.split_shape(input_shape, self.data_format)
        known = [1 << 20 if n is None else n for n in spatial_shape]  # then None
        output = self._geometry(known).output
        output = tuple(None if n is None else o for n, o in zip(spatial_shape, output))
        return spatial.join_shape(batch, output, channels, self.data_format)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


class BaseMaxPooling(BasePooling):
    """The maximum of each window; its gradient goes to the window's first maximum (as
    TensorFlow's)."""

    def _pool(self, x, g):
        padded = windows.pad(x, g, -np.inf)
        out = None
        for view in windows.strided_slices(padded, g):
            out = view.copy() if out is None else np.maximum(out, view, out=out)
        return out, (padded, out, g)

    def _unpool(self, ctx, grad):
        # Offsets in order; `remaining` is each window's gradient until an offset holding its
        # maximum takes it (then 0): the first maximum gets it all, in three passes an offset
        # (a subtraction, since `copyto(..., where=)` is several times slower).
        padded, out, g = ctx
        tiles = g.strides == g.kernel and all(
            o * k == n for o, k, n in zip(g.output, g.kernel, g.padded))
        # Windows that tile the input write each position once; others add (or leave zeros).
        padded_grad = np.empty_like(padded) if tiles else np.zeros_like(padded)
        remaining = grad.copy()
        hit = np.empty(out.shape, dtype=bool)
        share = None if tiles else np.empty_like(grad)
        offsets = g.offsets()
        for number, (_, where) in enumerate(offsets):
            index = (slice(None), *where)
            np.equal(padded[index], out, out=hit)
            taken = np.multiply(remaining, hit, out=padded_grad[index] if tiles else share)
            if not tiles:
                padded_grad[index] += taken
            if number + 1 < len(offsets):
                remaining -= taken  # exactly 0 where taken, unchanged elsewhere
        return padded_grad[windows.interior(g)]


class BaseAveragePooling(BasePooling):
    """The mean of each window's input positions (padding excluded, as TensorFlow's)."""

    def _pool(self, x, g):
        padded = windows.pad(x, g)
        out = None
        for view in windows.strided_slices(padded, g):
            out = view.copy() if out is None else np.add(out, view, out=out)
        counts = self._counts(g, x.dtype)
        out /= counts
        return out, (x.shape, g, counts)

    @staticmethod
    def _counts(g, dtype):
        """How many input (not padding) positions each window holds: `(1, *output, 1)`."""
        if not any(g.before) and not any(g.after):
            return dtype.type(g.taps)
        ones = windows.pad(np.ones((1, *g.spatial, 1), dtype), g)
        return sum(view for view in windows.strided_slices(ones, g))

    def _unpool(self, ctx, grad):
        input_shape, g, counts = ctx
        share = grad / counts
        padded_grad = np.zeros((input_shape[0], *g.padded, input_shape[-1]), grad.dtype)
        for _, where in g.offsets():
            padded_grad[(slice(None), *where)] += share
        return padded_grad[windows.interior(g)]
