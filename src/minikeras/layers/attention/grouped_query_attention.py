"""`GroupQueryAttention` (Ainslie et al., 2023): query heads sharing fewer key and value heads."""

from minikeras import backend, ops
from minikeras.layers.attention.heads import (
    HeadedAttention, attention_equations, mask_of, projection_equation, shared_arguments,
)
from minikeras.saving import registry

# (batch, steps, heads, size) tensors attending over their steps.
_EQUATIONS = attention_equations(4, (1,))


# Keras 3's legacy `.h5` files name the class as Python does.
@registry.register("layer", "GroupedQueryAttention", module="keras.layers")
class GroupQueryAttention(HeadedAttention):
    """Grouped-query attention over sequences `(batch, steps, features)`: `num_query_heads`
    query heads in `num_key_value_heads` groups, each group sharing one key and one value head
    (1 group is multi-query attention; as many groups as heads, multi-head attention). The
    output has the query's features.

    Args:
        head_dim: the size of every head.
        num_query_heads: the number of query heads.
        num_key_value_heads: the number of key and value heads; divides `num_query_heads`.
        dropout, use_bias, sliding_window, flash_attention, kernel_initializer,
        bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, bias_constraint, use_gate, seed: as in `MultiHeadAttention`.

    Call: `layer(query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
    attention_mask=None, return_attention_scores=False, training=None, use_causal_mask=False)`;
    the inputs' own masks stand in for the missing `*_mask` arguments.
    """

    # Keras' class is GroupedQueryAttention: its default names and paths in files say so.
    _keras_snake_name = "grouped_query_attention"

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        if kwargs.get("name") is None:
            kwargs["name"] = backend.unique_name(self._keras_snake_name)
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError("`num_query_heads` must be divisible by `num_key_value_heads`.")
        super().__init__(**shared_arguments(locals()))
        self.head_dim = head_dim
        self.num_query_heads, self.num_key_value_heads = num_query_heads, num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads

    def build(self, query_shape, value_shape=None, key_shape=None):
        query_shape, value_shape, key_shape = self._shapes_for_build(
            query_shape, value_shape, key_shape)
        self.feature_dim = query_shape[-1]
        equation = projection_equation(2, 1, 2)

        def heads_of(name, shape, heads, activation=None):
            return self._projection(name, equation, (shape[-1], heads, self.head_dim),
                                    (heads, self.head_dim), shape, activation)

        # Keras' attribute names: they are the layers' paths in its files.
        self._query_dense = heads_of("query", query_shape, self.num_query_heads)
        self._key_dense = heads_of("key", key_shape, self.num_key_value_heads)
        self._gate_dense = heads_of("gate", query_shape, self.num_query_heads, "sigmoid") \
            if self.use_gate else None
        self._value_dense = heads_of("value", value_shape, self.num_key_value_heads)
        self._output_dense = self._projection(
            "attention_output", projection_equation(2, 2, 1),
            (self.num_query_heads, self.head_dim, self.feature_dim), (self.feature_dim,),
            (None, None, self.num_query_heads, self.head_dim))

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        key = value if key is None else key
        mask = self._attention_mask(
            query, value, mask_of(query) if query_mask is None else query_mask,
            mask_of(value) if value_mask is None else value_mask,
            mask_of(key) if key_mask is None else key_mask, attention_mask, use_causal_mask)
        gate = None if self._gate_dense is None else self._gate_dense(query)
        shared_key = ops.repeat(self._key_dense(key), self.num_repeats, axis=2)
        shared_value = ops.repeat(self._value_dense(value), self.num_repeats, axis=2)
        attended, weights = self._attend(self._query_dense(query), shared_key, shared_value,
                                         mask, _EQUATIONS, 1, training, return_attention_scores)
        output = self._output_dense(attended if gate is None else attended * gate)
        return (output, weights) if return_attention_scores else output

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                "The last dimension of `query_shape` and `value_shape` must be equal, but are "
                f"{query_shape[-1]}, {value_shape[-1]}. Received: query_shape={query_shape}, "
                f"value_shape={value_shape}"
            )
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={value_shape} and key_shape={key_shape}"
            )
        return tuple(query_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "head_dim": self.head_dim, "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads, "use_bias": self.use_bias,
            "use_gate": self.use_gate, "sliding_window": self.sliding_window,
            "dropout": self.dropout, **self._settings_config(),
        }
