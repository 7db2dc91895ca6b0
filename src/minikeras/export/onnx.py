"""`export_onnx`: a model as an ONNX file, with no TensorFlow, tf2onnx or PyTorch involved.

The file holds the model's inference pass (`model(x, training=False)`) as ONNX operators of
opset 18, its weights as initializers, and a dynamic batch axis.
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
        input_signature: the input's shape and dtype, as one spec (or a list of one): an
            `Input(...)`, an array, or anything with `shape` and `dtype`. By default the
            model's own input shape; the batch axis is always dynamic.
        opset_version: the ONNX opset to declare, 18 (the default) or later.
    """
    onnx = import_onnx()
    from minikeras.export import layers  # noqa: F401  (registers the converters)
    from minikeras.export.graph import Graph, convert_layer

    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments for ONNX export: {sorted(kwargs)}")
    opset = _opset(onnx, opset_version)
    shape, dtype = _input_spec(model, input_signature)
    graph = Graph(onnx, dtype)
    name = _input_name(model)
    graph.shapes[name] = shape
    output = convert_layer(model, graph, name)
    element_type = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    graph.nodes.append(onnx.helper.make_node("Identity", [output], ["output_0"]))
    proto = onnx.helper.make_model(
        onnx.helper.make_graph(
            graph.nodes, model.name,
            [onnx.helper.make_tensor_value_info(name, element_type, _dims(shape, name))],
            [onnx.helper.make_tensor_value_info("output_0", element_type, None)],
            initializer=graph.initializers,
        ),
        opset_imports=[onnx.helper.make_opsetid("", opset)],
        producer_name="minikeras",
        producer_version=__version__,
    )
    # ONNX's shape inference gives the output's shape (and the batch axis' name) from the
    # operators themselves, and fails on any operator misused.
    proto = onnx.shape_inference.infer_shapes(proto, check_type=True, strict_mode=True)
    onnx.checker.check_model(proto)
    onnx.save(proto, str(filepath))
    if verbose is None or verbose:
        print(f"Saved artifact at '{filepath}'.")


def _opset(onnx, opset_version):
    newest = onnx.defs.onnx_opset_version()
    opset = OPSET if opset_version is None else opset_version
    if not isinstance(opset, int) or not OPSET <= opset <= newest:
        raise ValueError(
            f"`opset_version` must be an integer from {OPSET} to {newest} (the newest this "
            f"`onnx` knows). Received: opset_version={opset_version}"
        )
    return opset


def _input_spec(model, input_signature):
    """`(shape with a None batch axis, dtype)` of the model's input."""
    if isinstance(input_signature, (list, tuple)) and len(input_signature) == 1:
        input_signature = input_signature[0]
    if input_signature is not None:
        shape, dtype = getattr(input_signature, "shape", None), getattr(input_signature, "dtype", None)
        if shape is None:
            raise ValueError(
                "`input_signature` must be one spec with a `shape` (an `Input(...)`, an array, "
                f"an InputSpec). Received: input_signature={input_signature!r}"
            )
    else:
        try:
            shape = model.input_shape
        except AttributeError:
            raise ValueError(
                f"Model '{model.name}' has no known input shape: build it (call it on data, or "
                "start it with an `Input`) or pass `input_signature`."
            ) from None
        dtype = model.dtype
    if not model.built:
        model.build(tuple(shape))
    return (None, *tuple(shape)[1:]), np.dtype(getattr(dtype, "name", dtype) or model.dtype)


def _input_name(model):
    """The model's Input layer's name, where it has one: users meet their own name."""
    input_layer = getattr(model, "_input_layer", None)
    return input_layer.name if input_layer is not None else "input_0"


def _dims(shape, name):
    """ONNX dims: the batch axis is named `batch`, other unknown axes after the input."""
    return ["batch" if i == 0 else (f"{name}_dim_{i}" if d is None else d)
            for i, d in enumerate(shape)]
