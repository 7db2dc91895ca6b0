"""Converters of Keras 3's colour layers: the random ones and Equalization are the identity at
inference (what an exported graph computes); AutoContrast stretches at inference too."""

from minikeras import layers
from minikeras.export.graph import register_converter

for _class in (layers.RandomGrayscale, layers.RandomInvert, layers.Solarization,
               layers.RandomPosterization, layers.RandomSaturation, layers.RandomHue,
               layers.RandomColorDegeneration, layers.RandomSharpness,
               layers.RandomColorJitter, layers.Equalization):
    register_converter(_class)(lambda layer, graph, x: x)


def _rescale(graph, x, original, target):
    """`color.rescale` in the graph."""
    if original[0] == target[0] and original[1] == target[1]:
        return x
    unit = graph.op("Div", graph.op("Sub", x, graph.constant(original[0])),
                    graph.constant(original[1] - original[0]))
    return graph.op("Add", graph.op("Mul", unit, graph.constant(target[1] - target[0])),
                    graph.constant(target[0]))


@register_converter(layers.AutoContrast)
def _auto_contrast(layer, graph, x):
    """As the layer: minimum and maximum over a batch's axes 1 and 2 (of a single image,
    its axes 0 and 1), a constant channel's pixels kept."""
    axes = graph.axes(0, 1) if len(graph.shape(x)) == 3 else graph.axes(1, 2)
    pixels = _rescale(graph, x, layer.value_range, (0, 255))
    low = graph.op("ReduceMin", pixels, axes, keepdims=1)
    high = graph.op("ReduceMax", pixels, axes, keepdims=1)
    scale = graph.op("Div", graph.constant(255.0), graph.op("Sub", high, low))
    stretched = graph.op("Add", graph.op("Mul", pixels, scale),
                         graph.op("Neg", graph.op("Mul", low, scale)))
    clipped = graph.op("Clip", stretched, graph.constant(0.0), graph.constant(255.0))
    out = _rescale(graph, clipped, (0, 255), layer.value_range)
    return graph.op("Where", graph.op("IsNaN", out), x, out, hint=layer.name)
