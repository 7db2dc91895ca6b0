"""`PReLU`: a leaky ReLU whose negative slopes are learned weights."""

import numpy as np

from minikeras import constraints, initializers, regularizers
from minikeras.core import tape
from minikeras.layers.base import Layer
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class PReLU(Layer):
    """`x` for positive `x`, else `alpha * x`, with `alpha` a trainable weight shaped like one
    sample (or shared, size 1, along `shared_axes`).

    Args:
        alpha_initializer, alpha_regularizer, alpha_constraint: those of `alpha`.
        shared_axes: the (non-batch) axes along which one slope is shared, e.g. `[1, 2]` for
            one slope per channel of an image.
    """

    _single_input = True

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [int(a) for a in shared_axes]
        else:
            self.shared_axes = [int(shared_axes)]
        self.alpha = None
        self.supports_masking = True

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            shape[axis - 1] = 1
        self.alpha = self.add_weight(
            shape=shape, initializer=self.alpha_initializer, regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint, name="alpha",
        )

    def forward(self, inputs, training=False):
        negative = np.minimum(inputs, 0.0)
        return np.maximum(inputs, 0.0) + self.alpha.value * negative, (inputs, negative)

    def backward(self, ctx, grad, grads):
        inputs, negative = ctx
        if grads.wants(self.alpha):
            grads.add(self.alpha, tape.unbroadcast(grad * negative, self.alpha.shape))
        if not grads.needs_input:
            return None
        return grad * np.where(inputs < 0, self.alpha.value, 1.0).astype(grad.dtype, copy=False)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }
