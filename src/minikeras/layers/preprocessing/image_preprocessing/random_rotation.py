"""`RandomRotation`: images rotated about their centre by a random angle in training."""

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing.affine import AffineTransformLayer
from minikeras.saving import registry


def rotation_transforms(angles, height, width):
    """The transforms rotating images of `(height, width)` about their centre by `angles`
    (degrees, one per image), as Keras 3 builds them (in float32)."""
    radians = np.asarray(angles, np.float32) * np.float32(np.pi / 180.0)
    cos, sin = np.cos(radians), np.sin(radians)
    cx, cy = np.float32(0.5 * (width - 1)), np.float32(0.5 * (height - 1))
    zeros = np.zeros_like(cos)
    return np.stack([cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos,
                     zeros, zeros], axis=1)


@registry.register("layer", module="keras.layers")
class RandomRotation(AffineTransformLayer):
    """Rotate each image by an angle drawn uniformly from `factor * 360` degrees in training;
    the identity at inference.

    Args:
        factor: a fraction of a full turn: `f` for `[-f, f]`, or `(lower, upper)`, in [-1, 1].
        fill_mode: how points outside the image are read: "reflect" (default), "wrap",
            "constant" (`fill_value`) or "nearest".
        interpolation: "bilinear" (default) or "nearest".
        seed: integer seed of the layer's generator.
        fill_value: the value outside the image with `fill_mode="constant"`.
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = self._standardize_factor(factor)

    def _draw_transforms(self, batch, height, width):
        angles = self._uniform(self.factor[0] * 360.0, self.factor[1] * 360.0, (batch,))
        return rotation_transforms(angles, height, width)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
