"""Converters of the attention layers: Attention (dot and concat scores), AdditiveAttention,
MultiHeadAttention and GroupQueryAttention (their masks, causal mask, sliding window, gate and
attention axes), with the attention scores as an output."""

import math

from minikeras import layers
from minikeras.export.graph import cannot_export, register_converter
from minikeras.layers.attention.attention import LARGE_NEGATIVE
from minikeras.layers.attention.heads import attention_equations


def _causal(graph, scores):
    """`(1, queries, keys)` booleans, True where a query may see a key (not a later one),
    from the scores' own sizes."""
    return _as_bool(graph, graph.op("Trilu", _ones_like_last_two(graph, scores), upper=0))


def _ones_like_last_two(graph, scores):
    """`(1, queries, keys)` ones of the graph's float type, from the scores' own sizes."""
    size = graph.op("Shape", scores, start=-2)
    ones = graph.op("ConstantOfShape", size, value=graph.onnx.numpy_helper.from_array(
        graph.dtype.type([1.0])))
    return graph.op("Unsqueeze", ones, graph.axes(0))


def _as_bool(graph, x):
    return graph.op("Cast", x, to=graph.onnx.TensorProto.BOOL)


def _masked_softmax(graph, scores, mask, hint, count=1, zero_masked=True):
    """Softmax over the last `count` axes where `mask` holds: masked scores made very low,
    and with `zero_masked` their weights zeros (so a fully masked row is zeros, not uniform)."""
    if mask is None:
        return _softmax_over_last(graph, scores, count, hint)
    masked = graph.op("Where", mask, scores, graph.constant(-LARGE_NEGATIVE))
    if not zero_masked:
        return _softmax_over_last(graph, masked, count, hint)
    weights = _softmax_over_last(graph, masked, count)
    return graph.op("Where", mask, weights, graph.constant(0.0), hint=hint)


def _softmax_over_last(graph, x, count, hint=None):
    """Softmax over the last `count` axes."""
    if count == 1:
        return graph.op("Softmax", x, axis=-1, hint=hint)
    axes = graph.axes(*range(-count, 0))
    shifted = graph.op("Exp", graph.op("Sub", x, graph.op("ReduceMax", x, axes, keepdims=1)))
    return graph.op("Div", shifted, graph.op("ReduceSum", shifted, axes, keepdims=1), hint=hint)


def _scores(layer, graph, query, key):
    if isinstance(layer, layers.AdditiveAttention) or layer.score_mode == "concat":
        pairs = graph.op("Add", graph.op("Unsqueeze", query, graph.axes(-2)),
                         graph.op("Unsqueeze", key, graph.axes(-3)))
        if isinstance(layer, layers.AdditiveAttention):
            terms = graph.op("Tanh", pairs)
            if layer.scale is not None:
                terms = graph.op("Mul", terms, graph.constant(layer.scale.numpy()))
            return graph.op("ReduceSum", terms, graph.axes(-1), keepdims=0)
        if layer.scale is not None:
            pairs = graph.op("Mul", pairs, graph.constant(layer.scale.numpy()))
        total = graph.op("ReduceSum", graph.op("Tanh", pairs), graph.axes(-1), keepdims=0)
        return graph.op("Mul", total, graph.constant(layer.concat_score_weight.numpy()))
    rank = len(graph.shape(key))
    scores = graph.op("MatMul", query, graph.op("Transpose", key, perm=[
        *range(rank - 2), rank - 1, rank - 2]))
    if layer.scale is not None:
        scores = graph.op("Mul", scores, graph.constant(layer.scale.numpy()))
    return scores


@register_converter(layers.Attention, takes_mask=True)
def _attention(layer, graph, inputs, return_attention_scores=False, use_causal_mask=False,
               mask=None):
    """Attention and AdditiveAttention: the value's mask and the causal mask on the scores,
    the query's on the output (zeros where it is masked), which carries it on."""
    query, value = inputs[0], inputs[1]
    key = inputs[2] if len(inputs) > 2 else value
    query_mask, value_mask = (mask[0], mask[1]) if mask else (None, None)
    scores = _scores(layer, graph, query, key)
    scores_mask = None if value_mask is None else graph.op("Unsqueeze", value_mask,
                                                           graph.axes(-2))
    if use_causal_mask:
        causal = _causal(graph, scores)
        scores_mask = causal if scores_mask is None else graph.op("And", scores_mask, causal)
    weights = _masked_softmax(graph, scores, scores_mask, f"{layer.name}/scores")
    output = graph.op("MatMul", weights, value, hint=layer.name)
    if query_mask is not None:
        output = graph.op("Where", graph.op("Unsqueeze", query_mask, graph.axes(-1)), output,
                          graph.constant(0.0), hint=layer.name)
        for name in (output, weights) if return_attention_scores else (output,):
            graph.masks[name] = query_mask
    return [output, weights] if return_attention_scores else output


def _project(graph, projection, x):
    """A projection of the attention layers with heads: Keras' `EinsumDense` (its equation,
    kernel, bias and gate sigmoid)."""
    y = graph.op("Einsum", x, graph.constant(projection.kernel.numpy(),
                                             f"{projection.name}/kernel"),
                 equation=projection.equation)
    if projection.bias is not None:
        y = graph.op("Add", y, graph.constant(projection.bias.numpy(), f"{projection.name}/bias"))
    return graph.op("Sigmoid", y) if projection.activation == "sigmoid" else y


def _projections(layer):
    """`(query, key, value, gate or None, output)` projections (Keras' attribute names: public
    on MultiHeadAttention, underscored on GroupQueryAttention)."""
    prefix = "_" if isinstance(layer, layers.GroupQueryAttention) else ""
    return tuple(getattr(layer, f"{prefix}{name}_dense")
                 for name in ("query", "key", "value")) + (
        layer._gate_dense, getattr(layer, f"{prefix}output_dense"))


def _heads_mask(layer, graph, scores, query, value, key, masks, attention_mask,
                use_causal_mask, axes):
    """Keras' mask of the heads' scores (`HeadedAttention._attention_mask`) and its rank, or
    `(None, 0)`: where the query's, value's and key's masks, the causal mask, the sliding
    window and `attention_mask` all hold, broadcasting to `(batch, queries, keys)`."""
    query_mask, value_mask, key_mask = masks
    parts, rank = [], 0  # the combined mask's rank: the largest of its parts'
    if query_mask is not None:
        parts.append(graph.op("Unsqueeze", _as_bool(graph, query_mask), graph.axes(-1)))
        rank = len(graph.shape(query))  # a Keras mask has its tensor's axes but the last
    for m, x in ((value_mask, value), (key_mask, key)):
        if m is not None:
            parts.append(graph.op("Unsqueeze", _as_bool(graph, m), graph.axes(-2)))
            rank = max(rank, len(graph.shape(x)))
    if use_causal_mask or layer.sliding_window is not None:
        if tuple(axes) != (1,):
            raise cannot_export(layer, "the causal mask and `sliding_window` are exported over "
                                       "the first axis after the batch only (attention_axes="
                                       "(1,)), the one minikeras makes them over")
        if use_causal_mask:
            parts.append(_causal(graph, scores))
        if layer.sliding_window is not None:
            ones = _ones_like_last_two(graph, scores)
            # |query - key| < window: within window - 1 diagonals on either side.
            reach = graph.constant(layer.sliding_window - 1, "reach", dtype="int64")
            below = graph.op("Trilu", ones, reach, upper=0)
            above = graph.op("Trilu", ones, graph.op("Neg", reach), upper=1)
            parts.append(_as_bool(graph, graph.op("Mul", below, above)))
        rank = max(rank, 3)
    if attention_mask is not None:
        parts.append(_as_bool(graph, attention_mask))
        rank = max(rank, len(graph.shape(attention_mask)))
    if not parts:
        return None, 0
    mask = parts[0]
    for part in parts[1:]:
        mask = graph.op("And", mask, part)
    return mask, rank


def _repeat_heads(graph, x, repeats, size):
    """`ops.repeat(x, repeats, axis=2)` of `(batch, steps, heads, size)` projections: each
    key and value head shared by `repeats` query heads in a row."""
    if repeats == 1:
        return x
    expanded = graph.op("Expand", graph.op("Unsqueeze", x, graph.axes(3)),
                        graph.ints([1, 1, 1, repeats, 1], "repeats"))
    # 0: the size kept from the input (batch, steps); the heads multiplied, the size as it was
    return graph.op("Reshape", expanded, graph.ints([0, 0, -1, size], "shape"))


def _headed_attention(layer, graph, query, value, key, masks, attention_mask,
                      return_attention_scores, use_causal_mask, axes, repeats):
    """What `HeadedAttention` computes: the projections, the scaled scores, Keras' two
    softmaxes (a fully masked query's weights uniform on the fused path, zeros on the other),
    the gate and the output projection."""
    key = value if key is None else key
    query_dense, key_dense, value_dense, gate_dense, output_dense = _projections(layer)
    q = _project(graph, query_dense, query)
    size = key_dense.kernel.shape[-1]  # of every head
    k = _repeat_heads(graph, _project(graph, key_dense, key), repeats, size)
    v = _repeat_heads(graph, _project(graph, value_dense, value), repeats,
                      value_dense.kernel.shape[-1])
    q = graph.op("Mul", q, graph.constant(1.0 / math.sqrt(float(size))))
    rank = len(graph.shape(query)) + 1  # the scores' (and the projected query's)
    scores_equation, combine_equation = attention_equations(rank, axes)
    scores = graph.op("Einsum", k, q, equation=scores_equation)
    mask, mask_rank = _heads_mask(layer, graph, scores, query, value, key, masks,
                                  attention_mask, use_causal_mask, axes)
    for _ in range(rank - mask_rank if mask is not None else 0):
        mask = graph.op("Unsqueeze", mask, graph.axes(-2 * len(axes) - 1))  # the heads' axes
    fused = layer.dropout <= 0.0 and not return_attention_scores and rank == 4
    weights = _masked_softmax(graph, scores, mask, f"{layer.name}/scores", len(axes),
                              zero_masked=not fused)
    attended = graph.op("Einsum", weights, v, equation=combine_equation)
    if gate_dense is not None:
        attended = graph.op("Mul", attended, _project(graph, gate_dense, query))
    output = graph.op("Identity", _project(graph, output_dense, attended), hint=layer.name)
    return [output, weights] if return_attention_scores else output


def _carrying(graph, outputs, mask):
    """`outputs`, each carrying the query's own mask (the layers' `compute_mask`)."""
    if mask is not None:
        for name in outputs if isinstance(outputs, list) else [outputs]:
            graph.masks[name] = mask
    return outputs


def _call_masks(graph, query_mask, value, value_mask, key, key_mask):
    """The query's, value's and key's masks of a call: the arguments, else the inputs' own
    (a missing key's are the value's, as in the layers' call)."""
    key = value if key is None else key
    return (query_mask, graph.masks.get(value) if value_mask is None else value_mask,
            graph.masks.get(key) if key_mask is None else key_mask)


@register_converter(layers.MultiHeadAttention, takes_mask=True)
def _multi_head_attention(layer, graph, query, value, key=None, query_mask=None,
                          value_mask=None, key_mask=None, attention_mask=None,
                          return_attention_scores=False, use_causal_mask=False, mask=None):
    # Keras reads the query's mask from the query itself, whatever `query_mask` says.
    masks = _call_masks(graph, mask, value, value_mask, key, key_mask)
    return _carrying(graph, _headed_attention(
        layer, graph, query, value, key, masks, attention_mask, return_attention_scores,
        use_causal_mask, layer.attention_axes, 1), mask)


@register_converter(layers.GroupQueryAttention, takes_mask=True)
def _group_query_attention(layer, graph, query, value, key=None, query_mask=None,
                           value_mask=None, key_mask=None, attention_mask=None,
                           return_attention_scores=False, use_causal_mask=False, mask=None):
    masks = _call_masks(graph, mask if query_mask is None else query_mask, value, value_mask,
                        key, key_mask)
    return _carrying(graph, _headed_attention(
        layer, graph, query, value, key, masks, attention_mask, return_attention_scores,
        use_causal_mask, (1,), layer.num_repeats), mask)
