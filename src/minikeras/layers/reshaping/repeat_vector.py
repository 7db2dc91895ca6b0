"""`RepeatVector`: repeat each sample's vector `n` times along a new axis."""

import numpy as np

from minikeras.layers.base import Layer
from minikeras.layers.input_spec import check_ndim
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class RepeatVector(Layer):
    """`(batch, features)` -> `(batch, n, features)`, the vector repeated `n` times.

    Args:
        n: the number of repetitions (a positive int).
    """

    _keeps_integer_inputs = _moves_values = True  # Keras 3 keeps integers integers

    _single_input = True

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        if n <= 0:
            raise ValueError(f"Argument `n` should be a positive integer. Received: n={n}")
        self.n = n
        self.built = True

    def _conform_input(self, x):
        return check_ndim(self, x, 2)

    def forward(self, inputs, training=False):
        return np.repeat(inputs[:, None, :], self.n, axis=1), None

    def backward(self, ctx, grad, grads):
        return np.sum(grad, axis=1) if grads.needs_input else None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}
