"""`Permute`: reorder the non-batch axes of each sample."""

import numpy as np

from minikeras.layers.base import Layer
from minikeras.layers.input_spec import check_ndim
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Permute(Layer):
    """Transpose each sample's axes: output axis `i + 1` is input axis `dims[i]`.

    Args:
        dims: a permutation of `1, ..., rank` (the batch axis, 0, stays first).
    """

    _keeps_integer_inputs = _moves_values = True  # Keras 3 keeps integers integers

    _single_input = True

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices in "
                f"`dims` must be consecutive and start from 1. Received dims={dims}"
            )
        self.built = True

    def _conform_input(self, x):
        return check_ndim(self, x, len(self.dims) + 1)

    def forward(self, inputs, training=False):
        return np.transpose(inputs, (0, *self.dims)), None

    def backward(self, ctx, grad, grads):
        if not grads.needs_input:
            return None
        return np.transpose(grad, np.argsort((0, *self.dims)))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}
