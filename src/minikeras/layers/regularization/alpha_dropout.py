"""`AlphaDropout`: dropout that keeps SELU's self-normalizing mean and variance."""

import numpy as np

from minikeras.activations import _SELU_ALPHA, _SELU_SCALE
from minikeras.layers.regularization import draws
from minikeras.layers.regularization.random_noise import RandomNoise
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class AlphaDropout(RandomNoise):
    """In training, set a fraction `rate` of the entries to SELU's saturation value and apply
    the affine map `a * x + b` that restores the inputs' mean and variance; the identity at
    inference.

    Args:
        rate: float in [0, 1], the fraction of entries dropped.
        noise_shape: the shape of the keep mask, broadcast against the input (None entries take
            the input's size).
        seed: integer seed of the layer's own random generator.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = self._fraction("rate", rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def forward(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs, None
        shape = inputs.shape if self.noise_shape is None else tuple(
            s if n is None else n for s, n in zip(inputs.shape, self.noise_shape))
        keep = draws.keep_mask(self._rng, shape, self.rate)
        saturation = -_SELU_ALPHA * _SELU_SCALE  # where SELU saturates: dropped entries' value
        a = ((1 - self.rate) * (1 + self.rate * saturation**2)) ** -0.5
        b = -a * saturation * self.rate
        kind = inputs.dtype.type
        # a * (x * keep + saturation * (1 - keep)) + b, in place: the same roundings
        outputs = np.multiply(inputs, keep, dtype=inputs.dtype)
        np.add(outputs, kind(saturation), out=outputs, where=~keep)
        outputs *= kind(a)
        outputs += kind(b)
        return outputs, np.multiply(keep, kind(a))  # the context: per call (see draws)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}
