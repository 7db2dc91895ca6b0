"""`MultiHeadAttention` (Vaswani et al.), over inputs `(batch, <axes>, features)` of any rank."""

from minikeras.layers.attention.heads import (
    HeadedAttention, attention_equations, mask_of, projection_equation, shared_arguments,
)
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class MultiHeadAttention(HeadedAttention):
    """Multi-head attention: `num_heads` dot-product attentions of projected queries, keys and
    values, their outputs projected back to the query's features (or `output_shape`).

    Args:
        num_heads: the number of heads.
        key_dim: the size of each head's queries and keys.
        value_dim: the size of each head's values (default `key_dim`).
        dropout: fraction of the attention weights dropped in training.
        use_bias: whether the projections have biases.
        output_shape: the shape of the output's trailing axes, replacing the query's features
            (an int or a tuple; default the query's features).
        attention_axes: the axes attended over (default every axis between the batch and the
            features); the others are attended separately, as batch axes.
        sliding_window: each query sees the keys less than this many positions away.
        flash_attention: accepted; the dot product is computed the same way (dropout and
            returned scores are refused with it, as in Keras).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: of the projections.
        use_gate: gate each head's output with a sigmoid projection of the query (a `gate`
            projection).
        seed: seed of the dropout.

    Call: `layer(query, value, key=None, attention_mask=None, return_attention_scores=False,
    training=None, use_causal_mask=False)`; `value_mask`/`key_mask` (or the value's and key's
    own masks) hide padded positions; the query's own mask hides its padded positions' rows
    and travels on.
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        for argument, value in (("num_heads", num_heads), ("key_dim", key_dim)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"Received an invalid value for argument `{argument}`, expected a positive "
                    f"integer. Received: {argument}={value}"
                )
        if value_dim is not None and (not isinstance(value_dim, int) or value_dim <= 0):
            raise ValueError(
                "Received an invalid value for argument `value_dim`, expected a positive "
                f"integer or `None`. Received: value_dim={value_dim}"
            )
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            try:
                output_shape = tuple(output_shape)
            except TypeError:
                raise ValueError(
                    f"Invalid `output_shape`: {output_shape}. When specified, the "
                    "`output_shape` should be of type tuple, list, or int."
                ) from None
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(
                "`attention_axes` must be an int, list, or tuple."
                f"Received: attention_axes={attention_axes}"
            )
        super().__init__(**shared_arguments(locals()))
        self.num_heads, self.key_dim = num_heads, key_dim
        self.value_dim = value_dim or key_dim
        self._output_shape = output_shape or None
        self.attention_axes = attention_axes

    def build(self, query_shape, value_shape=None, key_shape=None):
        query_shape, value_shape, key_shape = self._shapes_for_build(
            query_shape, value_shape, key_shape)
        heads = self.num_heads

        def heads_of(name, shape, size, activation=None):
            return self._projection(name, projection_equation(len(shape) - 1, 1, 2),
                                    (shape[-1], heads, size), (heads, size), shape, activation)

        # Keras' attribute names: they are the layers' paths in its files.
        self.query_dense = heads_of("query", query_shape, self.key_dim)
        self.key_dense = heads_of("key", key_shape, self.key_dim)
        self._gate_dense = heads_of("gate", query_shape, self.value_dim, "sigmoid") \
            if self.use_gate else None
        self.value_dense = heads_of("value", value_shape, self.value_dim)
        rank = len(value_shape) + 1  # of the projected tensors
        if self.attention_axes is None:
            self.attention_axes = tuple(range(1, rank - 2))
        else:
            self.attention_axes = tuple(a if a >= 0 else rank - 1 + a
                                        for a in self.attention_axes)
        self._equations = attention_equations(rank, self.attention_axes)
        output = self._output_shape or (query_shape[-1],)
        self.output_dense = self._projection(
            "attention_output", projection_equation(len(query_shape) - 1, 2, len(output)),
            (heads, self.value_dim, *output), output,
            (*query_shape[:-1], heads, self.value_dim))

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        key = value if key is None else key
        # Keras reads the query's mask from the query itself, whatever `query_mask` says.
        mask = self._attention_mask(
            query, value, mask_of(query),
            mask_of(value) if value_mask is None else value_mask,
            mask_of(key) if key_mask is None else key_mask, attention_mask, use_causal_mask)
        gate = None if self._gate_dense is None else self._gate_dense(query)
        attended, weights = self._attend(
            self.query_dense(query), self.key_dense(key), self.value_dense(value), mask,
            self._equations, len(self.attention_axes), training, return_attention_scores)
        output = self.output_dense(attended if gate is None else attended * gate)
        return (output, weights) if return_attention_scores else output

    @classmethod
    def from_config(cls, config):
        # Keras 2 keeps the shapes the layer was built with in its config, and the choice of
        # masking form that Keras 3 dropped (the two agree but for scores beyond 1e9).
        config = dict(config)
        shapes = [config.pop(k, None) for k in ("query_shape", "value_shape", "key_shape")]
        config.pop("softmax_robust_masking", None)
        layer = cls(**config)
        if shapes[0] is not None:
            layer.build(*shapes)
        return layer

    def _legacy_config(self, config):
        """The legacy `.h5` config: tf_keras rebuilds the layer from the input shapes its config
        keeps (the key's is the value's when no key was given) and wants its masking choice."""
        shapes = self._build_shapes if self.built else {}
        value_shape = shapes.get("value_shape")
        return {**config, "query_shape": shapes.get("query_shape"),
                "key_shape": shapes.get("key_shape", value_shape), "value_shape": value_shape,
                "softmax_robust_masking": False}

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        if self._output_shape:
            return query_shape[:-1] + self._output_shape
        return query_shape

    def get_config(self):
        axes = self.attention_axes
        return {
            **super().get_config(),
            "num_heads": self.num_heads, "key_dim": self.key_dim, "value_dim": self.value_dim,
            "dropout": self.dropout, "use_bias": self.use_bias, "use_gate": self.use_gate,
            "output_shape": self._output_shape,
            "attention_axes": None if axes is None else tuple(axes),
            "sliding_window": self.sliding_window,
            **self._settings_config(),
        }
