"""`export_onnx`: a model as an ONNX file, with no TensorFlow, tf2onnx or PyTorch involved.

The file holds the model's inference pass (`model(x, training=False)`) as ONNX operators of
opset 18 (20 where a TextVectorization needs `StringSplit`; and ONNX-ML's LabelEncoder for the
lookups), its weights as initializers, and a
dynamic batch axis: one graph input per model input (named after its `Input`), one output
`output_0`, `output_1`, ... per model output.
"""

import numpy as np

from minikeras import __version__

# The opset the converters are written for: the first with `Split(num_outputs)` and the Reduce
# operators' `axes` as an input.
OPSET = 18


def import_onnx():
    """The `onnx` package, or an ImportError saying how to install it."""
    try:
        import onnx
    except ImportError:
        raise ImportError(
            "Exporting to ONNX needs the `onnx` package: `pip install minikeras-numpy[onnx]` "
            "(or `pip install onnx`)."
        ) from None
    return onnx


def export_onnx(model, filepath, verbose=None, input_signature=None, opset_version=None,
                **kwargs):
    """Write `model`'s inference pass to `filepath` as ONNX (Keras 3's `export_onnx`).

    Args:
        model: a built model.
        filepath: where to write the `.onnx` file.
        verbose: print a line naming the file written (the default, as in Keras).
        input_signature: each input's shape and dtype, as a spec (or a list of one per
            input): an `Input(...)`, an array, or anything with `shape` and `dtype`. By
            default the model's own inputs'; the batch axis is always dynamic.
        opset_version: the ONNX opset to declare, 18 or later; by default 18, or the
            first with every operator written (20 for TextVectorization's `StringSplit`).
    """
    onnx = import_onnx()
    from minikeras.export import layers  # noqa: F401  (registers the converters)
    from minikeras.export.graph import Graph
    from minikeras.export.layers.models import convert_model

    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments for ONNX export: {sorted(kwargs)}")
    opset = _opset(onnx, opset_version)
    specs = _input_specs(model, input_signature)
    from minikeras.export.layers.preprocessing import ML_DOMAIN, ML_OPSET

    graph = Graph(onnx, model.dtype, [("", opset), (ML_DOMAIN, ML_OPSET)],
                  opset_given=opset_version is not None)
    for name, shape, dtype in specs:
        graph.name(name)
        graph.shapes[name] = shape
        graph.dtypes[name] = np.dtype(object if dtype == "string" else dtype)
    outputs = convert_model(model, graph, [name for name, _, _ in specs])
    output_infos = []
    for index, output in enumerate(outputs):
        name = graph.name(f"output_{index}")
        graph.nodes.append(onnx.helper.make_node("Identity", [output], [name]))
        output_infos.append(onnx.helper.make_tensor_value_info(name, 0, None))
    proto = onnx.helper.make_model(
        onnx.helper.make_graph(
            graph.nodes, model.name,
            [onnx.helper.make_tensor_value_info(name, _tensor_type(onnx, dtype),
                                                _dims(shape, name))
             for name, shape, dtype in specs],
            output_infos,
            initializer=graph.initializers,
        ),
        opset_imports=[onnx.helper.make_opsetid(domain, version)
                       for domain, version in _opsets(graph, graph.opsets[0][1])],
        producer_name="minikeras",
        producer_version=__version__,
    )
    # ONNX's shape inference gives the outputs' types and shapes (and the batch axis' name)
    # from the operators themselves, and fails on any operator misused.
    proto = onnx.shape_inference.infer_shapes(proto, check_type=True, strict_mode=True)
    onnx.checker.check_model(proto)
    onnx.save(proto, str(filepath))
    if verbose is None or verbose:
        print(f"Saved artifact at '{filepath}'.")


def _opsets(graph, opset):
    """`(domain, version)` of each operator set the graph uses: ONNX's, and ONNX-ML's where a
    lookup's LabelEncoder is written."""
    from minikeras.export.layers.preprocessing import ML_DOMAIN, ML_OPSET

    uses_ml = any(node.domain == ML_DOMAIN for node in graph.nodes)
    return [("", opset)] + ([(ML_DOMAIN, ML_OPSET)] if uses_ml else [])


def _tensor_type(onnx, dtype):
    """ONNX's element type of an input's dtype (Keras' "string" is ONNX's STRING)."""
    if dtype == "string":
        return onnx.TensorProto.STRING
    return onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def _opset(onnx, opset_version):
    newest = onnx.defs.onnx_opset_version()
    opset = OPSET if opset_version is None else opset_version
    if not isinstance(opset, int) or not OPSET <= opset <= newest:
        raise ValueError(
            f"`opset_version` must be an integer from {OPSET} to {newest} (the newest this "
            f"`onnx` knows). Received: opset_version={opset_version}"
        )
    return opset


def _input_specs(model, input_signature):
    """`[(name, shape with a None batch axis, dtype)]`, one per input of the model."""
    inputs = _model_inputs(model)
    if input_signature is not None:
        signature = list(input_signature) if isinstance(input_signature, (list, tuple)) \
            else [input_signature]
        if len(signature) != len(inputs) or not all(
                getattr(spec, "shape", None) is not None for spec in signature):
            raise ValueError(
                f"`input_signature` must be one spec with a `shape` (an `Input(...)`, an array, "
                f"an InputSpec) for each of the model's {len(inputs)} input(s). Received: "
                f"input_signature={input_signature!r}"
            )
        inputs = [(name, tuple(spec.shape), getattr(spec, "dtype", None) or dtype)
                  for (name, _, dtype), spec in zip(inputs, signature)]
    if any(shape is None for _, shape, _ in inputs):
        raise ValueError(
            f"Model '{model.name}' has no known input shape: build it (call it on data, or "
            "start it with an `Input`) or pass `input_signature`."
        )
    if not model.built:
        model.build(tuple(inputs[0][1]))
    return [(name, (None, *tuple(shape)[1:]), getattr(dtype, "name", dtype))
            for name, shape, dtype in inputs]


def _model_inputs(model):
    """`[(name, shape, dtype)]` of the model's inputs, named after its Input layers."""
    if hasattr(model, "_inputs"):  # Functional
        return [(x._keras_history.operation.name, x.shape, x.dtype) for x in model.inputs]
    input_layer = getattr(model, "_input_layer", None)
    try:
        shape = model.input_shape
    except AttributeError:
        shape = None
    if shape is None:
        return [("input_0", None, model.dtype)]
    if input_layer is not None:
        return [(input_layer.name, shape, input_layer.dtype)]
    return [("input_0", shape, model.dtype)]


def _dims(shape, name):
    """ONNX dims: the batch axis is named `batch`, other unknown axes after the input."""
    return ["batch" if i == 0 else (f"{name}_dim_{i}" if d is None else d)
            for i, d in enumerate(shape)]
