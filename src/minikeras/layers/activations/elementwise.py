"""`ElementwiseActivation`: the base of the activation layers with arguments (ReLU, LeakyReLU,
ELU, ThresholdedReLU): one function of `minikeras.activations`, its arguments fixed."""

from minikeras.layers.base import Layer


class ElementwiseActivation(Layer):
    """Applies `self._function(x, **self._arguments())`; its gradient is the function's own
    `backward` rule, with the same arguments."""

    _function = None  # an activation of minikeras.activations, with its `backward`

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def _arguments(self):
        raise NotImplementedError

    def forward(self, inputs, training=False):
        outputs = type(self)._function(inputs, **self._arguments())
        return outputs, (inputs, outputs)

    def backward(self, ctx, grad, grads):
        if not grads.needs_input:
            return None
        inputs, outputs = ctx
        return type(self)._function.backward(inputs, outputs, grad, **self._arguments())

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
