"""`Cropping1D`: remove steps at the start and end of the steps axis."""

import numpy as np

from minikeras.layers.base import Layer
from minikeras.layers.input_spec import check_ndim
from minikeras.saving import registry
from minikeras.utils.argument_validation import standardize_tuple


@registry.register("layer", module="keras.layers")
class Cropping1D(Layer):
    """Crop `(batch, steps, features)` inputs along the steps axis.

    Args:
        cropping: an int (the same at both ends) or a pair `(start, end)`.
    """

    _keeps_integer_inputs = _moves_values = True  # Keras 3 keeps integers integers

    _single_input = True

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = standardize_tuple(cropping, 2, "cropping", allow_zero=True)
        self.built = True

    def _conform_input(self, x):
        check_ndim(self, x, 3)
        if sum(self.cropping) >= x.shape[1]:
            raise ValueError(
                "`cropping` parameter of `Cropping1D` layer must be smaller than the input "
                f"length. Received: inputs.shape={tuple(x.shape)}, cropping={self.cropping}"
            )
        return x

    def forward(self, inputs, training=False):
        start, end = self.cropping
        return inputs[:, start:inputs.shape[1] - end, :], inputs.shape

    def backward(self, input_shape, grad, grads):
        if not grads.needs_input:
            return None
        return np.pad(grad, [(0, 0), self.cropping, (0, 0)])

    def compute_output_shape(self, input_shape):
        length = input_shape[1]
        if length is not None:
            length -= sum(self.cropping)
            if length <= 0:
                raise ValueError(
                    "`cropping` parameter of `Cropping1D` layer must be smaller than the input "
                    f"length. Received: input_shape={tuple(input_shape)}, "
                    f"cropping={self.cropping}"
                )
        return (input_shape[0], length, input_shape[2])

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping}
