"""Converters of the merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate and Dot, called on a list of graph values, with their inputs' masks merged as
Keras merges them."""

import string

import numpy as np

from minikeras import backend, layers
from minikeras.export.graph import mask_rank, register_converter


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


def _subtract(layer, graph, inputs):
    return graph.op("Sub", *_same_rank(graph, inputs), hint=layer.name)


def _multiply(layer, graph, inputs):
    inputs = _same_rank(graph, inputs)
    y = inputs[0]
    for x in inputs[1:]:
        y = graph.op("Mul", y, x, hint=layer.name)
    return y


def _any_mask(layer, graph, inputs, masks):
    """The element-wise merges' mask (Keras'): kept where any input is, if every input has a
    mask."""
    if any(m is None for m in masks):
        return None
    mask = masks[0]
    for m in masks[1:]:
        mask = graph.op("Or", mask, m)
    return mask


def _concatenated_mask(layer, graph, inputs, masks):
    """Concatenate's mask (Keras'): each input's mask at the input's full shape (all kept for
    an input without one), concatenated, then kept where any entry of the last axis is."""
    full = []
    for x, mask in zip(inputs, masks):
        shape = graph.op("Shape", x)
        if mask is None:
            full.append(graph.op("ConstantOfShape", shape, value=graph.onnx.numpy_helper.from_array(
                np.array([True]))))
        elif mask_rank(graph, mask, x) < len(graph.shape(x)):
            full.append(graph.op("Expand", graph.op("Unsqueeze", mask, graph.axes(-1)), shape))
        else:
            full.append(mask)
    concatenated = graph.op("Cast", graph.op("Concat", *full, axis=layer.axis),
                            to=graph.onnx.TensorProto.INT32)
    kept = graph.op("ReduceMax", concatenated, graph.axes(-1), keepdims=0)
    return graph.op("Cast", kept, to=graph.onnx.TensorProto.BOOL)


def _no_mask(layer, graph, inputs, masks):
    return None


def _merge(convert, mask_of):
    """A merge converter that takes its inputs' masks (a merge computes without them) and
    gives its output Keras' mask of the merge."""
    def converter(layer, graph, inputs, mask=None):
        output = convert(layer, graph, inputs)
        merged = None if mask is None else mask_of(layer, graph, inputs, mask)
        if merged is not None:
            graph.masks[output] = merged
        return output

    return converter


for _class, _convert, _mask_of in (
    (layers.Add, _variadic("Sum"), _any_mask), (layers.Average, _variadic("Mean"), _any_mask),
    (layers.Maximum, _variadic("Max"), _any_mask), (layers.Minimum, _variadic("Min"), _any_mask),
    (layers.Subtract, _subtract, _any_mask), (layers.Multiply, _multiply, _any_mask),
    (layers.Concatenate, lambda layer, graph, inputs: graph.op(
        "Concat", *inputs, axis=layer.axis, hint=layer.name), _concatenated_mask),
    (layers.Dot, lambda layer, graph, inputs: _dot(layer, graph, inputs), _no_mask),
):
    register_converter(_class, takes_mask=True)(_merge(_convert, _mask_of))


def _l2_normalize(graph, x, axis):
    square_sum = graph.op("ReduceSum", graph.op("Mul", x, x), graph.axes(axis), keepdims=1)
    inverse = graph.op("Min", graph.op("Reciprocal", graph.op("Sqrt", square_sum)),
                       graph.constant(1.0 / backend.epsilon()))
    return graph.op("Mul", x, inverse)


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
