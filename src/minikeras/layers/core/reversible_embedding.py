"""`ReversibleEmbedding`: an `Embedding` that also maps vectors back to logits over its
vocabulary (a language model's input and output layers sharing one table)."""

import numpy as np

from minikeras import backend
from minikeras.layers.core.embedding import Embedding
from minikeras.layers.node import KerasTensor
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class ReversibleEmbedding(Embedding):
    """`layer(ids)` looks rows up as `Embedding` does; `layer(vectors, reverse=True)` gives
    logits `vectors @ embeddings.T` (`(..., output_dim)` to `(..., input_dim)`).

    Args:
        input_dim, output_dim, embeddings_initializer, embeddings_regularizer,
        embeddings_constraint, mask_zero: as `Embedding`.
        tie_weights: reverse through the embeddings themselves (default); False: through a
            separate trainable `reverse_embeddings` matrix `(output_dim, input_dim)`.
        reverse_dtype: the dtype the reverse product computes in (e.g. "float32").
        logit_soft_cap: if given, logits become `tanh(logits / cap) * cap`.
    """

    def __init__(self, input_dim, output_dim, tie_weights=True, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 reverse_dtype=None, logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        self.tie_weights = tie_weights
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap
        self._reverse_embeddings = None

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights:
            self._reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim), initializer=self.embeddings_initializer,
                name="reverse_embeddings")

    @property
    def reverse_embeddings(self):
        if self._reverse_embeddings is None:
            raise AttributeError("'ReversibleEmbedding' object has no attribute "
                                 "'reverse_embeddings'")
        return self._reverse_embeddings

    def _reverse_kernel(self):
        return self._embeddings.value.T if self.tie_weights else self._reverse_embeddings.value

    def forward(self, inputs, training=False, reverse=False):
        if not reverse:
            outputs, indices = super().forward(inputs)
            return outputs, (False, indices)
        kernel = self._reverse_kernel()
        if self.reverse_dtype is not None:
            dtype = backend.standardize_dtype(self.reverse_dtype)
            inputs, kernel = inputs.astype(dtype, copy=False), kernel.astype(dtype, copy=False)
        logits = np.matmul(inputs, kernel)
        squashed = None
        if self.logit_soft_cap is not None:
            squashed = np.tanh(logits / self.logit_soft_cap)
            logits = squashed * logits.dtype.type(self.logit_soft_cap)
        return logits, (True, (inputs, kernel, squashed))

    def backward(self, ctx, grad, grads):
        reverse, saved = ctx
        if not reverse:
            return super().backward(saved, grad, grads)
        inputs, kernel, squashed = saved
        if squashed is not None:  # d(cap * tanh(z / cap)) / dz = 1 - tanh(z / cap) ** 2
            grad = grad * (1 - np.square(squashed))
        grad = grad.astype(kernel.dtype, copy=False)
        variable = self._embeddings if self.tie_weights else self._reverse_embeddings
        if grads.wants(variable):
            flat_inputs = inputs.reshape(-1, inputs.shape[-1])
            kernel_grad = flat_inputs.T @ grad.reshape(-1, grad.shape[-1])  # (output, input)
            grads.add(variable, kernel_grad.T if self.tie_weights else kernel_grad)
        if not grads.needs_input:
            return None
        return grad @ kernel.T

    def compute_mask(self, inputs, mask=None):
        # Keras masks what the lookup returns, never the logits: a reverse call's inputs are
        # the float vectors of a model, its lookups' the integer ids.
        if getattr(inputs, "dtype", None) is not None and np.dtype(inputs.dtype).kind == "f":
            return None
        return super().compute_mask(inputs, mask)

    def compute_output_shape(self, input_shape, reverse=False):
        if reverse:
            return (*tuple(input_shape)[:-1], self.input_dim)
        return super().compute_output_shape(input_shape)

    def compute_output_spec(self, inputs, reverse=False):
        return KerasTensor(self.compute_output_shape(inputs.shape, reverse), dtype=self.dtype)

    def get_config(self):
        return {**super().get_config(), "tie_weights": self.tie_weights,
                "reverse_dtype": self.reverse_dtype, "logit_soft_cap": self.logit_soft_cap}
