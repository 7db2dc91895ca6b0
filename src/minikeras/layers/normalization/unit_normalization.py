"""`UnitNormalization`: scale each sample to unit L2 norm over some axes."""

import numpy as np

from minikeras.layers.base import Layer
from minikeras.layers.normalization.standardization import axes_argument
from minikeras.saving import registry

# Keras' floor on the norm: 1/sqrt(sum of squares) is capped at 1 / _EPSILON.
_EPSILON = 1e-12


@registry.register("layer", module="keras.layers")
class UnitNormalization(Layer):
    """Divide each sample by its L2 norm over `axis` (an int or a list of ints); a norm below
    1e-12 divides by 1e-12, as in Keras."""

    _single_input = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axes_argument(axis, TypeError(
            "Invalid value for `axis` argument: expected an int or a list/tuple of ints. "
            f"Received: axis={axis}"))
        self.supports_masking = True
        self.built = True

    def _axes(self, ndim):
        return tuple(a % ndim for a in (self.axis if isinstance(self.axis, list) else [self.axis]))

    def forward(self, inputs, training=False):
        axes = self._axes(inputs.ndim)
        square_sum = np.sum(np.square(inputs), axis=axes, keepdims=True)
        with np.errstate(divide="ignore"):
            inv = np.minimum(1.0 / np.sqrt(square_sum), inputs.dtype.type(1.0 / _EPSILON))
        capped = inv >= inputs.dtype.type(1.0 / _EPSILON)
        return inputs * inv, (inputs, inv, capped, axes)

    def backward(self, ctx, grad, grads):
        if not grads.needs_input:
            return None
        inputs, inv, capped, axes = ctx
        # Uncapped, y = x / |x|: the norm's share is the projection of grad on x, removed.
        projection = np.sum(grad * inputs, axis=axes, keepdims=True)
        return grad * inv - np.where(capped, 0.0, inv**3 * projection) * inputs

    def compute_output_shape(self, input_shape):
        for axis in self.axis if isinstance(self.axis, list) else [self.axis]:
            if axis >= len(input_shape) or axis < -len(input_shape):
                raise ValueError(
                    f"Axis {self.axis} is out of bounds for input shape {tuple(input_shape)}."
                )
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
