"""ONNX export: every layer and activation minikeras has, checked by onnx.checker and run in
onnxruntime against minikeras' own predictions (to 1e-5), with a dynamic batch axis."""

import subprocess
import sys

import numpy as np
import pytest

import minikeras as mk
from minikeras import activations, layers
from minikeras.export import register_converter

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

# Every activation minikeras defines but `threshold`, whose arguments have no defaults (so no
# layer can name it); Keras 2's hard_sigmoid is what 'hard_sigmoid' means in Keras 2 files.
ACTIVATIONS = sorted(name for name, fn in vars(activations).items()
                     if hasattr(fn, "backward") and not name.startswith("_") and name != "threshold")
ACTIVATIONS.append(activations._keras2_hard_sigmoid)


def _run_both(model, tmp_path, *batches):
    """Export `model`, check the file, and compare onnxruntime with `model.predict`."""
    path = tmp_path / "model.onnx"
    model.export(path, format="onnx", verbose=False)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (feed,) = session.get_inputs()
    assert feed.shape[0] == "batch"
    for x in batches:
        (got,) = session.run(None, {feed.name: x})
        np.testing.assert_allclose(got, model.predict(x, verbose=0), rtol=1e-5, atol=1e-5)
    return session


def _inputs(*shape, scale=3.0, seed=0):
    rng = np.random.default_rng(seed)
    return [scale * rng.normal(size=(batch, *shape)).astype("float32") for batch in (1, 7)]


@pytest.mark.parametrize("activation", ACTIVATIONS, ids=lambda a: getattr(a, "__name__", a) + (
    "_keras2" if a is activations._keras2_hard_sigmoid else ""))
def test_dense_with_every_activation(activation, tmp_path):
    model = mk.Sequential([layers.Input((5,)), layers.Dense(8, activation=activation)])
    # Large weights push values into every activation's tails and kinks.
    model.set_weights([3 * w + 0.1 for w in model.get_weights()])
    _run_both(model, tmp_path, *_inputs(5))


LAYER_MODELS = {
    "dropout_and_activation": lambda: [layers.Input((6,)), layers.Dense(4), layers.Dropout(0.5),
                                       layers.Activation("tanh")],
    "softmax_axis": lambda: [layers.Input((3, 4)), layers.Softmax(axis=1)],
    "softmax_axes": lambda: [layers.Input((3, 4)), layers.Softmax(axis=(1, 2))],
    "flatten": lambda: [layers.Input((2, 3, 4)), layers.Flatten(), layers.Dense(3)],
    "flatten_channels_first": lambda: [layers.Input((2, 3, 4)),
                                       layers.Flatten(data_format="channels_first")],
    "reshape": lambda: [layers.Input((12,)), layers.Reshape((3, -1)), layers.Dense(2)],
    "dense_on_3d": lambda: [layers.Input((3, 5)), layers.Dense(4, activation="relu",
                                                                use_bias=False)],
    "input_layer": lambda: [layers.InputLayer(shape=(4,)), layers.Dense(2)],
    "nested_sequential": lambda: [layers.Input((6,)), mk.Sequential(
        [layers.Dense(5, activation="relu"), mk.Sequential([layers.Dense(3)])]),
        layers.Softmax()],
}


@pytest.mark.parametrize("name", sorted(LAYER_MODELS))
def test_every_layer(name, tmp_path):
    model = mk.Sequential(LAYER_MODELS[name]())
    _run_both(model, tmp_path, *_inputs(*model.input_shape[1:]))


def test_a_model_built_by_calling_it_and_an_input_signature(tmp_path):
    model = mk.Sequential([layers.Dense(3, activation="sigmoid")])
    model(np.zeros((2, 4), "float32"))
    _run_both(model, tmp_path, *_inputs(4))
    unbuilt = mk.Sequential([layers.Dense(3)])
    unbuilt.export(tmp_path / "s.onnx", format="onnx", input_signature=[mk.Input((4,))],
                   verbose=False)
    assert unbuilt.built
    with pytest.raises(ValueError, match="has no known input shape"):
        mk.Sequential([layers.Dense(3)]).export(tmp_path / "u.onnx", format="onnx")


def test_other_formats_and_bad_arguments_fail_clearly(tmp_path, capsys):
    model = mk.Sequential([layers.Input((4,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="cannot export format='tf_saved_model': a TensorFlow "
                                         "SavedModel needs TensorFlow. It exports format='onnx'"):
        model.export(tmp_path / "saved")  # Keras' default format
    for name in ("openvino", "litert", "torch"):
        with pytest.raises(ValueError, match=f"cannot export format='{name}'"):
            model.export(tmp_path / "x", format=name)
    with pytest.raises(ValueError, match=r"Unrecognized format=tflite. Supported formats are: "
                                         r"\['tf_saved_model', 'onnx', 'openvino'"):
        model.export(tmp_path / "x", format="tflite")
    with pytest.raises(ValueError, match="`opset_version` must be an integer from 18"):
        model.export(tmp_path / "x.onnx", format="onnx", opset_version=13)
    model.export(tmp_path / "x.onnx", format="onnx", opset_version=19)
    assert capsys.readouterr().out == f"Saved artifact at '{tmp_path / 'x.onnx'}'.\n"
    assert onnx.load(tmp_path / "x.onnx").opset_import[0].version == 19


class Doubling(layers.Layer):
    def call(self, inputs):
        return inputs * 2.0


class Halving(layers.Dense):
    def call(self, inputs, training=False):
        return super().call(inputs, training) / 2.0


def test_layers_without_a_converter_are_named_and_a_registered_one_exports(tmp_path):
    for layer in (Doubling(), Halving(2)):
        model = mk.Sequential([layers.Input((4,)), layer])
        with pytest.raises(ValueError, match=f"'{layer.name}' \\({type(layer).__name__}\\) cannot "
                                             "be exported to ONNX: no converter is registered"):
            model.export(tmp_path / "x.onnx", format="onnx")
    custom = mk.Sequential([layers.Input((4,)), layers.Dense(3, activation=lambda x: x * 2)])
    with pytest.raises(ValueError, match="activation '<lambda>' cannot be exported to ONNX"):
        custom.export(tmp_path / "x.onnx", format="onnx")

    @register_converter(Doubling)
    def _doubling(layer, graph, x):
        return graph.op("Mul", x, graph.constant(2.0))

    _run_both(mk.Sequential([layers.Input((4,)), Doubling()]), tmp_path, *_inputs(4))


def test_convert_command_writes_onnx_from_a_keras_file(tmp_path):
    from minikeras.__main__ import main

    model = mk.Sequential([layers.Input((4,)), layers.Dense(3, activation="gelu")])
    model.save(tmp_path / "m.keras")
    assert main(["convert", str(tmp_path / "m.keras"), str(tmp_path / "m.onnx")]) == 0
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    x = _inputs(4)[1]
    np.testing.assert_allclose(session.run(None, {session.get_inputs()[0].name: x})[0],
                               model.predict(x, verbose=0), rtol=1e-5, atol=1e-5)


def test_without_onnx_the_error_names_the_extra(tmp_path):
    code = (
        "import sys; sys.modules['onnx'] = None\n"
        "import minikeras as mk\n"
        "model = mk.Sequential([mk.Input((4,)), mk.layers.Dense(2)])\n"
        "try:\n"
        f"    model.export({str(tmp_path / 'x.onnx')!r}, format='onnx')\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ("Exporting to ONNX needs the `onnx` package: "
                                  "`pip install minikeras-numpy[onnx]` (or `pip install onnx`).")
