"""Attention layers against Keras 3 (compat/make_recurrent.py, cases in
tests/recurrent_cases.py: outputs, scores and TensorFlow's gradients, configs) and against
finite differences."""

import json

import numpy as np
import pytest

from minikeras import GradientTape, layers, ops, tree
from minikeras.saving import registry
import recurrent_cases as cases
from conftest import COMPAT_DATA, finite_difference
from test_recurrent import INFO, _without_names, numbered


def keras_case(name):
    spec, call = cases.ATTENTION[name]
    layer = cases.build(layers, spec)
    inputs = cases.attention_case_inputs(name)
    cases.attention_call(layer, call, *inputs)
    layer.set_weights(numbered(f"{name}/w"))
    return layer, call, inputs


@pytest.mark.parametrize("name", list(cases.ATTENTION))
def test_outputs_scores_and_gradients_match_keras(name):
    layer, call, (query, value, key) = keras_case(name)
    with GradientTape() as tape:
        tape.watch([query, value, key])
        outputs = tree.flatten(cases.attention_call(layer, call, query, value, key))
        total = sum(ops.sum(o * u) for o, u in zip(outputs, numbered(f"{name}/up")))
    for output, reference in zip(outputs, numbered(f"{name}/out"), strict=True):
        np.testing.assert_allclose(output.value, reference, atol=1e-5)
    grads = tape.gradient(total, [query, value, key, *layer.trainable_weights],
                          unconnected_gradients="zero")
    for grad, reference in zip(grads, numbered(f"{name}/grad"), strict=True):
        np.testing.assert_allclose(grad, reference, atol=1e-5)


@pytest.mark.parametrize("name", list(cases.ATTENTION))
def test_config_is_keras_and_keras_config_loads(name):
    layer, _, _ = keras_case(name)
    ours = _without_names(json.loads(json.dumps(registry.serialize(layer))))
    theirs = _without_names(INFO["attention"][name]["config"])
    assert ours == theirs
    clone = registry.deserialize("layer", INFO["attention"][name]["config"])
    assert type(clone) is type(layer)


@pytest.mark.parametrize("name", list(cases.ATTENTION))
def test_gradients_match_finite_differences(name):
    spec, call = cases.ATTENTION[name]
    spec = (*spec[:3], {**spec[3], "dtype": "float64"})
    layer = cases.build(layers, spec)
    inputs = list(cases.attention_case_inputs(name, "float64"))
    rng = np.random.default_rng(3)
    upstreams = [rng.normal(size=np.shape(o))
                 for o in tree.flatten(cases.attention_call(layer, call, *inputs))]

    def objective(*values):
        outputs = tree.flatten(cases.attention_call(layer, call, *values))
        return float(sum(np.sum(u * np.asarray(o)) for u, o in zip(upstreams, outputs)))

    with GradientTape() as tape:
        tape.watch(inputs)
        outputs = tree.flatten(cases.attention_call(layer, call, *inputs))
        total = sum(ops.sum(o * u) for o, u in zip(outputs, upstreams))
    grads = tape.gradient(total, [*inputs, *layer.trainable_weights],
                          unconnected_gradients="zero")
    for i, x in enumerate(inputs):
        expected = finite_difference(
            lambda v, i=i: objective(*inputs[:i], v, *inputs[i + 1:]), x)
        np.testing.assert_allclose(grads[i], expected, rtol=1e-6, atol=1e-7)
    for variable, grad in zip(layer.trainable_weights, grads[3:], strict=True):
        def objective_w(value, variable=variable):
            saved = variable.value.copy()
            variable.value[...] = value
            result = objective(*inputs)
            variable.value[...] = saved
            return result

        np.testing.assert_allclose(grad, finite_difference(objective_w, variable.value.copy()),
                                   rtol=1e-6, atol=1e-7, err_msg=variable.path)


def test_masks_and_dropout():
    query, value, _ = cases.attention_inputs()
    output, scores = layers.Attention()([query, value], mask=[cases.QUERY_MASK, cases.VALUE_MASK],
                                        return_attention_scores=True)
    np.testing.assert_array_equal(np.asarray(output)[~cases.QUERY_MASK], 0.0)
    np.testing.assert_array_equal(np.asarray(scores)[0][:, ~cases.VALUE_MASK[0]], 0.0)
    dropped = layers.Attention(dropout=0.5, seed=1)
    np.testing.assert_array_equal(dropped([query, value]), layers.Attention()([query, value]))
    assert not np.allclose(dropped([query, value], training=True), dropped([query, value]))
    mha = layers.MultiHeadAttention(2, 3, dropout=0.5, seed=2)
    first = np.asarray(mha(query, value, training=True))
    again = layers.MultiHeadAttention(2, 3, dropout=0.5, seed=2)
    again(query, value)
    again.set_weights(mha.get_weights())
    np.testing.assert_array_equal(np.asarray(again(query, value, training=True)), first)


def test_attention_refusals():
    with pytest.raises(ValueError, match="Invalid value for argument score_mode"):
        layers.Attention(score_mode="add")
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        layers.Attention()(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="Received an invalid value for argument `num_heads`"):
        layers.MultiHeadAttention(0, 2)
    with pytest.raises(ValueError, match="All dimensions of `value` and `key`"):
        layers.MultiHeadAttention(2, 2)(np.ones((1, 3, 2)), np.ones((1, 4, 2)),
                                        key=np.ones((1, 5, 2)))


def test_legacy_h5_writes_attention_layers_as_tf_keras_does():
    """tf_keras' own `.h5` of a model with MultiHeadAttention, Attention and AdditiveAttention,
    loaded and written again as `.h5`, has tf_keras' config and nodes for every layer: the
    shapes tf_keras rebuilds a MultiHeadAttention from, its masking choice, no Keras 3-only
    arguments (`seed`, `use_gate`, `sliding_window`), the value as a keyword of the node."""
    import h5py

    from minikeras.models import load_model
    from minikeras.saving import legacy_h5

    path = COMPAT_DATA / "files" / "k2_attention.h5"
    with h5py.File(path) as f:
        theirs = json.loads(f.attrs["model_config"])["config"]["layers"]
    ours = json.loads(json.dumps(legacy_h5.model_config(load_model(path))))["config"]["layers"]
    attention = {"MultiHeadAttention", "Attention", "AdditiveAttention"}
    assert attention <= {entry["class_name"] for entry in theirs}
    assert [e["name"] for e in ours] == [e["name"] for e in theirs]
    for mine, keras2 in zip(ours, theirs):
        assert mine["inbound_nodes"] == keras2["inbound_nodes"]
        if keras2["class_name"] in attention:
            assert mine == keras2


@pytest.mark.parametrize("build", [lambda: layers.MultiHeadAttention(2, 3),
                                   lambda: layers.GroupQueryAttention(2, 2, 1)],
                         ids=["MultiHeadAttention", "GroupQueryAttention"])
def test_heads_return_scores_as_a_pair_in_float32_eager_and_symbolic(build):
    # Keras 3 on symbolic inputs: ((None, 4, 6), (None, 2, 4, 5)), both float32.
    query, value = layers.Input((4, 6)), layers.Input((5, 6))
    output, scores = build()(query, value, return_attention_scores=True)
    assert (output.shape, scores.shape) == ((None, 4, 6), (None, 2, 4, 5))
    assert output.dtype == scores.dtype == "float32"
    x = np.ones((3, 4, 6), "float32")
    assert all(np.asarray(y).dtype == np.float32 for y in build()(
        x, x[:, :2], return_attention_scores=True))
