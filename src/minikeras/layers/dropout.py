"""`Dropout`: randomly zero inputs during training, scaling the rest to keep the mean."""

import numbers
import threading

import numpy as np

from minikeras import backend
from minikeras.layers.base import Layer
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Dropout(Layer):
    """Set a fraction `rate` of the inputs to 0 during training; identity at inference.

    Surviving units are scaled by `1 / (1 - rate)`.

    Args:
        rate: float in [0, 1], the fraction of units to drop.
        noise_shape: the shape of the keep mask, broadcast against the input (None entries
            take the input's size), to drop whole slices at once.
        seed: integer seed of the layer's own random generator.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rate, numbers.Real) or not 0 <= rate <= 1:
            raise ValueError(
                "Invalid value received for argument `rate`. Expected a float value between 0 "
                f"and 1. Received: rate={rate}"
            )
        self.rate = rate
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._rng = np.random.default_rng(seed if seed is not None else backend.draw_seed())
        self.supports_masking = True
        self.built = True

    def _mask_shape(self, shape):
        if self.noise_shape is None:
            return shape
        return tuple(s if n is None else n for s, n in zip(shape, self.noise_shape))

    def forward(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs, None
        uniform, keep = _draw_buffers(self._mask_shape(inputs.shape))
        self._rng.random(dtype=np.float32, out=uniform)
        np.greater_equal(uniform, np.float32(self.rate), out=keep)
        scale = 0.0 if self.rate == 1 else 1.0 / (1.0 - self.rate)
        mask = np.multiply(keep, inputs.dtype.type(scale))  # per call: backward needs it
        return inputs * mask, mask

    def backward(self, mask, grad, grads):
        return grad if mask is None else grad * mask

    def get_config(self):
        return {
            **super().get_config(),
            "rate": self.rate,
            "seed": self.seed,
            "noise_shape": self.noise_shape,
        }


# The uniform draw and the keep test are scratch, done with before `forward` returns: kept per
# thread and per shape (mnist_mlp's two Dropouts take the same pair every step), so a step
# allocates only the mask its backward needs and the output.
_scratch = threading.local()


def _draw_buffers(shape):
    """(float32 uniform buffer, bool buffer) of `shape`, this thread's own."""
    buffers = getattr(_scratch, "by_shape", None)
    if buffers is None:
        buffers = _scratch.by_shape = {}
    pair = buffers.get(shape)
    if pair is None:
        if len(buffers) >= 8:  # a model feeding many shapes keeps the last few only
            buffers.pop(next(iter(buffers)))
        pair = buffers[shape] = (np.empty(shape, np.float32), np.empty(shape, bool))
    return pair
