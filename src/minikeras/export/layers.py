"""A converter for each minikeras layer class, written against the layers' public attributes
and `get_weights()`: what a layer computes at inference."""

from minikeras import layers, models
from minikeras.export.activations import convert_activation
from minikeras.export.graph import convert_layer, register_converter


@register_converter(layers.InputLayer)
@register_converter(layers.Dropout)  # the identity at inference
def _identity(layer, graph, x):
    return x


@register_converter(layers.Dense)
def _dense(layer, graph, x):
    weights = layer.get_weights()
    y = graph.op("MatMul", x, graph.constant(weights[0], f"{layer.name}/kernel"), hint=layer.name)
    if layer.use_bias:
        y = graph.op("Add", y, graph.constant(weights[1], f"{layer.name}/bias"), hint=layer.name)
    return convert_activation(layer.activation, graph, y, _output_shape(layer, graph, x))


@register_converter(layers.Activation)
def _activation(layer, graph, x):
    return convert_activation(layer.activation, graph, x, graph.shape(x))


@register_converter(layers.Softmax)
def _softmax(layer, graph, x):
    if isinstance(layer.axis, int):
        return graph.op("Softmax", x, axis=layer.axis, hint=layer.name)
    # Over several axes: exp(x - max) / sum, reduced over all of them.
    axes = graph.axes(*layer.axis)
    shifted = graph.op("Exp", graph.op("Sub", x, graph.op("ReduceMax", x, axes, keepdims=1)))
    return graph.op("Div", shifted, graph.op("ReduceSum", shifted, axes, keepdims=1),
                    hint=layer.name)


@register_converter(layers.Flatten)
def _flatten(layer, graph, x):
    rank = len(graph.shape(x))
    if layer.data_format == "channels_first" and rank > 2:
        x = graph.op("Transpose", x, perm=[0, *range(2, rank), 1])  # channels last first
    return graph.op("Flatten", x, axis=1, hint=layer.name)


@register_converter(layers.Reshape)
def _reshape(layer, graph, x):
    # 0 keeps the input's size on that axis: the batch stays dynamic.
    shape = graph.constant([0, *layer.target_shape], "shape", dtype="int64")
    return graph.op("Reshape", x, shape, hint=layer.name)


@register_converter(models.Sequential)
def _sequential(model, graph, x):
    for layer in model.layers:
        shape = graph.shape(x)
        x = convert_layer(layer, graph, x)
        graph.shapes[x] = tuple(layer.compute_output_shape(shape))
    return x


def _output_shape(layer, graph, x):
    return tuple(layer.compute_output_shape(graph.shape(x)))
