"""Converters of the merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate and Dot, called on a list of graph values."""

import string

from minikeras import backend, layers
from minikeras.export.graph import register_converter


def _same_rank(graph, inputs):
    """The inputs with axes of size 1 after the batch axis up to the highest rank (Keras')."""
    ranks = [len(graph.shape(x)) for x in inputs]
    top = max(ranks)
    return [x if rank == top else graph.op("Unsqueeze", x, graph.axes(*range(1, 1 + top - rank)))
            for x, rank in zip(inputs, ranks)]


def _variadic(op_type):
    def convert(layer, graph, inputs):
        return graph.op(op_type, *_same_rank(graph, inputs), hint=layer.name)

    return convert


for _class, _op in ((layers.Add, "Sum"), (layers.Average, "Mean"), (layers.Maximum, "Max"),
                    (layers.Minimum, "Min")):
    register_converter(_class)(_variadic(_op))


@register_converter(layers.Subtract)
def _subtract(layer, graph, inputs):
    return graph.op("Sub", *_same_rank(graph, inputs), hint=layer.name)


@register_converter(layers.Multiply)
def _multiply(layer, graph, inputs):
    inputs = _same_rank(graph, inputs)
    y = inputs[0]
    for x in inputs[1:]:
        y = graph.op("Mul", y, x, hint=layer.name)
    return y


@register_converter(layers.Concatenate)
def _concatenate(layer, graph, inputs):
    return graph.op("Concat", *inputs, axis=layer.axis, hint=layer.name)


def _l2_normalize(graph, x, axis):
    square_sum = graph.op("ReduceSum", graph.op("Mul", x, x), graph.axes(axis), keepdims=1)
    inverse = graph.op("Min", graph.op("Reciprocal", graph.op("Sqrt", square_sum)),
                       graph.constant(1.0 / backend.epsilon()))
    return graph.op("Mul", x, inverse)


@register_converter(layers.Dot)
def _dot(layer, graph, inputs):
    """Keras' batch_dot as one Einsum: the two axes contracted, the batch shared, the other
    axes of the first input then of the second."""
    x, y = inputs
    rank_x, rank_y = len(graph.shape(x)), len(graph.shape(y))
    a0, a1 = layer._axes_for(graph.shape(x), graph.shape(y))
    if layer.normalize:
        x, y = _l2_normalize(graph, x, a0), _l2_normalize(graph, y, a1)
    letters = iter(string.ascii_lowercase[2:])
    x_axes = ["a"] + [next(letters) for _ in range(1, rank_x)]
    y_axes = ["a"] + [next(letters) for _ in range(1, rank_y)]
    x_axes[a0] = y_axes[a1] = "b"
    output = ["a"] + [c for c in x_axes[1:] if c != "b"] + [c for c in y_axes[1:] if c != "b"]
    y = graph.op("Einsum", x, y, equation=f"{''.join(x_axes)},{''.join(y_axes)}->"
                                          f"{''.join(output)}")
    if len(output) == 1:  # (batch,) as (batch, 1)
        y = graph.op("Unsqueeze", y, graph.axes(1))
    return y
