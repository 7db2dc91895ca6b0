"""`RandomShear`: images sheared along x and y by random amounts in training."""

import numbers

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing.affine import AffineTransformLayer
from minikeras.saving import registry

_MESSAGE = ("The `factor` argument should be a number (or a list of two numbers) in the range "
            "[0, 1.0]. ")


def _shear_factor(value, name):
    """Keras' `x_factor`/`y_factor`: `f` for `[-f, f]`, or `(lower, upper)`, each in [0, 1]."""
    def check(number):
        if number > 1.0 or number < 0.0:
            raise ValueError(_MESSAGE + f"Received: input_number={number}")

    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(_MESSAGE + f"Received: {name}={value}")
        check(value[0])
        check(value[1])
        return tuple(sorted(value))
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        check(value)
        return -abs(value), abs(value)
    raise ValueError(_MESSAGE + f"Received: {name}={value}")


def shear_transforms(shears):
    """The transforms shearing by `shears` (one `(x, y)` pair per image) about the origin (the
    top-left corner), as Keras 3 builds them: `x' = x + sx y`, `y' = sy x + y`."""
    shears = np.asarray(shears, np.float32)
    ones, zeros = np.ones(len(shears), np.float32), np.zeros(len(shears), np.float32)
    return np.stack([ones, shears[:, 0], zeros, shears[:, 1], ones, zeros, zeros, zeros], 1)


@registry.register("layer", module="keras.layers")
class RandomShear(AffineTransformLayer):
    """Shear each image in training by an x amount drawn uniformly from `x_factor` and a y
    amount from `y_factor`, both negated for about half the images; the identity at inference.

    Args:
        x_factor: `f` for `[-f, f]`, or `(lower, upper)`, in [0, 1] (default 0).
        y_factor: the same for the vertical shear.
        interpolation: "bilinear" (default) or "nearest".
        fill_mode: how points outside the image are read: "reflect" (default), "wrap",
            "constant" (`fill_value`) or "nearest".
        fill_value: the value outside the image with `fill_mode="constant"`.
        data_format: "channels_last" (default) or "channels_first".
        seed: integer seed of the layer's generator.
    """

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear",
                 fill_mode="reflect", fill_value=0.0, data_format=None, seed=None, **kwargs):
        x_factor, y_factor = _shear_factor(x_factor, "x_factor"), _shear_factor(
            y_factor, "y_factor")
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.x_factor, self.y_factor = x_factor, y_factor

    def _draw_transforms(self, batch, height, width):
        signs = np.where(self._uniform(0.0, 1.0, (batch, 1)) > 0.5, np.float32(-1),
                         np.float32(1))
        shear_y = self._uniform(self.y_factor[0], self.y_factor[1], (batch, 1))
        shear_x = self._uniform(self.x_factor[0], self.x_factor[1], (batch, 1))
        return shear_transforms(np.concatenate([shear_x, shear_y], 1) * signs)

    def get_config(self):
        return {**super().get_config(), "x_factor": self.x_factor, "y_factor": self.y_factor}

    @classmethod
    def from_config(cls, config):
        """A factor `f` is written as `(-f, f)`, which the constructor refuses (Keras 3.15
        cannot load such a layer): read back as `f`."""
        config = dict(config)
        for name in ("x_factor", "y_factor"):
            value = config.get(name)
            if isinstance(value, (tuple, list)) and len(value) == 2 and value[0] == -value[1]:
                config[name] = value[1]
        return cls(**config)
