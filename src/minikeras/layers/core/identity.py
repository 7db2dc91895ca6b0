"""`Identity`: a layer that returns its inputs."""

from minikeras.layers.base import Layer
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Identity(Layer):
    """Return the inputs unchanged (a placeholder, e.g. for an optional block); masks pass."""

    _keeps_integer_inputs = _moves_values = True  # Keras 3 keeps integers integers

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def compute_output_shape(self, input_shape):
        return input_shape
