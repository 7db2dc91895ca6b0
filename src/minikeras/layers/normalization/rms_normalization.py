"""`RMSNormalization`: divide by the root mean square over some axes, then scale."""

import numpy as np

from minikeras.core.tape import unbroadcast
from minikeras.layers.base import Layer
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class RMSNormalization(Layer):
    """`x * rsqrt(mean(square(x), axis) + epsilon) * scale`, without centering (Zhang and
    Sennrich's RMSNorm, Keras 3's `ops.rms_normalization`).

    The learned `scale` (initialized to ones) is shaped like the normalized axes and, as in
    Keras, multiplies the normalized values by broadcasting: it lines up with the trailing
    axes of the inputs (which the normalized axes are in the usual `axis=-1`).

    Args:
        axis: an int or a list of ints, the axes the mean square is taken over. After `build`
            it is a sorted list (and so is the config's).
        epsilon: added to the mean square before its square root.
    """

    _single_input = True

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, tuple) else axis
        self.epsilon = epsilon
        self.scale = None

    def build(self, input_shape):
        if isinstance(self.axis, list):
            self.axis = sorted(self.axis)
            shape = tuple(input_shape[a] for a in self.axis)
        else:
            shape = (input_shape[self.axis],)
            self.axis = [self.axis]
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")

    def forward(self, inputs, training=False):
        x = inputs
        axes = tuple(self.axis)
        inv = 1.0 / np.sqrt(np.mean(np.square(x), axis=axes, keepdims=True)
                            + x.dtype.type(self.epsilon))
        normalized = x * inv
        outputs = normalized * self.scale.value
        return outputs, (x, normalized, inv, axes)

    def backward(self, ctx, grad, grads):
        x, normalized, inv, axes = ctx
        scale = self.scale
        if grads.wants(scale):
            grads.add(scale, unbroadcast(grad * normalized, scale.shape))
        if not grads.needs_input:
            return None
        grad = grad * scale.value
        # d(x * r)/dx with r = (mean(x^2) + eps)^(-1/2): r * g - r^3 * x * mean(g * x).
        projection = np.mean(grad * x, axis=axes, keepdims=True)
        return grad * inv - (inv ** 3) * projection * x

    def compute_output_shape(self, input_shape):
        for axis in self.axis if isinstance(self.axis, list) else [self.axis]:
            if axis >= len(input_shape) or axis < -len(input_shape):
                raise ValueError(
                    f"Axis {axis} is out of bounds for input shape {input_shape}. "
                    f"Received: axis={self.axis}"
                )
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}

