"""`Wrapper`: the base of the layers that hold one other layer and change what it does
(`TimeDistributed`, `SpectralNormalization`)."""

from minikeras.layers.base import Layer
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Wrapper(Layer):
    """An abstract layer around `layer`: it builds `layer` on its own inputs' shape, and its
    config holds `layer`'s serialized config (under `"layer"`), from which `from_config`
    remakes it. Subclasses say what the wrapping does in `call`.

    Args:
        layer: the wrapped `Layer`.
        **kwargs: base layer arguments.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Layer {layer} supplied to Wrapper isn't a supported layer type. Please "
                "ensure wrapped layer is a valid Keras layer."
            )
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        self._build_layer(input_shape)

    def _build_layer(self, input_shape):
        """Build the wrapped layer on `input_shape` unless it is built (a subclass' `build`
        calls this, not `super().build`, which would mark it built before its own weights)."""
        if not self.layer.built:
            # The wrapped layer's weights are named under this layer (`wrapper/dense/kernel`).
            self.layer._path_prefix = f"{self._path_prefix}{self.name}/"
            self.layer._build_for(input_shape)

    def get_config(self):
        return {**super().get_config(), "layer": registry.serialize(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = registry.deserialize("layer", config.pop("layer"), custom_objects)
        return cls(layer, **config)
