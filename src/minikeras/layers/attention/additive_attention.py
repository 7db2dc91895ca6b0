"""`AdditiveAttention`: Bahdanau-style attention, scores `sum(scale * tanh(query + key))`."""

from minikeras import ops
from minikeras.layers.attention.attention import Attention
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class AdditiveAttention(Attention):
    """Additive attention over inputs `[query, value]` or `[query, value, key]`.

    Args:
        use_scale: learn a `scale` vector (one entry per feature) weighting the tanh terms.
        dropout: fraction of the attention weights dropped in training.
        seed: seed of the dropout.

    Call arguments as `Attention`'s.
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(input_shape[0][-1],),
                                         initializer="glorot_uniform")

    def _calculate_scores(self, query, key):
        terms = ops.tanh(ops.expand_dims(query, -2) + ops.expand_dims(key, -3))
        if self.scale is not None:
            terms = self.scale * terms
        return ops.sum(terms, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
