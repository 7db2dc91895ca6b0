"""The functional API: graphs, their structure and errors, multi-input/multi-output training
against Keras 3 (compat/data/functional_training.*, from compat/make_functional_training.py)."""

import json
import pathlib

import numpy as np
import pytest

import functional_cases as fc
import minikeras as keras
from minikeras import layers, ops

DATA = pathlib.Path(__file__).resolve().parent.parent / "compat" / "data"


# ----------------------------------------------------------------------------------------------
# Structure


def test_model_with_inputs_and_outputs_is_functional():
    model = fc.build(keras, "two_in_two_out")
    assert type(model).__name__ == "Functional" and isinstance(model, keras.Model)
    assert [t.name for t in model.inputs] == ["a", "b"] == model.input_names
    assert model.output_names == ["reg", "cls"]
    assert model.input_shape == [(None, 4), (None, 3)]
    assert model.output_shape == [(None, 1), (None, 3)]
    assert [layer.name for layer in model.layers] == ["a", "b", "da", "db", "joined", "reg", "cls"]
    assert model.get_layer("joined").input_shape == [(None, 5), (None, 5)]
    assert model.get_layer("cls").output_shape == (None, 3)
    assert model.get_layer(index=2).name == "da"
    assert len(model.weights) == 8 and model.count_params() == 4 * 5 + 5 + 3 * 5 + 5 + 11 + 33


def test_layers_order_is_keras_operations_order():
    """Depth first, ties by the order a walk from the outputs meets them (Keras' map_graph):
    what Keras 3 lists for these models, a shared layer once."""
    model = fc.build(keras, "shared")
    assert [layer.name for layer in model.layers if not layer.name.startswith("concatenate")] \
        == ["left", "encoder", "right", "back", "score"]
    assert [type(layer).__name__ for layer in model.layers] == [
        "InputLayer", "Dense", "InputLayer", "Dense", "Concatenate", "Dense"]
    model = fc.build(keras, "dict_io")
    assert [type(layer).__name__ for layer in model.layers] == [
        "InputLayer", "InputLayer", "Concatenate", "Dense", "Dense", "Dense"]
    assert [model.layers[i].name for i in (0, 1, 3, 4, 5)] == ["extra", "num", "trunk", "label",
                                                                "score"]


def test_shared_layer_nodes_and_weights():
    model = fc.build(keras, "shared")
    encoder = model.get_layer("encoder")
    assert len(encoder._inbound_nodes) == 3
    assert encoder.get_input_at(0) is model.inputs[0] and encoder.get_input_at(1) is model.inputs[1]
    assert encoder.get_output_at(2).shape == (None, 4)
    assert len(model.weights) == 2 + 2 + 2  # encoder, back, score
    x = fc.inputs_for(model)
    expected = _shared_by_hand(model, x)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def _shared_by_hand(model, x):
    def dense(name, value, relu=False):
        kernel, bias = model.get_layer(name).get_weights()
        out = value @ kernel + bias
        return np.maximum(out, 0) if relu else out

    ea, eb = dense("encoder", x[0], True), dense("encoder", x[1], True)
    again = dense("encoder", dense("back", ea), True)
    return dense("score", np.concatenate([ea, eb, again], axis=-1))


def test_graph_errors_have_keras_texts():
    a, b = layers.Input((3,), name="ga"), layers.Input((3,), name="gb")
    out = layers.Add()([a, b])
    with pytest.raises(ValueError, match=r"^Output with path `` is not connected to `inputs`$"):
        keras.Model(a, out)
    with pytest.raises(ValueError, match=r"^Output with path `1` is not connected to `inputs`$"):
        keras.Model(a, [a, out])
    x = layers.Input((3,), name="dup")
    y = layers.Dense(2, name="same")(x)
    z = layers.Dense(2, name="same")(y)
    with pytest.raises(ValueError, match='The name "same" is used 2 times in the model. All '
                                         "operation names should be unique."):
        keras.Model(x, z)
    with pytest.raises(ValueError, match="All `inputs` values must be KerasTensors"):
        keras.Model(np.ones((2, 3)), z)


def test_layer_never_called_has_no_output():
    layer = layers.Dense(2, name="lonely")
    with pytest.raises(AttributeError, match="The layer lonely has never been called and thus "
                                             "has no defined output."):
        layer.output
    layer(layers.Input((3,)))
    with pytest.raises(ValueError, match="Asked to get output at node 1, but the operation has "
                                         "only 1 inbound nodes."):
        layer.get_output_at(1)


def test_feature_extraction_and_intermediate_inputs():
    base = fc.build(keras, "mlp")
    extractor = keras.Model(base.inputs, [layer.output for layer in base.layers[1:]])
    x = fc.inputs_for(base)
    hidden, probs = extractor.predict(x, verbose=0)
    np.testing.assert_allclose(probs, base.predict(x, verbose=0), rtol=1e-6)
    head = keras.Model(base.get_layer("hidden").output, base.output)  # cut at a middle tensor
    assert [layer.name for layer in head.layers][1:] == ["probs"]
    np.testing.assert_allclose(head.predict(hidden, verbose=0), probs, rtol=1e-6)


def test_sequential_with_an_input_records_its_graph():
    model = keras.Sequential([layers.Input((4,)), layers.Dense(3, name="s1"),
                              layers.Dense(2, name="s2")])
    assert model.get_layer("s2").output.shape == (None, 2)
    assert model.inputs[0].shape == (None, 4) and model.outputs[0].shape == (None, 2)
    features = keras.Model(model.inputs, model.get_layer("s1").output)
    x = np.ones((2, 4), np.float32)
    np.testing.assert_allclose(features.predict(x, verbose=0), model.layers[0](x), rtol=1e-6)


def test_inputs_and_outputs_as_dicts():
    model = fc.build(keras, "dict_io")
    x = fc.inputs_for(model)
    out = model.predict(x, verbose=0)
    assert sorted(out) == ["label", "score"] and out["label"].shape == (5, 2)
    again = model({"extra": x["extra"], "num": x["num"]})
    np.testing.assert_allclose(again["score"], out["score"], rtol=1e-6)
    as_list = model.predict([x["extra"], x["num"]], verbose=0)  # flat, sorted-key order
    np.testing.assert_allclose(as_list["score"], out["score"], rtol=1e-6)


def test_ops_on_symbolic_tensors_are_nodes():
    model = fc.build(keras, "op_nodes")
    kinds = [type(op).__name__ for op in model.operations]
    assert kinds == ["InputLayer", "Dense", "Add", "Multiply", "Subtract", "GetItem", "Tanh",
                     "Mean", "Concatenate", "Dense"]
    x = fc.inputs_for(model)
    kernel, bias = model.get_layer("h").get_weights()
    h = x @ kernel + bias
    inner = np.concatenate([np.tanh(((h + 1) * 2 - x)[:, :3]), h.mean(axis=1, keepdims=True)], -1)
    k2, b2 = model.get_layer("out").get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), inner @ k2 + b2, rtol=1e-5, atol=1e-6)


def test_unsupported_op_on_symbolic_tensors_names_it():
    with pytest.raises(NotImplementedError, match=r"`minikeras.ops.sort` cannot be applied"):
        ops.sort(layers.Input((3,)))


def test_gradients_flow_through_the_graph():
    """The tape sees a functional call like any other: d(sum(model(x)))/dx by finite differences."""
    from conftest import finite_difference

    model = fc.build(keras, "merges")
    x = [np.asarray(v, np.float64) for v in fc.inputs_for(model, n=2)]
    with keras.GradientTape() as tape:
        tape.watch(x)
        total = ops.sum(model(x))
    grads = tape.gradient(total, x)
    for i in range(2):
        def objective(value, i=i):
            values = [v.astype(np.float32) for v in x]
            values[i] = value.astype(np.float32)
            return float(np.sum(model(values), dtype=np.float64))

        np.testing.assert_allclose(grads[i], finite_difference(objective, x[i], eps=1e-3),
                                   rtol=2e-2, atol=2e-3)


# ----------------------------------------------------------------------------------------------
# Multi-output training against Keras 3


REFERENCE = json.loads((DATA / "functional_training.json").read_text())["cases"]


@pytest.mark.parametrize("name", list(fc.TRAINING))
def test_multi_output_training_matches_keras(name):
    reference = REFERENCE[name]
    case = fc.TRAINING[name]
    keras.utils.set_random_seed(0)
    model, x, targets = fc.training_setup(keras, name)
    model.compile(**case["compile"](keras))
    if "error" in reference:
        with pytest.raises(ValueError) as info:
            model.fit(x, targets, verbose=0, **case["fit"])
        assert str(info.value) == reference["error"]
        return
    history = model.fit(x, targets, verbose=0, **case["fit"])
    assert list(history.history) == sorted(reference["history"])
    for key, values in reference["history"].items():
        np.testing.assert_allclose(history.history[key], values, rtol=1e-5, atol=1e-6, err_msg=key)
    final = np.load(DATA / "functional_training.npz")
    for index, weight in enumerate(model.get_weights()):
        np.testing.assert_allclose(weight, final[f"{name}/final/{index}"], rtol=1e-5, atol=1e-6)
    assert model.metrics_names == reference["metrics_names"]
    results = model.evaluate(x, targets, verbose=0, return_dict=True)
    assert list(results) == sorted(reference["evaluate"])
    np.testing.assert_allclose(list(results.values()), [reference["evaluate"][k] for k in results],
                               rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(x, targets, verbose=0), reference["evaluate_list"],
                               rtol=1e-5)


def test_predict_returns_the_output_structure_and_sample_weights_per_output():
    model = fc.build(keras, "two_in_two_out")
    x, y = fc.training_data()
    reg, cls = model.predict(x, batch_size=16, verbose=0)
    assert reg.shape == (40, 1) and cls.shape == (40, 3)
    model.compile("sgd", loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"})
    zero_reg = {"reg": np.zeros(40, np.float32), "cls": np.ones(40, np.float32)}
    logs = model.evaluate(x, y, sample_weight=zero_reg, batch_size=40, verbose=0,
                          return_dict=True)
    assert logs["reg_loss"] == 0.0 and logs["loss"] == pytest.approx(logs["cls_loss"])


# ----------------------------------------------------------------------------------------------
# summary(): Keras 3's text (compat/make_functional_summaries.py), "Connected to" included

SUMMARIES = json.loads((DATA / "functional_summaries.json").read_text())
_SUMMARY_VARIANTS = {
    "default": {},
    "expand_nested": {"expand_nested": True},
    "show_trainable": {"show_trainable": True, "expand_nested": True},
    "line_length_60": {"line_length": 60},
}


@pytest.mark.parametrize("variant", list(_SUMMARY_VARIANTS))
@pytest.mark.parametrize("name", list(fc.MODELS))
def test_summary_is_keras_text(name, variant, monkeypatch):
    for env in ("COLUMNS", "LINES", "TERM", "COLORTERM", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(env, raising=False)

    def no_terminal(*args):
        raise OSError("not a terminal")

    monkeypatch.setattr("os.get_terminal_size", no_terminal)
    keras.backend.clear_session()
    model = fc.build(keras, name)
    if variant == "show_trainable":
        model.layers[-1].trainable = False
    lines = []
    model.summary(print_fn=lines.append, **_SUMMARY_VARIANTS[variant])
    assert "\n".join(lines) == SUMMARIES[name][variant]


def test_ops_in_a_graph_keep_unsigned_and_boolean_inputs_as_keras_3_does():
    # Keras 3 casts no non-float input of a layer; uint8 arithmetic wraps around (numbers from
    # Keras 3.15 on JAX, the same graph and inputs).
    i = keras.Input((3,), dtype="uint8")
    j = keras.Input((3,), dtype="int32")
    b = keras.Input((3,), dtype="bool")
    model = keras.Model([i, j, b], [i * 2, -i, i + j, keras.ops.logical_not(b),
                                    keras.ops.cast(b, "int32") + j])
    u = np.array([[1, 2, 250]], np.uint8)
    ints = np.array([[1, -2, 3]], np.int32)
    flags = np.array([[True, False, True]])
    expected = [("uint8", [[2, 4, 244]]), ("uint8", [[255, 254, 6]]), ("int32", [[2, 0, 253]]),
                ("bool", [[False, True, False]]), ("int32", [[2, -2, 4]])]
    for outputs in (model([u, ints, flags]), model.predict([u, ints, flags], verbose=0)):
        assert [(np.asarray(o).dtype.name, np.asarray(o).tolist()) for o in outputs] == expected


def test_get_source_inputs_in_keras_order():
    """Keras 3.15 gives these orders for this graph (checked under the oracle): each input
    once, depth first over each call's inputs; a shared layer's calls are separate nodes."""
    a, b, c = (keras.Input((3,), name=name) for name in "abc")
    shared = keras.layers.Dense(2)
    x = keras.layers.Add()([shared(b), keras.layers.Dense(2)(a)])
    y = keras.layers.Concatenate()([x, shared(c), keras.layers.Dense(2)(b)])
    deep = c
    for _ in range(1500):  # deeper than Python's recursion limit
        deep = keras.layers.Identity()(deep)
    names = lambda t: [s.name for s in keras.utils.get_source_inputs(t)]  # noqa: E731
    assert (names(a), names(x), names(y), names(deep)) == (["a"], ["b", "a"], ["b", "a", "c"], ["c"])
    array = np.zeros(2)
    assert keras.utils.get_source_inputs(array) is array
