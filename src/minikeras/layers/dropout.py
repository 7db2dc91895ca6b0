"""`Dropout`: randomly zero inputs during training, scaling the rest to keep the mean."""

import numbers

import numpy as np

from minikeras import backend
from minikeras.layers.base import Layer
from minikeras.layers.regularization import draws
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
        keep = draws.keep_mask(self._rng, self._mask_shape(inputs.shape), self.rate)
        scale = 0.0 if self.rate == 1 else 1.0 / (1.0 - self.rate)
        mask = np.multiply(keep, inputs.dtype.type(scale))  # per call (see draws)
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

