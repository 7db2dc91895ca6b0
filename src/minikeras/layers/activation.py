"""`Activation` and `Softmax`: an activation function applied as a layer."""

from minikeras import activations
from minikeras import ops
from minikeras.layers.base import Layer, StalePlan
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Activation(Layer):
    """Apply `activation` (a name, config or callable) to the input."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.built = True

        self.supports_masking = True

    def call(self, inputs):
        # A built-in activation records itself on the tape with its own gradient rule; a
        # user's, written with `ops`, op by op.
        return self.activation(inputs)

    def _inference_step(self):
        # A float array of the layer's dtype: what `activation` itself does with it (a
        # subclass's own `call` gets no step).
        if type(self).call is not Activation.call or self.activity_regularizer is not None:
            return None
        activation = self.activation
        on_input = activation if self._np_dtype.kind != "f" \
            else getattr(activation, "on_float_array", activation)

        def step(x):
            if self.activation is not activation or self.activity_regularizer is not None:
                raise StalePlan
            return on_input(x)

        return step

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


@registry.register("layer", module="keras.layers")
class Softmax(Layer):
    """Softmax over `axis` (default the last); entries where `mask` is False get none."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.built = True

        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return activations.softmax(inputs, axis=self.axis)
        mask = _kept(mask, inputs.shape)
        # As Keras 3: masked-out entries get a large negative logit, then a share of exactly 0
        # (an axis masked throughout gives zeros, not a uniform distribution).
        large_negative = -3e4 if inputs.dtype.itemsize <= 2 else -1e9
        outputs = activations.softmax(ops.where(mask, inputs, large_negative), axis=self.axis)
        return ops.where(mask, outputs, 0.0)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def _kept(mask, shape):
    """`mask` as booleans (a number mask keeps entries above 0.5), or Keras' error when it
    cannot broadcast to `shape`."""
    mask_shape = tuple(mask.shape)
    if len(mask_shape) > len(shape):
        raise ValueError(
            "The `mask` must be broadcastable to `inputs` and must not have more dimensions. "
            f"Received: inputs.shape={tuple(shape)}, mask.shape={mask_shape}"
        )
    for mask_dim, input_dim in zip(mask_shape[::-1], tuple(shape)[::-1]):
        if mask_dim not in (1, input_dim):
            raise ValueError(
                "The `mask` must be broadcastable to `inputs`. Each mask dimension must be 1 or "
                "match the corresponding input dimension. Received: "
                f"inputs.shape={tuple(shape)}, mask.shape={mask_shape}"
            )
    return mask if mask.dtype == bool else ops.greater(mask, 0.5)
