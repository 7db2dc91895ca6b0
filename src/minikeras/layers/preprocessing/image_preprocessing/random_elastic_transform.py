"""`RandomElasticTransform`: some images read through a random smooth displacement field in
training."""

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.layers.preprocessing.image_preprocessing.traced import traced
from minikeras.saving import registry

_FILL_MODES = {"constant", "nearest", "wrap", "mirror", "reflect"}


def elastic_parameters(height, width, distortion):
    """Keras' `(alpha, sigma)` of an elastic transform of `distortion` on images of `(height,
    width)`: a tenth of the larger side and a twentieth of the smaller, times `distortion`."""
    distortion = np.float32(distortion)
    return (np.float32(max(height, width)) * (np.float32(0.1) * distortion),
            np.float32(min(height, width)) * (np.float32(0.05) * distortion))


@registry.register("layer", module="keras.layers")
class RandomElasticTransform(BaseImagePreprocessingLayer):
    """In training, transform each image with a probability drawn from `factor` by
    `ops.image.elastic_transform`, its `alpha` and `sigma` (`elastic_parameters`) from a
    distortion drawn (once per call) uniformly from `scale`; then clip every image to
    `value_range`. The identity at inference, and when `scale` or `factor` is 0.

    Args:
        factor: the probability of transforming an image: `f` for `[0, f]` (each image's drawn
            from it), or `(lower, upper)`, in [0, 1] (default 1).
        scale: `s` for `[0, s]`, or `(lower, upper)`, in [0, 1] (default 1).
        interpolation: "bilinear" (default) or "nearest".
        fill_mode: "reflect" (default), "wrap", "constant" (`fill_value`) or "nearest"
            ("mirror" is accepted, as Keras accepts it, and refused by the transform).
        fill_value: the value outside the image with `fill_mode="constant"`.
        value_range: the range of the pixels (default `(0, 255)`).
        seed: integer seed of the layer's generator.
        data_format: "channels_last" (default) or "channels_first".
    """

    _random = True
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = self._standardize_factor(factor)
        self.scale = self._standardize_factor(scale, "scale")
        self.interpolation = self._choice("interpolation", interpolation, ("nearest", "bilinear"))
        if fill_mode not in _FILL_MODES:
            raise NotImplementedError(
                f"Unknown `fill_mode` {fill_mode}. Expected of one {_FILL_MODES}.")
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.value_range = value_range

    def _draw(self, shape):
        if self.scale[1] == 0 or self.factor[1] == 0:
            return None
        probability = self._uniform(self.factor[0], self.factor[1], (shape[0],))
        return {"apply_transform": self._uniform(0.0, 1.0, (shape[0],)) < probability,
                "distortion_factor": self._uniform(self.scale[0], self.scale[1], ()),
                "seed": int(self._rng.integers(2 ** 31))}

    def _apply(self, images, transformation):
        from minikeras import ops

        if transformation is None:
            return images, None
        alpha, sigma = elastic_parameters(*self._size_of(images),
                                          transformation["distortion_factor"])
        chosen = np.reshape(transformation["apply_transform"], (-1, 1, 1, 1))

        def warp(x):
            moved = ops.image.elastic_transform(
                x, alpha=alpha, sigma=sigma, interpolation=self.interpolation,
                fill_mode=self.fill_mode, fill_value=self.fill_value,
                seed=transformation["seed"], data_format=self.data_format)
            return ops.clip(ops.where(chosen, moved, x), self.value_range[0],
                            self.value_range[1])

        return traced(warp, images)

    def _adjoint(self, pullback, grad):
        return pullback(grad)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "value_range": self.value_range,
                "seed": self.seed}
