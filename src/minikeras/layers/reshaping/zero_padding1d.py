"""`ZeroPadding1D`: add zeros at the start and end of the steps axis."""

import numpy as np

from minikeras import backend
from minikeras.layers.base import Layer
from minikeras.layers.input_spec import check_ndim
from minikeras.saving import registry
from minikeras.utils.argument_validation import standardize_tuple


@registry.register("layer", module="keras.layers")
class ZeroPadding1D(Layer):
    """Pad `(batch, steps, features)` inputs with zero steps.

    Args:
        padding: an int (the same at both ends) or a pair `(start, end)`.
        data_format: "channels_last" (steps on axis 1) or "channels_first" (steps on axis 2);
            by default `backend.image_data_format()`.
    """

    _keeps_integer_inputs = _moves_values = True  # Keras 3 keeps integers integers

    _single_input = True

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = backend.standardize_data_format(data_format)
        self.padding = standardize_tuple(padding, 2, "padding", allow_zero=True)
        self.built = True

    @property
    def _steps_axis(self):
        return 2 if self.data_format == "channels_first" else 1

    def _conform_input(self, x):
        return check_ndim(self, x, 3)

    def forward(self, inputs, training=False):
        widths = [(0, 0)] * 3
        widths[self._steps_axis] = self.padding
        return np.pad(inputs, widths), None

    def backward(self, ctx, grad, grads):
        if not grads.needs_input:
            return None
        start, end = self.padding
        index = [slice(None)] * 3
        index[self._steps_axis] = slice(start, grad.shape[self._steps_axis] - end)
        return grad[tuple(index)]

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        axis = self._steps_axis
        if shape[axis] is not None:
            shape[axis] += sum(self.padding)
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}
