"""`GaussianDropout`: multiply by Gaussian noise of mean 1 in training."""

import math

from minikeras.layers.regularization.random_noise import RandomNoise
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class GaussianDropout(RandomNoise):
    """Multiply each input entry by noise drawn from N(1, rate / (1 - rate)) in training; the
    identity at inference.

    Args:
        rate: float in [0, 1], the drop probability of the equivalent Dropout.
        seed: integer seed of the layer's own random generator.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = self._fraction("rate", rate)

    def forward(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs, None
        stddev = math.sqrt(self.rate / (1.0 - self.rate)) if self.rate < 1 else math.inf
        noise = self._normal(inputs.shape, inputs.dtype, 1.0, stddev)
        return inputs * noise, noise

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
