"""`AffineNormalization`: the base of the normalization layers that follow their standardized
output with a learned scale `gamma` and offset `beta` (batch, layer and group normalization)."""

from minikeras import constraints, initializers, regularizers
from minikeras.layers.base import Layer


class AffineNormalization(Layer):
    """Holds the arguments of `gamma` and `beta`, makes the two weights and gives their config.

    Args:
        epsilon: added to the variance before its square root.
        center: whether to learn the offset `beta`.
        scale: whether to learn the scale `gamma`.
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
        beta_constraint, gamma_constraint: those of the two weights.
    """

    _single_input = True

    def __init__(self, epsilon, center, scale, beta_initializer, gamma_initializer,
                 beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                 **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = None
        self.supports_masking = True

    def _add_gamma_and_beta(self, shape, scale=None, center=None):
        """Make `gamma` (when scaling) then `beta` (when centering), in Keras' order."""
        if self.scale if scale is None else scale:
            self.gamma = self.add_weight(
                shape=shape, initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                name="gamma",
            )
        if self.center if center is None else center:
            self.beta = self.add_weight(
                shape=shape, initializer=self.beta_initializer,
                regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                name="beta",
            )

    def _check_axes(self, axes, input_shape):
        for axis in axes:
            if axis >= len(input_shape) or axis < -len(input_shape):
                raise ValueError(
                    f"Axis {axis} is out of bounds for input shape {tuple(input_shape)}. "
                    f"Received: axis={self.axis}"
                )

    def compute_output_shape(self, input_shape):
        self._check_axes(self.axis if isinstance(self.axis, list) else [self.axis], input_shape)
        return tuple(input_shape)

    def _affine_config(self):
        """The config entries of these arguments, which Keras puts after the layer's own."""
        return {
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
