"""`AdaptiveAveragePooling1D/2D/3D` and `AdaptiveMaxPooling1D/2D/3D`: pooling to a given
output size, whatever the input size (PyTorch's adaptive pooling, as Keras 3.12 added it).

Along a spatial axis of `n` positions pooled to `out`, window `i` covers the positions
`[floor(i * n / out), ceil((i + 1) * n / out))` (Keras' bins; neighbouring windows overlap
when `out` does not divide `n`). The axes are pooled one after the other: a mean of means
over a product of windows is the mean over it, and a maximum of maxima the maximum."""

import numpy as np

from minikeras import backend
from minikeras.layers import spatial
from minikeras.layers.base import Layer
from minikeras.saving import registry


def adaptive_bins(n, out):
    """`[(start, stop), ...]`: the `out` windows of an axis of `n` positions."""
    return [(min(i * n // out, n - 1), min(-(-(i + 1) * n // out), n)) for i in range(out)]


class BaseAdaptivePooling(Layer):
    """Pool each spatial axis into `output_size` windows (see the module).

    Args:
        output_size: an int (for every spatial axis) or `rank` ints.
        data_format: "channels_last" (`(batch, *spatial, channels)`, the default of
            `keras.config.image_data_format()`) or "channels_first".
    """

    rank = None
    _single_input = True

    def __init__(self, output_size, data_format=None, **kwargs):
        output_size = self._output_size(output_size)
        super().__init__(**kwargs)
        self.output_size = output_size
        self.data_format = data_format or backend.image_data_format()
        if self.data_format not in ("channels_first", "channels_last"):
            raise ValueError(
                f"Invalid data_format: {self.data_format}. Expected 'channels_first' or "
                "'channels_last'."
            )
        self.built = True

    @classmethod
    def _output_size(cls, output_size):
        if isinstance(output_size, int):
            return (output_size,) * cls.rank
        if isinstance(output_size, (tuple, list)):
            if cls.rank == 1 and len(output_size) != 1:
                raise ValueError(
                    "For 1D input, `output_size` tuple must have length 1. "
                    f"Received: {output_size}"
                )
            if len(output_size) == cls.rank:
                return tuple(output_size)
        what = {1: "tuple of 1 integer", 2: "(height, width) tuple",
                3: "(depth, height, width) tuple"}[cls.rank]
        raise TypeError(
            f"`output_size` must be an integer or {what}. "
            f"Received: {output_size} of type {type(output_size)}"
        )

    def _conform_input(self, x):
        if x.ndim != self.rank + 2:
            raise self._incompatible(
                f"expected ndim={self.rank + 2}, found ndim={x.ndim}. Full shape received: "
                f"{x.shape}", x)
        return x

    def forward(self, inputs, training=False):
        x = spatial.to_channels_last(inputs, self.data_format)
        out, ctx = self._pool(x)
        return spatial.from_channels_last(out, self.data_format), ctx

    def backward(self, ctx, grad, grads):
        grad = spatial.to_channels_last(grad, self.data_format)
        return spatial.from_channels_last(self._unpool(ctx, grad), self.data_format)

    def compute_output_shape(self, input_shape):
        batch, _, channels = spatial.split_shape(tuple(input_shape), self.data_format)
        return spatial.join_shape(batch, self.output_size, channels, self.data_format)

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size,
                "data_format": self.data_format}


class BaseAdaptiveAveragePooling(BaseAdaptivePooling):
    """The mean of each window: along each axis, a product with the `(out, n)` matrix of
    window shares (`1 / size` on a window's positions); its gradient is the transposed
    product."""

    def _pool(self, x):
        matrices = [_shares(n, out, x.dtype) for n, out in zip(x.shape[1:-1], self.output_size)]
        for axis, matrix in enumerate(matrices, start=1):
            x = _along(x, matrix, axis)
        return x, matrices

    def _unpool(self, matrices, grad):
        for axis, matrix in enumerate(matrices, start=1):
            grad = _along(grad, matrix.T, axis)
        return grad


class BaseAdaptiveMaxPooling(BaseAdaptivePooling):
    """The maximum of each window; the gradient goes to the position that holds it (the
    first of equal maxima), summed where overlapping windows share it."""

    def _pool(self, x):
        stages = []
        for axis, out in enumerate(self.output_size, start=1):
            bins = adaptive_bins(x.shape[axis], out)
            maxima, where = [], []
            for start, stop in bins:
                window = _slice(x, axis, start, stop)
                index = np.argmax(window, axis=axis, keepdims=True)
                maxima.append(np.take_along_axis(window, index, axis=axis))
                where.append(index)
            stages.append((x.shape, axis, bins, where))
            x = np.concatenate(maxima, axis=axis)
        return x, stages

    def _unpool(self, stages, grad):
        for shape, axis, bins, where in reversed(stages):
            full = np.zeros(shape, grad.dtype)
            for i, ((start, stop), index) in enumerate(zip(bins, where)):
                positions = np.arange(stop - start).reshape(
                    [-1 if a == axis else 1 for a in range(len(shape))])
                hit = positions == index
                _slice(full, axis, start, stop)[...] += hit * _slice(grad, axis, i, i + 1)
            grad = full
        return grad


def _shares(n, out, dtype):
    matrix = np.zeros((out, n), dtype)
    for i, (start, stop) in enumerate(adaptive_bins(n, out)):
        matrix[i, start:stop] = dtype.type(1) / dtype.type(stop - start)
    return matrix


def _along(x, matrix, axis):
    """`x` with its axis `axis` multiplied by `matrix` (`(new, old)`)."""
    return np.moveaxis(np.tensordot(x, matrix, axes=([axis], [1])), -1, axis)


def _slice(x, axis, start, stop):
    return x[(slice(None),) * axis + (slice(start, stop),)]


@registry.register("layer", module="keras.layers")
class AdaptiveAveragePooling1D(BaseAdaptiveAveragePooling):
    """Adaptive average pooling of `(batch, steps, channels)` (see `BaseAdaptivePooling`)."""

    rank = 1


@registry.register("layer", module="keras.layers")
class AdaptiveAveragePooling2D(BaseAdaptiveAveragePooling):
    """Adaptive average pooling of `(batch, rows, cols, channels)`."""

    rank = 2


@registry.register("layer", module="keras.layers")
class AdaptiveAveragePooling3D(BaseAdaptiveAveragePooling):
    """Adaptive average pooling of `(batch, d1, d2, d3, channels)`."""

    rank = 3


@registry.register("layer", module="keras.layers")
class AdaptiveMaxPooling1D(BaseAdaptiveMaxPooling):
    """Adaptive max pooling of `(batch, steps, channels)` (see `BaseAdaptivePooling`)."""

    rank = 1


@registry.register("layer", module="keras.layers")
class AdaptiveMaxPooling2D(BaseAdaptiveMaxPooling):
    """Adaptive max pooling of `(batch, rows, cols, channels)`."""

    rank = 2


@registry.register("layer", module="keras.layers")
class AdaptiveMaxPooling3D(BaseAdaptiveMaxPooling):
    """Adaptive max pooling of `(batch, d1, d2, d3, channels)`."""

    rank = 3
