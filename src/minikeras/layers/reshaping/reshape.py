"""`Reshape`: change the shape of each sample, keeping the batch axis."""

import math

from minikeras.layers.base import Layer
from minikeras.saving import registry


class _Reshaping(Layer):
    """A layer whose output is its input reshaped; its gradient is reshaped back."""

    _keeps_integer_inputs = _moves_values = True  # Keras 3 keeps integers integers

    def forward(self, inputs, training=False):
        return inputs.reshape(self.compute_output_shape(inputs.shape)), inputs.shape

    def backward(self, input_shape, grad, grads):
        return grad.reshape(input_shape)


@registry.register("layer", module="keras.layers")
class Reshape(_Reshaping):
    """Reshape each sample to `target_shape` (a tuple; one entry may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        size = None if None in input_shape[1:] else math.prod(input_shape[1:])
        target = list(self.target_shape)
        if -1 in target and size is not None:
            known = math.prod(d for d in target if d != -1)
            target[target.index(-1)] = size // known if known and size % known == 0 else -2
        if size is not None and (-2 in target or math.prod(target) != size):
            raise ValueError(
                "The total size of the tensor must be unchanged. Received: "
                f"input_shape={tuple(input_shape[1:])}, target_shape={self.target_shape}"
            )
        if -1 in target:
            target[target.index(-1)] = None
        return (input_shape[0], *target)

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}
