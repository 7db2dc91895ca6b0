"""`RandomGaussianBlur`: some images blurred by a Gaussian of random width in training."""

import numbers

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.layers.preprocessing.image_preprocessing.traced import traced
from minikeras.saving import registry


def _kernel_size(value):
    """Keras' `kernel_size`: an odd number, or two odd numbers (height, width)."""
    message = f"kernel_size must be an odd number. Received: kernel_size={value}"
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError("The `kernel_size` argument should be a number (or a list of two "
                             f"numbers) Received: kernel_size={value}")
        if value[0] % 2 == 0 or value[1] % 2 == 0:
            raise ValueError(message)
        return tuple(value)
    if isinstance(value, numbers.Real) and value % 2 != 0:
        return value, value
    raise ValueError(message)


@registry.register("layer", module="keras.layers")
class RandomGaussianBlur(BaseImagePreprocessingLayer):
    """In training, blur each image with a probability drawn from `factor`, by
    `ops.image.gaussian_blur` with `kernel_size` and a `(height, width)` sigma drawn (once per
    call) uniformly from `sigma` (plus 1e-6); then clip every image to `value_range`. The
    identity at inference.

    Args:
        factor: the probability of blurring an image: `f` for `[0, f]` (each image's drawn from
            it), or `(lower, upper)`, in [0, 1] (default 1).
        kernel_size: an odd number, or two (height, width) (default 3).
        sigma: `s` for `[0, s]`, or `(lower, upper)`, in [0, 1] (default 1).
        value_range: the range of the pixels (default `(0, 255)`).
        data_format: "channels_last" (default) or "channels_first".
        seed: integer seed of the layer's generator.
    """

    _random = True
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = self._standardize_factor(factor)
        self.kernel_size = _kernel_size(kernel_size)
        self.sigma = self._standardize_factor(sigma, "sigma")
        self.value_range = value_range

    def _draw(self, shape):
        probability = self._uniform(self.factor[0], self.factor[1], (shape[0],))
        return {"should_apply_blur": self._uniform(0.0, 1.0, (shape[0],)) < probability,
                "blur_factor": self._uniform(self.sigma[0], self.sigma[1], (2,))
                + np.float32(1e-6)}

    def _apply(self, images, transformation):
        from minikeras import ops

        sigma = np.asarray(transformation["blur_factor"], np.float32)
        chosen = np.reshape(transformation["should_apply_blur"], (-1, 1, 1, 1))

        def blur(x):
            blurred = ops.image.gaussian_blur(x, self.kernel_size, (sigma[0], sigma[1]),
                                              data_format=self.data_format)
            return ops.clip(ops.where(chosen, blurred, x), self.value_range[0],
                            self.value_range[1])

        return traced(blur, images)

    def _adjoint(self, pullback, grad):
        return pullback(grad)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "kernel_size": self.kernel_size,
                "sigma": self.sigma, "value_range": self.value_range, "seed": self.seed}
