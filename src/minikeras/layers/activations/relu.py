"""`ReLU`: the rectified linear unit as a layer, with its threshold, cap and negative slope."""

from minikeras import activations
from minikeras.layers.activations.elementwise import ElementwiseActivation
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class ReLU(ElementwiseActivation):
    """`x` above `threshold` (capped at `max_value`), `negative_slope * (x - threshold)` below.

    Args:
        max_value: the cap (>= 0), or None for none.
        negative_slope: the slope below the threshold (>= 0).
        threshold: where the function turns (>= 0).
    """

    _function = activations.relu

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(
                "max_value of a ReLU layer cannot be a negative value. Received: "
                f"max_value={max_value}"
            )
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(
                "negative_slope of a ReLU layer cannot be None or a negative value. Received: "
                f"negative_slope={negative_slope}"
            )
        if threshold is None or threshold < 0.0:
            raise ValueError(
                "threshold of a ReLU layer cannot be None or a negative value. Received: "
                f"threshold={threshold}"
            )
        # Keras 2's configs hold these as numpy scalars (and JSON files as plain numbers).
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope = float(negative_slope)
        self.threshold = float(threshold)

    def _arguments(self):
        return {"negative_slope": self.negative_slope, "max_value": self.max_value,
                "threshold": self.threshold}

    def get_config(self):
        return {**super().get_config(), **self._arguments()}
