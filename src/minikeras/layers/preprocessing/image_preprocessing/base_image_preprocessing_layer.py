"""`BaseImagePreprocessingLayer`: what Keras 3's image preprocessing and augmentation layers
share: a batch of images (rank 4) or one image (rank 3) in a data format, a seeded generator
for the random ones, which transform only in training, and their `factor` ranges."""

import numbers

import numpy as np

from minikeras import backend
from minikeras.layers import spatial
from minikeras.layers.base import Layer

# Keras 2's random layers wrote how they drew (`rng_type`, `force_generator`); minikeras has one
# generator, so these configs load without them.
_KERAS2_RANDOM_ARGUMENTS = ("rng_type", "force_generator")


class BaseImagePreprocessingLayer(Layer):
    """The base of the image layers.

    Subclasses define `_transform(images) -> (images, ctx)` on a batch (rank 4) and
    `_adjoint(ctx, grad)`, the gradient of its input (every transform here is linear in the
    pixels, or clipped: the gradient is the transform's adjoint); the base adds and removes
    the batch axis of a single image.

    Random layers (`_random = True`) call `_draw(shape)` for the transformation of a batch and
    `_apply(images, transformation)` to make it; outside training they are the identity.
    """

    _single_input = True
    _random = False
    _sets_size = False  # Resizing and the crops: outputs of `(self.height, self.width)`
    _FACTOR_BOUNDS = (-1, 1)

    def __init__(self, data_format=None, seed=None, bounding_box_format=None, **kwargs):
        for name in _KERAS2_RANDOM_ARGUMENTS:
            kwargs.pop(name, None)
        if bounding_box_format is not None:
            raise NotImplementedError(
                f"{type(self).__name__}'s bounding_box_format is not supported by minikeras: "
                "it transforms images only.")
        super().__init__(**kwargs)
        self.data_format = spatial.standardize_data_format(data_format)
        self.seed = seed
        self._rng = np.random.default_rng(seed if seed is not None else backend.draw_seed())
        self.built = True

    # -- arguments ----------------------------------------------------------------------------

    def _standardize_factor(self, factor, name="factor"):
        """Keras' `factor` (or another argument `name` read as one): a number `f` in the bounds
        (the range `[-|f|, |f|]` clipped to them) or two numbers (sorted), as
        `(lower, upper)`."""
        low, high = self._FACTOR_BOUNDS
        message = (
            f"The `{name}` argument should be a number (or a list of two numbers) in the range "
            f"[{low}, {high}]. Received: factor={factor}")
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or factor[0] > high or factor[1] < low:
                raise ValueError(message)
            return tuple(sorted(factor))
        if isinstance(factor, numbers.Real) and not isinstance(factor, bool):
            if factor < low or factor > high:
                raise ValueError(message)
            factor = abs(factor)
            return max(-factor, low), factor
        raise ValueError(message)

    @staticmethod
    def _choice(name, value, allowed):
        """`value` if one of `allowed`, else Keras' NotImplementedError naming the argument."""
        if value not in allowed:
            raise NotImplementedError(
                f"Unknown `{name}` {value}. Expected of one {allowed}.")
        return value

    # -- axes ---------------------------------------------------------------------------------

    @property
    def _height_axis(self):
        return -2 if self.data_format == "channels_first" else -3

    @property
    def _width_axis(self):
        return -1 if self.data_format == "channels_first" else -2

    def _size_of(self, images):
        return images.shape[self._height_axis], images.shape[self._width_axis]

    def _conform_input(self, x):
        if x.ndim not in (3, 4):
            raise ValueError(
                "Expected image tensor to have rank 3 (single image) or 4 (batch of images). "
                f"Received: data.shape={x.shape}")
        return x

    # -- computation --------------------------------------------------------------------------

    def forward(self, inputs, training=True):
        unbatched = inputs.ndim == 3
        images = inputs[None] if unbatched else inputs
        if self._random and not training:
            outputs, ctx = self._at_inference(images)
        elif self._random:
            outputs, ctx = self._apply(images, self._draw(images.shape))
        else:
            outputs, ctx = self._transform(images)
        return (outputs[0] if unbatched else outputs), (unbatched, ctx)

    def backward(self, ctx, grad, grads):
        if not grads.needs_input:
            return None
        unbatched, ctx = ctx
        grad = self._transform_backward(ctx, grad[None] if unbatched else grad)
        return grad[0] if unbatched else grad

    def _at_inference(self, images):
        """A random layer outside training: the identity (RandomCrop overrides)."""
        return images, None

    def _transform_backward(self, ctx, grad):
        return grad if ctx is None else self._adjoint(ctx, grad)

    def _adjoint(self, ctx, grad):
        """The gradient of a call's images: by default its record's (a resize's or a crop's)."""
        return ctx.backward(grad)

    def _uniform(self, low, high, shape):
        """Uniform draws in [low, high), in float32 as Keras draws them."""
        return self._rng.uniform(low, high, shape).astype(np.float32)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if self._sets_size:
            shape[self._height_axis], shape[self._width_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
