"""Converters of the core layers: Dense, Embedding, the activation layers, the identities of
inference (dropout, noise), Masking; and the refusal of Lambda."""

from minikeras import layers
from minikeras.export.activations import convert_activation
from minikeras.export.graph import cannot_export, register_converter


@register_converter(layers.InputLayer)
@register_converter(layers.Identity)
@register_converter(layers.Dropout)  # the noise and dropout layers: the identity at inference
@register_converter(layers.SpatialDropout1D)
@register_converter(layers.SpatialDropout2D)
@register_converter(layers.SpatialDropout3D)
@register_converter(layers.GaussianDropout)
@register_converter(layers.GaussianNoise)
@register_converter(layers.AlphaDropout)
@register_converter(layers.ActivityRegularization)
def _identity(layer, graph, x):
    return x


@register_converter(layers.Dense)
def _dense(layer, graph, x):
    weights = layer.get_weights()
    y = graph.op("MatMul", x, graph.constant(weights[0], f"{layer.name}/kernel"), hint=layer.name)
    if layer.use_bias:
        y = graph.op("Add", y, graph.constant(weights[1], f"{layer.name}/bias"), hint=layer.name)
    return convert_activation(layer.activation, graph, y, output_shape(layer, graph, x))


@register_converter(layers.Activation)
def _activation(layer, graph, x):
    return convert_activation(layer.activation, graph, x, graph.shape(x))


@register_converter(layers.Softmax, takes_mask=True)
def _softmax(layer, graph, x, mask=None):
    """Softmax over the layer's axis (axes); with a mask, masked entries get a large negative
    logit, then a share of exactly 0 (as the layer computes it). The output has no mask."""
    if mask is not None:
        large_negative = -3e4 if graph.dtype.itemsize <= 2 else -1e9
        x = graph.op("Where", mask, x, graph.constant(large_negative))
    if isinstance(layer.axis, int):
        y = graph.op("Softmax", x, axis=layer.axis, hint=layer.name)
    else:  # over several axes: exp(x - max) / sum, reduced over all of them
        axes = graph.axes(*layer.axis)
        shifted = graph.op("Exp", graph.op("Sub", x, graph.op("ReduceMax", x, axes, keepdims=1)))
        y = graph.op("Div", shifted, graph.op("ReduceSum", shifted, axes, keepdims=1),
                     hint=layer.name)
    return y if mask is None else graph.op("Where", mask, y, graph.constant(0.0),
                                           hint=layer.name)


@register_converter(layers.ReLU)
def _relu(layer, graph, x):
    # Keras' relu: slope * (x - threshold) below the threshold, x above, capped at max_value.
    y = x
    if layer.threshold or layer.negative_slope:
        threshold = graph.constant(layer.threshold)
        below = graph.op("Mul", graph.op("Sub", x, threshold), graph.constant(layer.negative_slope))
        y = graph.op("Where", graph.op("GreaterOrEqual", x, threshold), x, below)
    else:
        y = graph.op("Relu", x)
    if layer.max_value is not None:
        y = graph.op("Min", y, graph.constant(layer.max_value))
    return y


@register_converter(layers.LeakyReLU)
def _leaky_relu(layer, graph, x):
    return graph.op("LeakyRelu", x, alpha=layer.negative_slope, hint=layer.name)


@register_converter(layers.ELU)
def _elu(layer, graph, x):
    return graph.op("Elu", x, alpha=layer.alpha, hint=layer.name)


@register_converter(layers.ThresholdedReLU)
def _thresholded_relu(layer, graph, x):
    return graph.op("ThresholdedRelu", x, alpha=layer.theta, hint=layer.name)


@register_converter(layers.PReLU)
def _prelu(layer, graph, x):
    (alpha,) = layer.get_weights()
    return graph.op("PRelu", x, graph.constant(alpha, f"{layer.name}/alpha"), hint=layer.name)


@register_converter(layers.Embedding)
def _embedding(layer, graph, x):
    table = layer.get_weights()[0]
    indices = graph.op("Cast", x, to=graph.onnx.TensorProto.INT64)
    y = graph.op("Gather", graph.constant(table, f"{layer.name}/embeddings"), indices, axis=0,
                 hint=layer.name)
    if layer.mask_zero:
        zero = graph.constant(0, "zero", dtype="int64")
        graph.masks[y] = graph.op("Not", graph.op("Equal", indices, zero))
    return y


@register_converter(layers.ReversibleEmbedding)
def _reversible_embedding(layer, graph, x, reverse=False):
    if not reverse:
        return _embedding(layer, graph, x)
    weights = layer.get_weights()
    kernel = weights[0].T if layer.tie_weights else weights[1]
    y = graph.op("MatMul", x, graph.constant(kernel, f"{layer.name}/reverse_kernel"),
                 hint=layer.name)
    if layer.logit_soft_cap is not None:
        cap = graph.constant(float(layer.logit_soft_cap))
        y = graph.op("Mul", graph.op("Tanh", graph.op("Div", y, cap)), cap, hint=layer.name)
    return y


@register_converter(layers.Masking)
def _masking(layer, graph, x):
    # A step is kept where any feature differs from mask_value; the others become zeros.
    differs = graph.op("Not", graph.op("Equal", x, graph.constant(layer.mask_value)))
    kept = graph.op("ReduceMax", graph.op("Cast", differs, to=graph.onnx.TensorProto.INT32),
                    graph.axes(-1), keepdims=1)
    kept = graph.op("Cast", kept, to=graph.onnx.TensorProto.BOOL)
    y = graph.op("Where", kept, x, graph.constant(0.0), hint=layer.name)
    graph.masks[y] = graph.op("Squeeze", kept, graph.axes(-1))
    return y


def refuse(why):
    def refuse(layer, graph, *args, **kwargs):
        raise cannot_export(layer, why)

    return refuse


for _class, _why in (
    (layers.Lambda, "a Lambda layer runs Python code, which ONNX cannot hold (write a Layer "
                    "subclass and register a converter for it)"),
):
    register_converter(_class)(refuse(_why))


def output_shape(layer, graph, x):
    return tuple(layer.compute_output_shape(graph.shape(x)))


@register_converter(layers.EinsumDense)
def _einsum_dense(layer, graph, x):
    """ONNX's `Einsum` on the layer's equation, then the bias and the activation."""
    y = graph.op("Einsum", x, graph.constant(layer.kernel.numpy(), f"{layer.name}/kernel"),
                 equation=layer.equation, hint=layer.name)
    if layer.bias is not None:
        y = graph.op("Add", y, graph.constant(layer.bias.numpy(), f"{layer.name}/bias"),
                     hint=layer.name)
    return convert_activation(layer.activation, graph, y, output_shape(layer, graph, x))
