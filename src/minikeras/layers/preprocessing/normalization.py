"""`Normalization`: `(x - mean) / sqrt(variance)`, with the statistics given or adapted."""

import math

import numpy as np

from minikeras import backend
from minikeras.layers.base import Layer
from minikeras.layers.preprocessing import adapting
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Normalization(Layer):
    """Shift and scale inputs to mean 0 and variance 1 along the kept axes.

    Args:
        axis: the axis or axes that keep their own statistics (default -1: one mean and
            variance per feature); None for one mean and variance over everything.
        mean, variance: the statistics, given (broadcast to the kept axes); else `adapt` computes
            them and they are the layer's non-trainable weights `mean`, `variance`, `count`.
        invert: apply the inverse map, `mean + x * sqrt(variance)`.
    """

    _single_input = True

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        self.axis = (axis,) if isinstance(axis, int) else tuple(axis)
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.supports_masking = True
        self.adapt_mean = self.adapt_variance = self.count = None
        self.mean = self.variance = None  # the given statistics, broadcast, once built
        if (mean is None) != (variance is None):
            raise ValueError(
                "When setting values directly, both `mean` and `variance` must be set. "
                f"Received: mean={mean} and variance={variance}"
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    "When setting values directly, `mean` and `variance` must have the same "
                    f"shape. Received: mean shape {np.shape(mean)} and variance shape "
                    f"{np.shape(variance)}"
                )
            if np.ndim(mean) > len(self.axis):
                raise ValueError(
                    "The rank of `mean` must be less than or equal to the number of axes "
                    f"({len(self.axis)}). Received: mean shape {np.shape(mean)} for axis "
                    f"{self.axis}"
                )

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                "All `axis` values must be in the range [-ndim, ndim). Received inputs with "
                f"ndim={ndim}, while axis={self.axis}"
            )
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for a in self._keep_axis:
            if input_shape[a] is None:
                raise ValueError(
                    "All `axis` values to be kept must have a known shape. Received "
                    f"axis={self.axis}, inputs.shape={tuple(input_shape)}, with unknown axis at "
                    f"index {a}"
                )
        self._reduce_axis = tuple(a for a in range(ndim) if a not in self._keep_axis)
        self._broadcast_shape = tuple(
            input_shape[a] if a in self._keep_axis else 1 for a in range(ndim))
        self._statistics_shape = tuple(input_shape[a] for a in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(
                name="mean", shape=self._statistics_shape, initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(
                name="variance", shape=self._statistics_shape, initializer="ones",
                trainable=False)
            self.count = self.add_weight(
                name="count", shape=(), dtype="int64", initializer="zeros", trainable=False)
        else:
            self.mean, self.variance = (
                self._broadcast(value, ndim) for value in (self.input_mean, self.input_variance))

    def _broadcast(self, value, ndim):
        """A given statistic, its trailing axes aligned with the kept axes, broadcast."""
        value = np.asarray(value, np.float32)
        shape = [1] * ndim
        for i in range(1, value.ndim + 1):
            shape[self._keep_axis[-i]] = value.shape[-i]
        return np.broadcast_to(value.reshape(shape), self._broadcast_shape)

    # ------------------------------------------------------------------------------------------
    # Adapting

    def adapt(self, data, batch_size=None, steps=None):
        """Compute the mean and variance of `data` (an array, or an iterable of batches)."""
        data = adapting.batch_rows(data)
        whole = adapting.is_whole_array(data, lists="auto")
        chunks = adapting.batches(data, steps=steps, lists="auto")
        first = next(chunks, None)
        if first is None:
            raise ValueError(
                "adapt() received an empty iterable (no batches). Expected at least one batch. "
                "Pass a non-empty iterable of arrays or tensors, e.g. layer.adapt([x]) or "
                "layer.adapt(list_of_batches)."
            )
        if not self.built:
            # Keras builds on a dataset's declared shape (unknown batch), else the data's.
            declared = adapting.element_shape(data)
            self.build(first.shape if declared is None else declared)
        self._check_adapt_shape(first.shape)
        if whole:
            mean = np.mean(first, axis=self._reduce_axis)
            variance = np.var(first, axis=self._reduce_axis)
        else:
            mean, variance = self._merge_batches(first, chunks)
        self.adapt_mean.assign(mean)
        self.adapt_variance.assign(variance)
        self.finalize_state()

    def _check_adapt_shape(self, shape):
        for a in self._keep_axis:
            if shape[a] != self._broadcast_shape[a]:
                raise ValueError(
                    f"The layer was built with input_shape={self._build_input_shape}, but "
                    f"adapt() is being called with data with an incompatible shape, "
                    f"data.shape={tuple(shape)}"
                )

    def _merge_batches(self, first, rest):
        """Running mean and variance over batches, weighting each batch by its size (float32,
        as Keras merges them)."""
        mean = np.zeros(self._statistics_shape, np.float32)
        variance = np.zeros(self._statistics_shape, np.float32)
        total = 0
        for batch in (first, *rest):
            self._check_adapt_shape(batch.shape)
            batch = batch.astype(np.float32, copy=False)
            batch_mean = np.mean(batch, axis=self._reduce_axis)
            batch_variance = np.var(batch, axis=self._reduce_axis)
            count = math.prod(batch.shape[a] for a in self._reduce_axis)
            total += count
            # Both weights rounded from double, as Keras' Python floats are.
            new_weight = np.float32(count / total)
            old_weight = np.float32(1.0 - count / total)
            new_mean = mean * old_weight + batch_mean * new_weight
            variance = ((variance + (mean - new_mean) ** 2) * old_weight
                        + (batch_variance + (batch_mean - new_mean) ** 2) * new_weight)
            mean = new_mean
        return mean, variance

    def finalize_state(self):
        """Keras' hook after adapting; the statistics are read from the weights at each call."""

    def _statistics(self):
        """The mean and variance, broadcastable against the inputs: the given ones, or views
        of the weights (so `adapt`, `set_weights` and loading all take effect at once)."""
        if self.input_mean is not None:
            return self.mean, self.variance
        return (self.adapt_mean.value.reshape(self._broadcast_shape),
                self.adapt_variance.value.reshape(self._broadcast_shape))

    # ------------------------------------------------------------------------------------------
    # Computation

    def forward(self, inputs, training=False):
        dtype = self._np_dtype
        mean, variance = (v.astype(dtype, copy=False) for v in self._statistics())
        inputs = inputs.astype(dtype, copy=False)
        scale = np.maximum(np.sqrt(variance), dtype.type(backend.epsilon()))
        if self.invert:
            return mean + inputs * scale, scale
        return (inputs - mean) / scale, scale

    def backward(self, scale, grad, grads):
        if not grads.needs_input:
            return None
        return grad * scale if self.invert else grad / scale

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "axis": list(self.axis),
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        }
