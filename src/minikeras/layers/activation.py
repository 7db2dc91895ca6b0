"""`Activation` and `Softmax`: an activation function applied as a layer."""

from minikeras import activations
from minikeras.layers.base import Layer, activation_backward
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Activation(Layer):
    """Apply `activation` (a name, config or callable) to the input."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.built = True

    def call(self, inputs, training=False):
        outputs = self.activation(inputs)
        if training:
            self._saved = (inputs, outputs)
        return outputs

    def backward(self, grad, input_grad=True):
        return activation_backward(self.activation, *self._saved, grad)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


@registry.register("layer", module="keras.layers")
class Softmax(Layer):
    """Softmax over `axis` (default the last)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.built = True

    def call(self, inputs, training=False):
        outputs = activations.softmax(inputs, axis=self.axis)
        if training:
            self._outputs = outputs
        return outputs

    def backward(self, grad, input_grad=True):
        return activations.softmax.backward(None, self._outputs, grad, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
