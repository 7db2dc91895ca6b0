"""`MultiHeadAttention` (Vaswani et al.), over sequences `(batch, steps, features)`."""

import math

import numpy as np

from minikeras import backend, constraints, initializers, ops, regularizers
from minikeras.core import tape
from minikeras.layers.attention.attention import causal_mask, dropout_weights, masked_softmax
from minikeras.layers.base import Layer
from minikeras.saving import registry


class _Projection(Layer):
    """One of the four projections of multi-head attention, Keras' `EinsumDense` with its
    equation: `kernel` and `bias` shaped as Keras shapes them, so that files are Keras'."""

    def __init__(self, equation, kernel_shape, bias_shape, settings, **kwargs):
        super().__init__(**kwargs)
        self.equation, self.kernel_shape, self.bias_shape = equation, kernel_shape, bias_shape
        self.settings = settings

    def build(self, input_shape):
        s = self.settings
        self.kernel = self.add_weight(
            shape=self.kernel_shape, name="kernel", initializer=s["kernel_initializer"],
            regularizer=s["kernel_regularizer"], constraint=s["kernel_constraint"])
        self.bias = None if self.bias_shape is None else self.add_weight(
            shape=self.bias_shape, name="bias", initializer=s["bias_initializer"],
            regularizer=s["bias_regularizer"], constraint=s["bias_constraint"])

    def call(self, inputs):
        outputs = ops.einsum(self.equation, inputs, self.kernel)
        return outputs if self.bias is None else outputs + self.bias


@registry.register("layer", module="keras.layers")
class MultiHeadAttention(Layer):
    """Multi-head attention: `num_heads` dot-product attentions of projected queries, keys and
    values, their outputs projected back to the query's features (or `output_shape`).

    Args:
        num_heads: the number of heads.
        key_dim: the size of each head's queries and keys.
        value_dim: the size of each head's values (default `key_dim`).
        dropout: fraction of the attention weights dropped in training.
        use_bias: whether the projections have biases.
        output_shape: the size of the output's last axis (default the query's).
        attention_axes: the axes attended over; only the sequence axis (None, 1 or -2) here.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: of the projections.
        seed: seed of the dropout.

    Call: `layer(query, value, key=None, attention_mask=None, return_attention_scores=False,
    training=None, use_causal_mask=False)`; `value_mask`/`key_mask` (or the value's and key's
    own masks) hide padded positions, the query's mask zeroes nothing but travels on.
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
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        if attention_axes is not None and tuple(attention_axes) not in ((1,), (-2,)):
            raise NotImplementedError(
                "minikeras' MultiHeadAttention attends over the sequence axis of "
                f"(batch, steps, features) inputs only; received attention_axes={attention_axes}."
            )
        if use_gate:
            raise NotImplementedError("minikeras' MultiHeadAttention has no `use_gate`.")
        if sliding_window is not None and (not isinstance(sliding_window, int)
                                           or sliding_window <= 0):
            raise ValueError(
                "`sliding_window` must be `None` or a positive integer. "
                f"Received: sliding_window={sliding_window}"
            )
        super().__init__(**kwargs)
        self.num_heads, self.key_dim = num_heads, key_dim
        self.value_dim = value_dim or key_dim
        self.dropout, self.use_bias, self.seed = dropout, use_bias, seed
        if isinstance(output_shape, int):
            output_shape = (output_shape,)
        self._output_shape = None if not output_shape else tuple(output_shape)
        self.attention_axes = None if attention_axes is None else tuple(attention_axes)
        self.sliding_window = sliding_window
        self._settings = {
            "kernel_initializer": initializers.get(kernel_initializer),
            "bias_initializer": initializers.get(bias_initializer),
            "kernel_regularizer": regularizers.get(kernel_regularizer),
            "bias_regularizer": regularizers.get(bias_regularizer),
            "kernel_constraint": constraints.get(kernel_constraint),
            "bias_constraint": constraints.get(bias_constraint),
        }
        self._projection_activity = regularizers.get(activity_regularizer)
        self._rng = np.random.default_rng(seed if seed is not None else backend.draw_seed())
        self.supports_masking = True

    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None:
            value = kwargs.pop("value")
        if not self.built:
            self.build(_shape(query), _shape(value), None if key is None else _shape(key))
        return super().__call__(query, value, key, **kwargs)

    def build(self, query_shape, value_shape=None, key_shape=None):
        key_given = key_shape is not None
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        query_shape, value_shape, key_shape = (tuple(s) for s in (query_shape, value_shape,
                                                                 key_shape))
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={tuple(value_shape)} and key_shape={tuple(key_shape)}"
            )
        if len(query_shape) != 3:
            raise NotImplementedError(
                "minikeras' MultiHeadAttention takes (batch, steps, features) inputs; received "
                f"query_shape={tuple(query_shape)}."
            )
        self._build_shapes = {"query_shape": list(query_shape), "value_shape": list(value_shape)}
        if key_given:
            self._build_shapes["key_shape"] = list(key_shape)
        heads = self.num_heads
        out = self._output_shape[-1] if self._output_shape else query_shape[-1]

        def projection(name, features, size):
            layer = _Projection("abc,cde->abde", (features, heads, size),
                                (heads, size) if self.use_bias else None, self._settings,
                                name=name, dtype=self.dtype,
                                activity_regularizer=self._projection_activity)
            layer._path_prefix = f"{self._path_prefix}{self.name}/"
            layer._build_for((None, None, features))
            return layer

        self.query_dense = projection("query", query_shape[-1], self.key_dim)
        self.key_dense = projection("key", key_shape[-1], self.key_dim)
        self.value_dense = projection("value", value_shape[-1], self.value_dim)
        self.output_dense = _Projection(
            "abcd,cde->abe", (heads, self.value_dim, out), (out,) if self.use_bias else None,
            self._settings, name="attention_output", dtype=self.dtype,
            activity_regularizer=self._projection_activity)
        self.output_dense._path_prefix = f"{self._path_prefix}{self.name}/"
        self.output_dense._build_for((None, None, heads, self.value_dim))

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        key = value if key is None else key
        value_mask = _mask_of(value) if value_mask is None else value_mask
        key_mask = _mask_of(key) if key_mask is None else key_mask
        mask = self._attention_mask(query, value, _mask_of(query), value_mask, key_mask,
                                    attention_mask, use_causal_mask)
        q = self.query_dense(query) * (1.0 / math.sqrt(float(self.key_dim)))
        k, v = self.key_dense(key), self.value_dense(value)
        scores = ops.einsum("aecd,abcd->acbe", k, q)  # (batch, heads, queries, keys)
        weights = masked_softmax(scores, None if mask is None else mask[:, None])
        attended = ops.einsum("acbe,aecd->abcd",
                              dropout_weights(self, weights, self.dropout, training), v)
        output = self.output_dense(attended)
        return (output, weights) if return_attention_scores else output

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                        use_causal_mask):
        """`(batch, queries, keys)` booleans, or None: Keras' combination of the masks."""
        mask = None

        def both(a, b):
            return b if a is None else a & b

        if query_mask is not None:
            mask = _bool(query_mask)[:, :, None]
        for m in (value_mask, key_mask):
            if m is not None:
                mask = both(mask, _bool(m)[:, None, :])
        queries, keys = query.shape[1], value.shape[1]
        if use_causal_mask:
            mask = both(mask, causal_mask(queries, keys))
        if self.sliding_window is not None:
            distance = np.abs(np.arange(queries)[:, None] - np.arange(keys)[None, :])
            mask = both(mask, (distance < self.sliding_window)[None])
        if attention_mask is not None:
            mask = both(mask, _bool(attention_mask))
        return mask

    def get_build_config(self):
        # Keras' form for a layer built from several shapes.
        return {"shapes_dict": self._build_shapes} if self.built else None

    def build_from_config(self, config):
        shapes = (config or {}).get("shapes_dict")
        if shapes and not self.built:
            self.build(*(shapes.get(k) for k in ("query_shape", "value_shape", "key_shape")))
            self.built = True

    def compute_mask(self, inputs, previous_mask):
        return previous_mask  # the query's mask travels on

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        if self._output_shape:
            return query_shape[:-1] + self._output_shape
        return query_shape

    def get_config(self):
        s = self._settings
        return {
            **super().get_config(),
            "num_heads": self.num_heads, "key_dim": self.key_dim, "value_dim": self.value_dim,
            "dropout": self.dropout, "use_bias": self.use_bias, "use_gate": False,
            "output_shape": self._output_shape,
            "attention_axes": self.attention_axes if self.attention_axes else (1,) if
            self.built else None,
            "sliding_window": self.sliding_window,
            "kernel_initializer": initializers.serialize(s["kernel_initializer"]),
            "bias_initializer": initializers.serialize(s["bias_initializer"]),
            "kernel_regularizer": regularizers.serialize(s["kernel_regularizer"]),
            "bias_regularizer": regularizers.serialize(s["bias_regularizer"]),
            "activity_regularizer": regularizers.serialize(self._projection_activity),
            "kernel_constraint": constraints.serialize(s["kernel_constraint"]),
            "bias_constraint": constraints.serialize(s["bias_constraint"]),
            "seed": self.seed,
        }


def _shape(x):
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def _mask_of(x):
    return getattr(x, "_keras_mask", None)


def _bool(mask):
    return np.asarray(tape.value_of(mask)).astype(bool)
