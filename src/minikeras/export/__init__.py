"""Exporting models for inference elsewhere: ONNX (Keras 3's `model.export(path, "onnx")`).

`register_converter(LayerClass)` teaches the exporter a new layer (see `graph.py`).
"""

from minikeras.export.graph import register_converter
from minikeras.export.onnx import export_onnx

# The formats Keras 3's `Model.export` names, and why minikeras writes only ONNX.
FORMATS = {
    "tf_saved_model": "a TensorFlow SavedModel needs TensorFlow",
    "onnx": None,
    "openvino": "OpenVINO export needs OpenVINO (it can read the ONNX file instead)",
    "litert": "LiteRT export needs TensorFlow or PyTorch",
    "torch": "Torch export needs PyTorch",
}


def export_model(model, filepath, format="tf_saved_model", verbose=None, input_signature=None,
                 **kwargs):
    """`Model.export`: write `model` as `format`; minikeras writes `"onnx"`."""
    if format not in FORMATS:
        raise ValueError(
            f"Unrecognized format={format}. Supported formats are: {list(FORMATS)}."
        )
    if FORMATS[format]:
        raise ValueError(
            f"minikeras cannot export format={format!r}: {FORMATS[format]}. It exports "
            "format='onnx' (`model.export(path, format='onnx')`)."
        )
    export_onnx(model, filepath, verbose=verbose, input_signature=input_signature, **kwargs)


__all__ = ["export_model", "export_onnx", "register_converter"]
