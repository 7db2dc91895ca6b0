"""`SpectralNormalization`: a layer's kernel divided by its largest singular value, estimated
by power iteration, at every training call."""

import numpy as np

from minikeras import backend, initializers, ops
from minikeras.layers.core.wrapper import Wrapper
from minikeras.layers.input_spec import InputSpec
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class SpectralNormalization(Wrapper):
    """Wraps a layer with a `kernel` (Dense, the convolutions, ...) or `embeddings`
    (Embedding) and keeps that weight's spectral norm near 1 (Miyato et al., 2018).

    At each call in training, as Keras 3 does: `power_iterations` steps of the power method
    on the weight seen as a matrix `W` (its last axis the columns) refine the non-trainable
    estimate `vector_u` of the top right singular vector, `sigma = v W u^T` estimates the
    top singular value, and `W / sigma` is *assigned* to the wrapped layer's weight before the
    layer runs on it (unless the weight is all zeros). The assignment is outside the
    gradient: the weight's gradient is the wrapped layer's at the normalized weight, and
    nothing flows through `sigma`. In inference the wrapped layer runs on its weight as is.

    Args:
        layer: the layer to wrap.
        power_iterations: a positive int, the power method's steps per training call.
        **kwargs: base layer arguments.
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if power_iterations <= 0:
            raise ValueError(
                "`power_iterations` should be greater than zero. Received: "
                f"`power_iterations={power_iterations}`"
            )
        self.power_iterations = power_iterations

    def build(self, input_shape):
        self._build_layer(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        if hasattr(self.layer, "kernel"):
            self.kernel = self.layer.kernel
        elif hasattr(self.layer, "embeddings"):
            self.kernel = self.layer.embeddings
        else:
            raise ValueError(
                f"{type(self.layer).__name__} object has no attribute 'kernel' nor 'embeddings'"
            )
        self.kernel_shape = self.kernel.shape
        self.vector_u = self.add_weight(
            shape=(1, self.kernel_shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02),
            trainable=False,
            name="vector_u",
            dtype=self.kernel.dtype,
        )

    def call(self, inputs, training=False):
        if training:
            kernel = self.kernel.value
            if np.any(kernel != 0):
                vector_u, normalized = self.normalized_weights()
                self.vector_u.assign(vector_u)
                self.kernel.assign(normalized)
        outputs = self.layer(inputs)
        return ops.cast(outputs, inputs.dtype)

    def normalized_weights(self):
        """`(vector_u, kernel / sigma)`: the refined estimate of the top right singular vector
        and the kernel divided by the estimated top singular value (as arrays; `call`
        assigns them in training)."""
        kernel = self.kernel.value
        weights = kernel.reshape(-1, self.kernel_shape[-1])
        vector_u = self.vector_u.value.astype(kernel.dtype)
        for _ in range(self.power_iterations):
            vector_v = _l2_normalize(np.matmul(vector_u, weights.T))
            vector_u = _l2_normalize(np.matmul(vector_v, weights))
        sigma = np.matmul(np.matmul(vector_v, weights), vector_u.T)
        return vector_u, (kernel / sigma).reshape(self.kernel_shape)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}


def _l2_normalize(x):
    """`x` over its whole L2 norm, as `keras.ops.normalize(x, axis=None)`: times
    `rsqrt(sum(x^2))`, that factor capped at `1 / epsilon`."""
    inverse = 1.0 / np.sqrt(np.sum(np.square(x)))
    return x * np.minimum(inverse, x.dtype.type(1.0 / backend.epsilon()))
