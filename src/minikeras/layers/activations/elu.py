"""`ELU`: the exponential linear unit as a layer."""

from minikeras import activations
from minikeras.layers.activations.elementwise import ElementwiseActivation
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class ELU(ElementwiseActivation):
    """`x` for positive `x`, else `alpha * (exp(x) - 1)`.

    Args:
        alpha: the scale of the negative part.
    """

    _function = activations.elu

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def _arguments(self):
        return {"alpha": self.alpha}

    def get_config(self):
        return {"alpha": self.alpha, **super().get_config()}  # Keras 3's order
