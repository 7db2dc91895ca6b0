"""`model_to_dot` and `plot_model`: a model's layers as a Graphviz graph, labelled as Keras 3
labels them. pydot (and, to render a file, Graphviz' `dot` program) are needed only when called.

The drawing works on a list of layers and the edges between them (`_graph`): a Sequential model
is a chain; a functional model gives its own nodes and edges there.
"""

import os


def _pydot(function_name):
    try:
        import pydot
    except ImportError as error:
        raise ImportError(
            f"You must install pydot (`pip install pydot`) for `{function_name}` to work."
        ) from error
    return pydot


def _check_graphviz(pydot):
    try:
        pydot.Dot.create(pydot.Dot())
    except (OSError, pydot.PydotException) as error:
        raise ImportError(
            "You must install graphviz (see instructions at "
            "https://graphviz.gitlab.io/download/) for `plot_model` to work."
        ) from error


def _check_built(model):
    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first by calling "
                         "`build()` or by calling the model on a batch of data.")


def _graph(model):
    """`(layers, edges, input shapes, output shapes)`: the layers to draw, the `(source,
    destination)` pairs between them, and each layer's shapes (None where unknown)."""
    layers = list(model.layers)
    edges = list(zip(layers, layers[1:]))
    shapes = getattr(model, "layer_output_shapes", None)
    outputs = list(shapes()) if shapes is not None else [None] * len(layers)
    first_input = getattr(model, "_build_input_shape", None)
    inputs = [first_input, *outputs[:-1]]
    return layers, edges, [_shape(s) for s in inputs], [_shape(s) for s in outputs]


def _shape(shape):
    return None if shape is None else tuple(shape)


def _activation_name(layer):
    activation = layer.activation
    return getattr(activation, "name", None) or getattr(activation, "__name__", str(activation))


def _cell(text, color="white", font_color=None):
    font = f' color="{font_color}"' if font_color else ""
    return f'<td bgcolor="{color}"><font point-size="14"{font}>{text}</font></td>'


def _label(layer, input_shape, output_shape, show_shapes, show_dtype, show_layer_names,
           show_layer_activations, show_trainable):
    """The HTML-like table Keras 3 draws for one layer."""
    class_name = type(layer).__name__
    colspan = max(1, int(show_dtype) + int(show_trainable) + (2 if show_shapes else 0))
    title = f"<b>{layer.name}</b> ({class_name})" if show_layer_names else f"<b>{class_name}</b>"
    table = ('<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
             f'<tr><td colspan="{colspan}" bgcolor="black"><font point-size="16" '
             f'color="white">{title}</font></td></tr>')
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        table += (f'<tr><td bgcolor="white" colspan="{colspan}"><font point-size="14">'
                  f"Activation: <b>{_activation_name(layer)}</b></font></td></tr>")
    cells = []
    if show_shapes:
        if class_name != "InputLayer":
            cells.append(_cell(f"Input shape: <b>{input_shape or '?'}</b>"))
        cells.append(_cell(f"Output shape: <b>{output_shape or '?'}</b>"))
    if show_dtype:
        cells.append(_cell(f"Output dtype: <b>{getattr(layer, 'dtype', None) or '?'}</b>"))
    if show_trainable and layer.weights:
        cells.append(_cell("<b>Trainable</b>", "forestgreen", "white") if layer.trainable
                     else _cell("<b>Non-trainable</b>", "firebrick", "white"))
    if cells:
        table += f"<tr>{''.join(cells)}</tr>"
    return table + "</table>>"


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, splines="ortho", **kwargs):
    """A `pydot.Dot` of `model`: a node per layer, labelled as Keras labels it, and an edge
    for each connection. `expand_nested` is accepted; nested models are drawn as one node."""
    _check_built(model)
    pydot = _pydot("model_to_dot")
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        for key, value in (("rankdir", rankdir), ("concentrate", True), ("dpi", dpi),
                           ("splines", splines)):
            dot.set(key, value)
        dot.set_node_defaults(shape="record")
    layers, edges, inputs, outputs = _graph(model)
    for layer, input_shape, output_shape in zip(layers, inputs, outputs):
        label = _label(layer, input_shape, output_shape, show_shapes, show_dtype,
                       show_layer_names, show_layer_activations, show_trainable)
        node = pydot.Node(str(id(layer)), label=label)
        for key, value in (("fontname", "Helvetica"), ("border", "0"), ("margin", "0")):
            node.set(key, value)
        dot.add_node(node)
    for source, destination in edges:
        edge = pydot.Edge(str(id(source)), str(id(destination)))
        edge.set("penwidth", "2")
        dot.add_edge(edge)
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, splines="ortho", **kwargs):
    """Draw `model` into `to_file` (the extension gives the format: png by default, pdf, svg,
    dot...) with Graphviz; returns an IPython image in a notebook."""
    _check_built(model)
    pydot = _pydot("plot_model")
    _check_graphviz(pydot)
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable, splines=splines, **kwargs)
    to_file = str(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
    if extension != "pdf":
        try:
            from IPython import display
        except ImportError:
            return None
        return display.Image(filename=to_file)
    return None
