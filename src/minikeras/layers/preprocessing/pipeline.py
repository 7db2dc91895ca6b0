"""`Pipeline`: preprocessing layers applied one after the other, as one layer."""

from minikeras import tree
from minikeras.layers.base import Layer
from minikeras.saving import registry


def _mask_of(x):
    return getattr(x, "_keras_mask", None)


@registry.register("layer", module="keras.layers")
class Pipeline(Layer):
    """Call each of `layers` on the previous one's output (with the call's `training`, and the
    previous output's mask to the layers taking one). Unlike a Sequential model it is a plain
    layer: no `Input`, no `fit`; it passes inputs of any dtype, and structures (an image
    layer's `{"images": ..., "labels": ...}`), to its first layer unchanged.

    Args:
        layers: the layers, in order.
        name: the layer's name.
    """

    _keeps_integer_inputs = True
    _takes_strings = True

    def __init__(self, layers, name=None):
        super().__init__(name=name)
        self._pipeline_layers = layers

    @property
    def layers(self):
        return self._pipeline_layers

    def _convert_leaf(self, x):
        """Inputs go to the first layer as they came (Keras' Pipeline converts none)."""
        return x

    def call(self, inputs, training=True, mask=None):
        outputs = inputs
        for layer in self._pipeline_layers:
            kwargs = {}
            if getattr(layer, "_call_takes_mask", False):
                kwargs["mask"] = mask
            if getattr(layer, "_call_takes_training", False) and training is not None:
                kwargs["training"] = training
            outputs = layer(inputs, **kwargs)
            inputs = outputs
            mask = tree.map_structure(_mask_of, outputs)
        return outputs

    def compute_output_spec(self, inputs, training=None, mask=None):
        """The symbolic outputs, each layer built on its input's shape (as a symbolic call
        builds it), so a model holds the pipeline's weights from the start."""
        from minikeras.layers.node import _shape_of, output_spec

        for layer in self._pipeline_layers:
            if not layer.built:
                layer._build_for(tree.map_structure(_shape_of, inputs))
            inputs = output_spec(layer, (inputs,), {})
        return inputs

    def get_config(self):
        return {"layers": [registry.serialize(layer) for layer in self._pipeline_layers],
                "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(
                "`Pipeline` config must contain a `layers` key mapping to a list of serialized "
                f"layers. Received config with layers={layers}.")
        config = {**config, "layers": [registry.deserialize("layer", layer, custom_objects)
                                       for layer in layers]}
        return cls(**config)
