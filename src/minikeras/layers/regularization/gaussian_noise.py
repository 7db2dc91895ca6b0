"""`GaussianNoise`: add zero-mean Gaussian noise in training."""

from minikeras.layers.regularization.random_noise import RandomNoise
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class GaussianNoise(RandomNoise):
    """Add noise drawn from N(0, stddev^2) to each input entry in training; the identity at
    inference.

    Args:
        stddev: float in [0, 1], the standard deviation of the noise.
        seed: integer seed of the layer's own random generator.
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = self._fraction("stddev", stddev)

    def forward(self, inputs, training=False):
        if training and self.stddev > 0:
            return inputs + self._normal(inputs.shape, inputs.dtype, 0.0, self.stddev), None
        return inputs, None

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}
