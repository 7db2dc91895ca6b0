"""`ReversibleEmbedding` against Keras 3 (compat/data/reversible_embedding.json, written by
compat/make_reversible_embedding.py), and a tied language model trained through it."""

import json

import numpy as np
import pytest
from conftest import COMPAT_DATA, finite_difference

import minikeras as mk
from minikeras import GradientTape, layers, ops

REFERENCE = json.loads((COMPAT_DATA / "reversible_embedding.json").read_text())
IDS = np.array(REFERENCE["ids"])
VECTORS = np.array(REFERENCE["vectors"], dtype="float32")


@pytest.mark.parametrize("name", sorted(REFERENCE["cases"]))
def test_lookup_logits_gradients_and_config_match_keras(name):
    case = REFERENCE["cases"][name]
    layer = layers.ReversibleEmbedding(7, 5, name=name, **case["options"])
    layer.build()
    layer.set_weights([np.array(w, dtype="float32") for w in case["weights"]])
    np.testing.assert_allclose(layer(IDS), case["lookup"], rtol=1e-6)
    with GradientTape(persistent=True) as tape:
        tape.watch(VECTORS)
        logits = layer(VECTORS, reverse=True)
        total = ops.sum(logits * np.arange(7, dtype="float32"))
    np.testing.assert_allclose(logits, case["logits"], rtol=1e-5, atol=1e-5)
    grads = [tape.gradient(total, VECTORS)] + tape.gradient(total, layer.trainable_variables)
    for ours, theirs in zip(grads, case["grads"], strict=True):
        if theirs is None:
            assert ours is None
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    assert layer.get_config() == case["config"]
    assert [w.path for w in layer.weights] == case["paths"]
    assert list(layer(mk.Input((4, 5)), reverse=True).shape) == case["symbolic_shape"]


@pytest.mark.parametrize("options", [{}, {"tie_weights": False, "logit_soft_cap": 1.5}])
def test_reverse_gradients_are_the_finite_differences(options):
    rng = np.random.default_rng(1)
    layer = layers.ReversibleEmbedding(6, 3, dtype="float64", **options)
    layer.build()
    x = rng.normal(size=(2, 4, 3))
    upstream = rng.normal(size=(2, 4, 6))

    def total(vectors):
        return float(np.sum(np.asarray(layer(vectors, reverse=True)) * upstream))

    with GradientTape() as tape:
        tape.watch(x)
        value = ops.sum(layer(x, reverse=True) * upstream)
    np.testing.assert_allclose(tape.gradient(value, x), finite_difference(total, x),
                               rtol=1e-6, atol=1e-8)
    table = layer.weights[-1]
    original = table.value.copy()

    def of_table(values):
        table.assign(values)
        try:
            return total(x)
        finally:
            table.assign(original)

    with GradientTape() as tape:
        value = ops.sum(layer(x, reverse=True) * upstream)
    np.testing.assert_allclose(tape.gradient(value, table), finite_difference(of_table, original),
                               rtol=1e-6, atol=1e-8)


def test_a_tied_language_model_trains_through_both_directions_and_reloads(tmp_path):
    rng = np.random.default_rng(2)
    ids = rng.integers(1, 12, size=(64, 6))
    targets = np.roll(ids, -1, axis=1)
    tokens = mk.Input((6,), dtype="int32")
    embedding = layers.ReversibleEmbedding(12, 8, mask_zero=True)
    hidden = layers.Dense(8, activation="tanh")(embedding(tokens))
    model = mk.Model(tokens, layers.Softmax()(embedding(hidden, reverse=True)))
    model.compile("adam", "sparse_categorical_crossentropy")
    assert len(model.trainable_weights) == 3  # one table, used twice, and the Dense
    first = model.evaluate(ids, targets, verbose=0)
    model.fit(ids, targets, epochs=20, batch_size=16, verbose=0)
    assert model.evaluate(ids, targets, verbose=0) < first
    model.save(tmp_path / "lm.keras")
    loaded = mk.models.load_model(tmp_path / "lm.keras")
    np.testing.assert_allclose(loaded.predict(ids, verbose=0), model.predict(ids, verbose=0),
                               rtol=1e-6)


def test_a_subclass_may_add_weights_after_calling_super_build():
    class Scaled(layers.Dense):
        def build(self, input_shape):
            super().build(input_shape)
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

        def call(self, inputs):
            return super().call(inputs) * self.scale

    layer = Scaled(2)
    layer(np.ones((1, 3), "float32"))
    assert layer.built and [w.name for w in layer.weights] == ["kernel", "bias", "scale"]
