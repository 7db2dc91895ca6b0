"""`UpSampling1D`: repeat each step `size` times."""

import numpy as np

from minikeras.layers.base import Layer
from minikeras.layers.input_spec import check_ndim
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class UpSampling1D(Layer):
    """`(batch, steps, features)` -> `(batch, steps * size, features)`, each step repeated.

    Args:
        size: the number of repetitions (a positive int).
    """

    _keeps_integer_inputs = _moves_values = True  # Keras 3 keeps integers integers

    _single_input = True

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(f"Expected an integer value for `size`, got {type(size)}.")
        if size <= 0:
            raise ValueError(f"Argument `size` should be a positive integer. Received: size={size}")
        self.size = size
        self.built = True

    def _conform_input(self, x):
        return check_ndim(self, x, 3)

    def forward(self, inputs, training=False):
        return np.repeat(inputs, self.size, axis=1), None

    def backward(self, ctx, grad, grads):
        if not grads.needs_input:
            return None
        batch, steps, features = grad.shape
        return grad.reshape(batch, steps // self.size, self.size, features).sum(axis=2)

    def compute_output_shape(self, input_shape):
        steps = None if input_shape[1] is None else input_shape[1] * self.size
        return (input_shape[0], steps, input_shape[2])

    def get_config(self):
        return {**super().get_config(), "size": self.size}
