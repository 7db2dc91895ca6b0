"""Converters of the attention layers: Attention (dot and concat scores), AdditiveAttention
and MultiHeadAttention, with the causal mask and the attention scores as an output."""

import math

from minikeras import layers
from minikeras.export.graph import cannot_export, register_converter
from minikeras.layers.attention.attention import LARGE_NEGATIVE


def _causal(graph, scores):
    """`(1, queries, keys)` booleans, True where a query may see a key (not a later one),
    from the scores' own sizes."""
    size = graph.op("Shape", scores, start=-2)
    ones = graph.op("ConstantOfShape", size, value=graph.onnx.numpy_helper.from_array(
        graph.dtype.type([1.0])))
    lower = graph.op("Trilu", ones, upper=0)
    return graph.op("Unsqueeze", graph.op("Cast", lower, to=graph.onnx.TensorProto.BOOL),
                    graph.axes(0))


def _masked_softmax(graph, scores, mask, hint):
    """Softmax over the last axis where `mask` holds (masked entries weigh nothing)."""
    if mask is None:
        return graph.op("Softmax", scores, axis=-1, hint=hint)
    masked = graph.op("Where", mask, scores, graph.constant(-LARGE_NEGATIVE))
    weights = graph.op("Softmax", masked, axis=-1)
    return graph.op("Where", mask, weights, graph.constant(0.0), hint=hint)


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


@register_converter(layers.Attention)
def _attention(layer, graph, inputs, return_attention_scores=False, use_causal_mask=False):
    query, value = inputs[0], inputs[1]
    key = inputs[2] if len(inputs) > 2 else value
    scores = _scores(layer, graph, query, key)
    mask = _causal(graph, scores) if use_causal_mask else None
    weights = _masked_softmax(graph, scores, mask, f"{layer.name}/scores")
    output = graph.op("MatMul", weights, value, hint=layer.name)
    return [output, weights] if return_attention_scores else output


def _project(graph, projection, equation, x):
    y = graph.op("Einsum", x, graph.constant(projection.kernel.numpy(),
                                             f"{projection.name}/kernel"), equation=equation)
    if projection.bias is not None:
        y = graph.op("Add", y, graph.constant(projection.bias.numpy(), f"{projection.name}/bias"))
    return y


@register_converter(layers.MultiHeadAttention)
def _multi_head_attention(layer, graph, query, value, key=None, attention_mask=None,
                          return_attention_scores=False, use_causal_mask=False,
                          query_mask=None, value_mask=None, key_mask=None):
    if any(m is not None for m in (query_mask, value_mask, key_mask)):
        raise cannot_export(layer, "masks are not exported")
    if layer.sliding_window is not None:
        raise cannot_export(layer, "`sliding_window` is not exported")
    key = value if key is None else key
    q = _project(graph, layer.query_dense, "abc,cde->abde", query)
    q = graph.op("Mul", q, graph.constant(1.0 / math.sqrt(float(layer.key_dim))))
    k = _project(graph, layer.key_dense, "abc,cde->abde", key)
    v = _project(graph, layer.value_dense, "abc,cde->abde", value)
    scores = graph.op("Einsum", k, q, equation="aecd,abcd->acbe")  # (batch, heads, q, k)
    mask = None
    if attention_mask is not None:
        mask = graph.op("Unsqueeze", graph.op("Cast", attention_mask,
                                              to=graph.onnx.TensorProto.BOOL), graph.axes(1))
    if use_causal_mask:
        causal = graph.op("Unsqueeze", _causal(graph, scores), graph.axes(1))
        mask = causal if mask is None else graph.op("And", mask, causal)
    weights = _masked_softmax(graph, scores, mask, f"{layer.name}/scores")
    attended = graph.op("Einsum", weights, v, equation="acbe,aecd->abcd")
    output = _project(graph, layer.output_dense, "abcd,cde->abe", attended)
    output = graph.op("Identity", output, hint=layer.name)
    return [output, weights] if return_attention_scores else output


register_converter(layers.GroupQueryAttention)(lambda layer, graph, *args, **kwargs: _refuse_gqa(
    layer))


def _refuse_gqa(layer):
    raise cannot_export(layer, "grouped-query attention has no converter yet")
