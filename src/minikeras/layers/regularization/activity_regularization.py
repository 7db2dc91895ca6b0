"""`ActivityRegularization`: the identity, adding an L1/L2 penalty on its output to the loss."""

from minikeras import regularizers
from minikeras.layers.base import Layer
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class ActivityRegularization(Layer):
    """Pass the inputs through, adding `l1 * sum(|x|) + l2 * sum(x^2)` (per sample, as every
    activity regularizer) to the layer's losses.

    Args:
        l1, l2: the two penalty factors.
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = l1
        self.l2 = l2
        self.supports_masking = True
        self.built = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
