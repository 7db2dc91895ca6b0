"""`RandomPerspective`: some images' corners moved at random, the images warped to follow,
in training."""

import numpy as np

from minikeras.layers import spatial
from minikeras.layers.preprocessing.image_preprocessing import affine
from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.ops._image_warp import _homography
from minikeras.saving import registry

_IDENTITY = np.array([1, 0, 0, 0, 1, 0, 0, 0], np.float32)


@registry.register("layer", module="keras.layers")
class RandomPerspective(BaseImagePreprocessingLayer):
    """In training, warp each image with a probability drawn from `factor`: its four corners
    each move by up to `scale / 2` of their coordinates (uniformly, on each axis), and the
    image follows them (`ops.image.perspective_transform`, `fill_value` outside). The
    identity at inference.

    Args:
        factor: the probability of warping an image: `f` for `[0, f]` (each image's drawn from
            it), or `(lower, upper)`, in [0, 1] (default 1).
        scale: how far the corners move, in [0, 1] (default 1).
        interpolation: "bilinear" (default) or "nearest".
        fill_value: the value of points read from outside the image.
        seed: integer seed of the layer's generator.
        data_format: "channels_last" (default) or "channels_first".
    """

    _random = True
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0,
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = self._standardize_factor(factor)
        if scale < 0.0 or scale > 1.0:
            raise ValueError("The `scale` argument should be a number in the range [0,1]. "
                             f"Received: scale={scale}")
        self.scale = scale
        self.interpolation = self._choice("interpolation", interpolation,
                                          affine.INTERPOLATIONS)
        self.fill_value = fill_value

    def _draw(self, shape):
        batch = shape[0]
        height, width = shape[self._height_axis], shape[self._width_axis]
        probability = self._uniform(self.factor[0], self.factor[1], (batch,))
        chosen = self._uniform(0.0, 1.0, (batch,)) < probability
        moves = self._uniform(-0.5 * self.scale, 0.5 * self.scale, (batch, 4, 2))
        corners = np.array([[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1]],
                           np.float32)
        start = np.repeat(corners[None], batch, 0)
        return {"apply_perspective": chosen, "start_points": start,
                "end_points": start + start * moves}

    def _apply(self, images, transformation):
        """The images not chosen read through the identity: bilinear taps at whole pixels
        weigh one pixel by exactly 1, so they come out unchanged."""
        transforms = _homography(np.asarray(transformation["start_points"], np.float32),
                                 np.asarray(transformation["end_points"], np.float32))
        chosen = np.asarray(transformation["apply_perspective"], bool)[:, None]
        transforms = np.where(chosen, transforms, _IDENTITY)
        images = spatial.to_channels_last(images, self.data_format)
        tap_set = affine.taps(images.shape, transforms, self.interpolation, "constant")
        out = affine.transform(images, tap_set, self.fill_value)
        return spatial.from_channels_last(out, self.data_format), tap_set

    def _adjoint(self, tap_set, grad):
        grad = np.ascontiguousarray(spatial.to_channels_last(grad, self.data_format))
        return spatial.from_channels_last(affine.transform_adjoint(grad, tap_set),
                                          self.data_format)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_value": self.fill_value,
                "seed": self.seed}
