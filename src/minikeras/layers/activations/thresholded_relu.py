"""`ThresholdedReLU` (Keras 2): `x` above `theta`, else 0."""

from minikeras import activations
from minikeras.layers.activations.elementwise import ElementwiseActivation
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class ThresholdedReLU(ElementwiseActivation):
    """Keras 2's thresholded ReLU, kept so that its scripts and files load: `x` where
    `x > theta`, else 0. (Keras 3 spells it `ReLU(threshold=theta)`, which is also 0 below.)

    Args:
        theta: the threshold (>= 0).
    """

    _function = activations.threshold

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        if theta is None:
            raise ValueError(
                "Theta of a Thresholded ReLU layer cannot be None, expecting a float. "
                f"Received: {theta}"
            )
        if theta < 0:
            raise ValueError(
                "The theta value of a Thresholded ReLU layer should be >=0. "
                f"Received: {theta}"
            )
        self.theta = float(theta)

    def _arguments(self):
        return {"threshold": self.theta, "default_value": 0.0}

    def get_config(self):
        return {**super().get_config(), "theta": self.theta}
