"""`Attention`: Luong-style dot-product attention of a query over a value sequence."""

import numbers

import numpy as np

from minikeras import backend, ops
from minikeras.layers.base import Layer
from minikeras.saving import registry

# Keras' stand-in for minus infinity at masked scores.
LARGE_NEGATIVE = 1.0e9


def masked_softmax(scores, mask, axis=-1):
    """Softmax over `axis` (an int or a tuple) where `mask` (broadcastable booleans, or None)
    holds: masked entries get no weight (a fully masked row is zeros), as Keras 3's Softmax
    gives."""
    if mask is None:
        return ops.softmax(scores, axis=axis)
    weights = ops.softmax(ops.where(mask, scores, -LARGE_NEGATIVE), axis=axis)
    return ops.where(mask, weights, 0.0)


def causal_mask(queries, keys):
    """`(1, queries, keys)`: True where a query position may see a key position (not later)."""
    return np.tril(np.ones((1, queries, keys), bool))


def dropout_weights(layer, weights, rate, training):
    """`weights` with dropout at `rate` in training (the layer's own seeded generator)."""
    if not training or rate <= 0:
        return weights
    keep = layer._rng.random(tuple(weights.shape), dtype=np.float32) >= rate
    return weights * (keep.astype(weights.dtype) / (1.0 - rate))


@registry.register("layer", module="keras.layers")
class Attention(Layer):
    """Dot-product attention: `softmax(query @ key^T) @ value` for inputs `[query, value]` or
    `[query, value, key]` (key defaults to value).

    Args:
        use_scale: multiply the scores by a learned scalar `scale`.
        score_mode: "dot" (`query . key`) or "concat" (`sum(tanh(query + key))`, times a learned
            scalar).
        dropout: fraction of the attention weights dropped in training.
        seed: seed of the dropout.

    Call arguments: `mask` (`[query_mask, value_mask]`: padded queries output zeros, padded
    values get no weight), `return_attention_scores`, `use_causal_mask` (a query attends to
    no later position), `training`.
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(
                "Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. "
                f"Received: score_mode={score_mode}"
            )
        if not isinstance(dropout, numbers.Real):
            raise ValueError(f"Argument `dropout` must be a float. Received: dropout={dropout}")
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        self._rng = np.random.default_rng(seed if seed is not None else backend.draw_seed())
        self.scale = self.concat_score_weight = None
        self.supports_masking = True

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(),
                                                       initializer="ones")

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            return scores if self.scale is None else scores * self.scale
        pairs = ops.expand_dims(query, -2) + ops.expand_dims(key, -3)
        if self.scale is not None:
            pairs = self.scale * pairs
        return self.concat_score_weight * ops.sum(ops.tanh(pairs), axis=-1)

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask = mask[0] if mask else None
        value_mask = mask[1] if mask else None
        scores = self._calculate_scores(query, key)
        scores_mask = None if value_mask is None else \
            np.asarray(value_mask, bool)[..., None, :]
        if use_causal_mask:
            causal = causal_mask(scores.shape[-2], scores.shape[-1])
            scores_mask = causal if scores_mask is None else scores_mask & causal
        weights = masked_softmax(scores, scores_mask)
        output = ops.matmul(dropout_weights(self, weights, self.dropout, training), value)
        if query_mask is not None:
            output = ops.where(np.asarray(query_mask, bool)[..., None], output, 0.0)
        return (output, weights) if return_attention_scores else output

    def compute_mask(self, inputs, mask=None):
        if mask is None or mask[0] is None:
            return None
        return mask[0]

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape[0])[:-1], tuple(input_shape[1])[-1])

    def _validate_inputs(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, list):
            raise ValueError(
                f"{name} layer must be called on a list of inputs, namely [query, value] or "
                f"[query, value, key]. Received: inputs={inputs}."
            )
        if not 2 <= len(inputs) <= 3:
            raise ValueError(
                f"{name} layer accepts inputs list of length 2 or 3, namely [query, value] or "
                f"[query, value, key]. Received length: {len(inputs)}."
            )
        if mask is not None:
            if not isinstance(mask, list):
                raise ValueError(
                    f"{name} layer mask must be a list, namely [query_mask, value_mask]. "
                    f"Received: mask={mask}."
                )
            if not 2 <= len(mask) <= 3:
                raise ValueError(
                    f"{name} layer accepts mask list of length 2 or 3. Received: "
                    f"inputs={inputs}, mask={mask}."
                )

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}
