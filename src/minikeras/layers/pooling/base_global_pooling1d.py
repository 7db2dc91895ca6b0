"""`GlobalPooling1D`: the base of the 1D global poolings (one value per sample and feature,
pooled over the steps axis)."""

from minikeras import backend
from minikeras.layers.base import Layer
from minikeras.layers.input_spec import check_ndim


class GlobalPooling1D(Layer):
    """Holds `data_format` and `keepdims`; subclasses pool in `forward`.

    Args:
        data_format: "channels_last" `(batch, steps, features)` or "channels_first"
            `(batch, features, steps)`; by default `backend.image_data_format()`.
        keepdims: whether to keep the steps axis (of size 1).
    """

    _single_input = True

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = backend.standardize_data_format(data_format)
        self.keepdims = bool(keepdims)
        self.built = True

    @property
    def _steps_axis(self):
        return 1 if self.data_format == "channels_last" else 2

    def _conform_input(self, x):
        return check_ndim(self, x, 3)

    def _spread(self, grad):
        """`grad` with the pooled steps axis back (size 1), to broadcast over the steps."""
        return grad if self.keepdims else grad.reshape(
            *grad.shape[:self._steps_axis], 1, *grad.shape[self._steps_axis:])

    def compute_output_shape(self, input_shape):
        batch = input_shape[0]
        if self.data_format == "channels_last":
            return (batch, 1, input_shape[-1]) if self.keepdims else (batch, input_shape[-1])
        return (batch, input_shape[1], 1) if self.keepdims else (batch, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}
