"""`TimeDistributed`: one layer applied to every step of a sequence."""

from minikeras import ops
from minikeras.layers.base import Layer
from minikeras.layers.core.wrapper import Wrapper
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class TimeDistributed(Wrapper):
    """Applies `layer` to every slice `inputs[:, t]` of `(batch, timesteps, ...)` inputs.

    The steps are computed as one call of `layer` on `(batch * timesteps, ...)`; a layer with
    state of its own (non-trainable weights, such as BatchNormalization's moving statistics)
    is called step by step instead, as Keras does, so that its updates are Keras'.

    Args:
        layer: the layer to apply.

    A `Wrapper`: its config holds the layer's.
    """

    _single_input = True

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `TimeDistributed` layer with a `keras.layers.Layer` "
                f"instance. Received: {layer}"
            )
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _child_input_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(
                "`TimeDistributed` Layer should be passed an `input_shape` with at least 3 "
                f"dimensions, received: {input_shape}"
            )
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        self._build_layer(self._child_input_shape(tuple(input_shape)))

    def compute_output_shape(self, input_shape):
        child = self.layer.compute_output_shape(self._child_input_shape(tuple(input_shape)))
        return (child[0], input_shape[1], *child[1:])

    def call(self, inputs, training=None, mask=None):
        if mask is not None:
            self._check_mask(inputs, mask)
        batch, steps = inputs.shape[0], inputs.shape[1]
        kwargs = {}
        if self.layer._call_takes_training:
            kwargs["training"] = training
        if self.layer.non_trainable_weights:
            return self._step_by_step(inputs, mask, kwargs)
        if self.layer._call_takes_mask and mask is not None:
            kwargs["mask"] = ops.reshape(mask, (batch * steps, *mask.shape[2:]))
        outputs = self.layer(ops.reshape(inputs, (batch * steps, *inputs.shape[2:])), **kwargs)
        return ops.reshape(outputs, (batch, steps, *outputs.shape[1:]))

    def _step_by_step(self, inputs, mask, kwargs):
        outputs = []
        for t in range(inputs.shape[1]):
            if self.layer._call_takes_mask and mask is not None:
                kwargs["mask"] = mask[:, t]
            outputs.append(self.layer(inputs[:, t], **kwargs))
        return ops.stack(outputs, axis=1)

    def _check_mask(self, inputs, mask):
        if mask.ndim < 2:
            raise ValueError(
                "The `mask` passed to the `TimeDistributed` layer must be at least 2D (e.g., "
                f"`(batch_size, timesteps)`), but it has {mask.ndim} dimension(s) with shape "
                f"{mask.shape}."
            )
        if tuple(mask.shape[:2]) != tuple(inputs.shape[:2]):
            raise ValueError(
                f"The `mask` passed to the `TimeDistributed` layer has a shape {mask.shape} "
                f"that is incompatible with the input shape {inputs.shape}. The first two "
                "dimensions of the mask (batch size and timesteps) must match the input's "
                "first two dimensions. Expected mask shape prefix: "
                f"({inputs.shape[0]}, {inputs.shape[1]})."
            )
