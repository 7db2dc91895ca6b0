"""`model_to_dot` and `plot_model`: a model's layers as a Graphviz graph, labelled as Keras 3
labels them. pydot (and, to render a file, Graphviz' `dot` program) are needed only when called.

The drawing works on the boxes (`_drawn`) and the edges between them (`_edges`): a Sequential
model is a chain; a functional model's edges come from its nodes, one for each tensor a layer
took from another.
"""

import os

from minikeras import tree


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


def _models():
    from minikeras.models.functional import Functional
    from minikeras.models.sequential import Sequential

    return Functional, Sequential


def _drawn(model):
    """The boxes of `model`'s graph, as Keras 3 draws them: a Sequential's layers (its input
    layer left out), a functional model's operations (inputs and ops included); None for a
    subclassed model, drawn as one box."""
    Functional, Sequential = _models()
    if isinstance(model, Sequential):
        return model.layers
    if isinstance(model, Functional):
        return model.operations
    return None


def _edges(model, expand_nested):
    """`(source, destination)` pairs, once each, in Keras 3's order: for every layer, every
    call of it in this graph, every tensor it took (a mask passed along included), the layer
    that made the tensor. With `expand_nested`, an edge into or out of a nested model goes to
    the layer inside that takes or makes the tensor."""
    Functional, Sequential = _models()
    if isinstance(model, Sequential) and not expand_nested:
        return list(zip(model.layers, model.layers[1:]))
    # A nested Sequential's first layer takes its input from outside the cluster.
    layers = model.layers[1:] if isinstance(model, Sequential) else model.operations
    edges, seen = [], set()
    for layer in layers:
        for index, node in enumerate(layer._inbound_nodes):
            if isinstance(model, Functional) and (id(layer), index) not in model._nodes:
                continue  # a call of a shared layer in another graph
            for position, tensor in enumerate(node.input_tensors):
                source, _, tensor_index = tensor._keras_history
                if source is None:
                    continue
                destination = layer
                if expand_nested:
                    source = _maker_inside(source, tensor_index)
                    destination = _taker_inside(destination, position)
                if (id(source), id(destination)) not in seen:
                    seen.add((id(source), id(destination)))
                    edges.append((source, destination))
    return edges


def _maker_inside(source, tensor_index):
    """The layer inside nested models that makes their output `tensor_index`."""
    while isinstance(source, _models()):
        source, _, tensor_index = source.outputs[tensor_index]._keras_history
    return source


def _taker_inside(destination, position):
    """The layer inside nested models that takes their input `position`: a functional
    model's InputLayer, a Sequential's first layer."""
    Functional, Sequential = _models()
    while isinstance(destination, (Functional, Sequential)):
        if isinstance(destination, Functional):
            destination = destination.inputs[position]._keras_history.operation
        else:
            destination = destination.layers[0]
    return destination


def _shapes(layer):
    """The input and output shapes of the layer's first call, and its output dtype (each None
    where the layer was never called on symbolic tensors)."""
    try:
        return (tree.map_structure(lambda x: x.shape, layer.input),
                tree.map_structure(lambda x: x.shape, layer.output),
                tree.map_structure(lambda x: x.dtype, layer.output))
    except (ValueError, AttributeError):
        return None, None, None


def _shape_text(shape):
    if shape is None:
        return "?"
    if isinstance(shape, dict):
        return ", ".join(f"{key}: {value}" for key, value in shape.items())
    return f"{shape}".replace("{", "").replace("}", "")


def _activation_name(layer):
    activation = layer.activation
    return getattr(activation, "name", None) or getattr(activation, "__name__", str(activation))


def _cell(text, color="white", font_color=None):
    font = f' color="{font_color}"' if font_color else ""
    return f'<td bgcolor="{color}"><font point-size="14"{font}>{text}</font></td>'


def _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations,
           show_trainable):
    """The HTML-like table Keras 3 draws for one layer."""
    class_name = type(layer).__name__
    input_shape, output_shape, dtype = _shapes(layer)
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
            cells.append(_cell(f"Input shape: <b>{_shape_text(input_shape)}</b>"))
        cells.append(_cell(f"Output shape: <b>{_shape_text(output_shape)}</b>"))
    if show_dtype:
        cells.append(_cell(f"Output dtype: <b>{dtype or '?'}</b>"))
    if show_trainable and layer.weights:
        cells.append(_cell("<b>Trainable</b>", "forestgreen", "white") if layer.trainable
                     else _cell("<b>Non-trainable</b>", "firebrick", "white"))
    if cells:
        table += f"<tr>{''.join(cells)}</tr>"
    return table + "</table>>"


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, splines="ortho", **kwargs):
    """A `pydot.Dot` of `model`'s graph as Keras 3 draws it: a box per layer (a functional
    model's inputs and ops included), labelled as Keras labels it, and an edge from the layer
    that made each tensor to each layer that took it (shared layers, several inputs and
    outputs, masks). With `expand_nested`, a nested model is a dashed cluster of its own
    boxes, with the edges running into it; without, one box. A subclassed model is one box."""
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
    options = dict(show_shapes=show_shapes, show_dtype=show_dtype,
                   show_layer_names=show_layer_names,
                   show_layer_activations=show_layer_activations, show_trainable=show_trainable)
    drawn = _drawn(model)
    for layer in [model] if drawn is None else drawn:
        if expand_nested and _drawn(layer) is not None and layer is not model:
            dot.add_subgraph(model_to_dot(layer, rankdir=rankdir, expand_nested=True,
                                          subgraph=True, **options))
            continue
        node = pydot.Node(str(id(layer)), label=_label(layer, **options))
        for key, value in (("fontname", "Helvetica"), ("border", "0"), ("margin", "0")):
            node.set(key, value)
        dot.add_node(node)
    for source, destination in [] if drawn is None else _edges(model, expand_nested):
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
