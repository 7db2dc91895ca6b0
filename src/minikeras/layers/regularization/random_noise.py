"""`RandomNoise`: the base of the layers that perturb their inputs at random in training only
(GaussianNoise, GaussianDropout, AlphaDropout)."""

import numbers

import numpy as np

from minikeras import backend
from minikeras.layers.base import Layer


class RandomNoise(Layer):
    """Holds the layer's seed and its own random generator; the identity at inference.

    Subclasses' `forward(inputs, training)` return the inputs unchanged unless training.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._rng = np.random.default_rng(seed if seed is not None else backend.draw_seed())
        self.supports_masking = True
        self.built = True

    @staticmethod
    def _fraction(name, value):
        """`value`, checked to be a number in [0, 1] (Keras' message names the argument)."""
        if not isinstance(value, numbers.Real) or not 0 <= value <= 1:
            raise ValueError(
                f"Invalid value received for argument `{name}`. Expected a float value between "
                f"0 and 1. Received: {name}={value}"
            )
        return value

    def _normal(self, shape, dtype, mean, stddev):
        noise = self._rng.standard_normal(shape, dtype=np.float32).astype(dtype, copy=False)
        noise *= dtype.type(stddev)
        noise += dtype.type(mean)
        return noise

    def backward(self, noise, grad, grads):
        """For the multiplicative layers: `ctx` is the factor the inputs were multiplied by."""
        return grad if noise is None else grad * noise

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
