"""What `MultiHeadAttention` and `GroupQueryAttention` share: the einsum projections (Keras'
`EinsumDense` weights and shapes, so that files are Keras'), the attention mask made from the
inputs' masks and the call's arguments, and the scaled dot product over heads.

Keras takes one of two paths through the dot product, and they differ where every key of a
query is masked: with dropout, returned scores or inputs beyond rank 3 it applies a masked
`Softmax` (such a query's weights are zeros); otherwise its fused `dot_product_attention`
(the weights are uniform, all scores being equally low). Both are reproduced.
"""

import math
import string

import numpy as np

from minikeras import backend, constraints, initializers, ops, regularizers
from minikeras.core import tape
from minikeras.layers import node
from minikeras.layers.attention.attention import LARGE_NEGATIVE, dropout_weights, masked_softmax
from minikeras.layers.base import Layer

_LETTERS = string.ascii_lowercase


def projection_equation(free, bound, made):
    """Keras' einsum for a projection keeping `free` leading axes, contracting `bound` axes
    with the kernel's first ones and making the kernel's `made` last ones."""
    kept = _LETTERS[:free]
    contracted = _LETTERS[free:free + bound]
    new = _LETTERS[free + bound:free + bound + made]
    return f"{kept}{contracted},{contracted}{new}->{kept}{new}"


def attention_equations(rank, axes):
    """The einsums `(scores, combine)` for projected `(batch, ..., heads, size)` tensors of
    `rank` attending over `axes`: `scores(key, query)` is `(batch, other axes, heads, query
    axes, key axes)`, `combine(weights, value)` has the query's layout."""
    query = _LETTERS[:rank]
    key = "".join(_LETTERS[rank + axes.index(i)] if i in axes else query[i] for i in range(rank))
    batch = "".join(query[i] for i in range(rank - 1) if i not in axes)
    scores = batch + "".join(query[i] for i in axes) + "".join(key[i] for i in axes)
    return f"{key},{query}->{scores}", f"{scores},{key}->{query}"


class Projection(Layer):
    """One projection of an attention layer: Keras' `EinsumDense` for its equation, with
    `kernel` and `bias` shaped as Keras shapes them."""

    def __init__(self, equation, kernel_shape, bias_shape, settings, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.equation, self.kernel_shape, self.bias_shape = equation, kernel_shape, bias_shape
        self.settings, self.activation = settings, activation

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
        if self.bias is not None:
            outputs = outputs + self.bias
        return ops.sigmoid(outputs) if self.activation == "sigmoid" else outputs


_SHARED_ARGUMENTS = (
    "dropout", "use_bias", "sliding_window", "flash_attention", "kernel_initializer",
    "bias_initializer", "kernel_regularizer", "bias_regularizer", "activity_regularizer",
    "kernel_constraint", "bias_constraint", "use_gate", "seed",
)


def shared_arguments(arguments):
    """The arguments of a subclass's constructor (its `locals()`) that `HeadedAttention`
    takes, with the constructor's `**kwargs`."""
    return {**{name: arguments[name] for name in _SHARED_ARGUMENTS}, **arguments["kwargs"]}


class HeadedAttention(Layer):
    """The base of the attention layers with heads: the arguments they share, their
    projections, masks and dot product."""

    def __init__(self, dropout=0.0, use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        if sliding_window is not None and (not isinstance(sliding_window, int)
                                           or sliding_window <= 0):
            raise ValueError(
                "`sliding_window` must be `None` or a positive integer. "
                f"Received: sliding_window={sliding_window}"
            )
        if flash_attention and dropout > 0.0:
            raise ValueError(
                "Dropout is not supported when flash attention is enabled. "
                "Please set dropout to 0.0 to use flash attention."
            )
        super().__init__(**kwargs)
        self.dropout, self.use_bias, self.use_gate, self.seed = dropout, use_bias, use_gate, seed
        self.sliding_window = sliding_window
        self._flash_attention = bool(flash_attention)
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
        self._build_shapes = None
        self.supports_masking = True

    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None:
            value = kwargs.pop("value")
        if not self.built:
            self.build(_shape(query), _shape(value), None if key is None else _shape(key))
        # The key only when given: a node records the call as made (Keras' `args`; tf_keras'
        # keywords), with no `None` for a key left out.
        return super().__call__(query, value, *(() if key is None else (key,)), **kwargs)

    def _shapes_for_build(self, query_shape, value_shape, key_shape):
        """The three shapes as tuples (value's for a missing key), checked, and remembered for
        the build config."""
        key_given = key_shape is not None
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        query_shape, value_shape, key_shape = (tuple(s) for s in (query_shape, value_shape,
                                                                 key_shape))
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={value_shape} and key_shape={key_shape}"
            )
        self._build_shapes = {"query_shape": list(query_shape), "value_shape": list(value_shape)}
        if key_given:
            self._build_shapes["key_shape"] = list(key_shape)
        return query_shape, value_shape, key_shape

    def _projection(self, name, equation, kernel_shape, bias_shape, input_shape,
                    activation=None):
        layer = Projection(equation, tuple(kernel_shape),
                           tuple(bias_shape) if self.use_bias else None, self._settings,
                           activation=activation, name=name, dtype=self.dtype,
                           activity_regularizer=self._projection_activity)
        layer._path_prefix = f"{self._path_prefix}{self.name}/"
        layer._build_for(tuple(input_shape))
        return layer

    # ------------------------------------------------------------------------------------------
    # Call

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                        use_causal_mask):
        """Keras' combination of the masks: booleans broadcasting to `(batch, queries, keys)`,
        or None."""
        mask = None

        def both(a, b):
            return b if a is None else a & b

        if query_mask is not None:
            mask = _bool(query_mask)[..., None]
        for m in (value_mask, key_mask):
            if m is not None:
                mask = both(mask, _bool(m)[..., None, :])
        queries, keys = query.shape[1], value.shape[1]
        if use_causal_mask:
            mask = both(mask, np.tril(np.ones((1, queries, keys), bool)))
        if self.sliding_window is not None:
            distance = np.abs(np.arange(queries)[:, None] - np.arange(keys)[None, :])
            mask = both(mask, (distance < self.sliding_window)[None])
        if attention_mask is not None:
            mask = both(mask, _bool(attention_mask))
        return mask

    def _attend(self, query, key, value, mask, equations, axes_count, training,
                return_attention_scores):
        """The heads' attention of projected `query` over projected `key` and `value`:
        `(attended, weights)`, the weights over the last `axes_count` axes of the scores."""
        if self._flash_attention and return_attention_scores:
            raise ValueError(
                "Returning attention scores is not supported when flash attention is enabled. "
                "Please disable flash attention to access attention scores."
            )
        scores_equation, combine_equation = equations
        # A Python float (not numpy's float64) keeps the scores in the inputs' float type.
        scores = ops.einsum(scores_equation, key, query * (1.0 / math.sqrt(key.shape[-1])))
        if mask is not None:
            while mask.ndim < scores.ndim:
                mask = np.expand_dims(mask, -2 * axes_count - 1)
        axes = tuple(range(scores.ndim - axes_count, scores.ndim))
        fused = self.dropout <= 0.0 and not return_attention_scores and query.ndim == 4
        if fused or mask is None:
            weights = ops.softmax(scores if mask is None else
                                  ops.where(mask, scores, -LARGE_NEGATIVE), axis=axes)
        else:
            weights = masked_softmax(scores, mask, axis=axes)
        attended = ops.einsum(combine_equation,
                              dropout_weights(self, weights, self.dropout, training), value)
        return attended, weights

    def compute_output_spec(self, query, value, key=None, **kwargs):
        """The symbolic outputs: the output, and with `return_attention_scores` the scores as
        well (a pair, as Keras 3 gives; their shape found by running the layer on zeros)."""
        if kwargs.get("return_attention_scores"):
            return tuple(node.probe_spec(self, (query, value, key), kwargs))
        return node.KerasTensor(self.compute_output_shape(
            query.shape, value.shape, None if key is None else key.shape), self.dtype)

    # ------------------------------------------------------------------------------------------
    # Config

    def get_build_config(self):
        # Keras' form for a layer built from several shapes.
        return {"shapes_dict": self._build_shapes} if self.built else None

    def build_from_config(self, config):
        shapes = (config or {}).get("shapes_dict")
        if shapes and not self.built:
            self.build(*(shapes.get(k) for k in ("query_shape", "value_shape", "key_shape")))
            self.built = True

    def compute_mask(self, inputs, mask=None):
        return mask  # the query's mask travels on

    def _settings_config(self):
        s = self._settings
        return {
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


def mask_of(x):
    return getattr(x, "_keras_mask", None)


def _bool(mask):
    return np.asarray(tape.value_of(mask)).astype(bool)
