"""`LeakyReLU`: `x` for positive `x`, else `negative_slope * x`."""

import warnings

from minikeras import activations
from minikeras.layers.activations.elementwise import ElementwiseActivation
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class LeakyReLU(ElementwiseActivation):
    """The leaky rectified linear unit: `x` for positive `x`, else `negative_slope * x`.

    Args:
        negative_slope: the slope below zero (>= 0). Keras 2's `alpha` is accepted, with Keras
            3's deprecation warning.
    """

    _function = activations.leaky_relu

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.",
                          stacklevel=2)
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                "The negative_slope value of a Leaky ReLU layer cannot be None or negative "
                f"value. Expected a float. Received: negative_slope={negative_slope}"
            )
        self.negative_slope = float(negative_slope)

    def _arguments(self):
        return {"negative_slope": self.negative_slope}

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}
