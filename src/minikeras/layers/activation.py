"""`Activation` and `Softmax`: an activation function applied as a layer."""

from minikeras import activations
from minikeras import ops
from minikeras.layers.base import Layer
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Activation(Layer):
    """Apply `activation` (a name, config or callable) to the input."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.built = True

        self.supports_masking = True

    def call(self, inputs):
        # A built-in activation records itself on the tape with its own gradient rule; a
        # user's, written with `ops`, op by op.
        return self.activation(inputs)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


@registry.register("layer", module="keras.layers")
class Softmax(Layer):
    """Softmax over `axis` (default the last); entries where `mask` is False get none."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.built = True

        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            # As Keras: masked-out entries get a large negative logit, so their share is ~0.
            large_negative = -1e9 if inputs.dtype.itemsize > 2 else -3e4
            inputs = inputs + (1.0 - ops.cast(mask, inputs.dtype)) * large_negative
        return activations.softmax(inputs, axis=self.axis)

    def compute_mask(self, inputs, previous_mask):
        return None

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
