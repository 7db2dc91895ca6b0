"""Sequential: building, names, errors, JSON, and Keras' own models predicting the same."""

import json
import re

import numpy as np
import pytest

from minikeras import layers, models
from minikeras.layers import Dense, Input
from minikeras.models import Sequential


def seed_model():
    model = Sequential()
    with pytest.warns(UserWarning, match=r"Do not pass an `input_shape`/`input_dim` argument"):
        model.add(Dense(64, activation="relu", input_shape=(10,)))
    model.add(Dense(64, activation="relu"))
    model.add(Dense(10, activation="softmax"))
    return model


def test_seed_tutorial_model_builds_at_once():
    model = seed_model()
    assert model.built and model.name == "sequential"
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "dense_2"]
    assert model.count_params() == 5514
    assert [w.path for w in model.weights[:2]] == ["sequential/dense/kernel", "sequential/dense/bias"]
    assert model._input_layer.name == "input_layer"
    y = model.predict(np.ones((3, 10)), verbose=0)
    assert y.dtype == np.float32 and y.shape == (3, 10)
    np.testing.assert_allclose(y.sum(axis=1), 1, rtol=1e-6)


@pytest.mark.parametrize("generation", ["k2", "k3"])
def test_keras_models_rebuilt_from_json_predict_what_keras_predicted(compat_data, generation):
    """Every activation, initializer, regularizer and constraint, from Keras' own JSON."""
    records = json.loads((compat_data / f"models_{generation}.json").read_text())["models"]
    assert len(records) >= 14
    for record in records:
        if record["activation"] == "sparsemax":
            continue  # Keras 3.15's sparsemax is wrong (keras-team/keras#23425); ours is exact
        model = models.model_from_json(record["json"])
        model.set_weights([np.asarray(w, np.float32) for w in record["weights"]])
        x = np.asarray(record["x"], np.float32)
        np.testing.assert_allclose(
            model.predict(x, verbose=0), record["prediction"], rtol=1e-5, atol=1e-5,
            err_msg=record["activation"],
        )
        model(x)
        np.testing.assert_allclose(
            sorted(model.losses), sorted(record["losses"]), rtol=1e-4, atol=1e-6,
            err_msg=record["activation"],
        )
        if generation == "k2" and record["activation"] == "hard_sigmoid":
            continue  # re-saved, 'hard_sigmoid' means Keras 3's (docs/compat.md)
        # Our own JSON round-trips to the same predictions.
        clone = models.model_from_json(model.to_json())
        clone.set_weights(model.get_weights())
        np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_to_json_matches_keras3_for_the_seed_model(compat_data):
    """Byte-for-byte the JSON real Keras 3 wrote (../shared/keras-facts/samples/k3_model.json)."""
    ours = json.loads(seed_model().to_json())
    theirs = json.loads((compat_data / "k3_seed_model.json").read_text())
    theirs.pop("compile_config")  # that model was compiled, ours is not
    assert ours == theirs


def test_deferred_build_and_explicit_build():
    model = Sequential([Dense(4), Dense(2)])
    assert not model.built and model.weights == [] and model.get_weights() == []
    with pytest.raises(ValueError, match="isn't built"):
        model.count_params()
    with pytest.raises(AttributeError, match="has no defined input shape yet"):
        model.input_shape
    model(np.ones((3, 5)))
    assert model.built and model.input_shape == (3, 5)
    assert model.layer_output_shapes() == [(3, 4), (3, 2)]
    other = Sequential([Dense(4)])
    other.build((None, 6))
    assert other.input_shape == (None, 6) and other.layers[0].kernel.shape == (6, 4)


def test_input_as_first_element_is_not_a_layer():
    model = Sequential([Input((6,)), Dense(2)])
    assert model.built and len(model.layers) == 1
    model2 = Sequential()
    model2.add(Input(shape=(6,)))
    model2.add(Dense(2))
    assert model2.built
    with pytest.raises(ValueError, match=r"Cannot convert '6' to a shape."):
        Input(shape=6)


def test_add_pop_and_get_layer_errors():
    model = Sequential([Input((3,)), Dense(2, name="a")])
    with pytest.raises(ValueError) as info:
        model.add(3)
    assert str(info.value) == (
        "Only instances of `keras.Layer` can be added to a Sequential model. Received: 3 "
        "(of type <class 'int'>)"
    )
    with pytest.raises(ValueError, match="Name 'a' is already the name of a layer in this model"):
        model.add(Dense(2, name="a"))
    assert model.get_layer("a") is model.get_layer(index=0)
    with pytest.raises(ValueError, match=r"No such layer: x. Existing layers are: \['a'\]."):
        model.get_layer("x")
    with pytest.raises(ValueError, match="Was asked to retrieve layer at index 5 but model only has 1 layers."):
        model.get_layer(index=5)
    with pytest.raises(ValueError, match="Provide either a layer name or layer index at `get_layer`."):
        model.get_layer()
    popped = model.pop()
    assert popped.name == "a" and model.layers == []
    with pytest.raises(IndexError):
        model.pop()


def test_nested_sequential_trains_as_one_stack():
    inner = Sequential([Dense(4, activation="relu"), Dense(3)], name="inner")
    model = Sequential([Input((5,)), inner, layers.Softmax()])
    x = np.random.default_rng(0).normal(size=(2, 5)).astype(np.float32)
    y = model.predict(x, verbose=0)
    expected = np.maximum(x @ inner.layers[0].kernel.numpy(), 0) @ inner.layers[1].kernel.numpy()
    expected = np.exp(expected) / np.exp(expected).sum(1, keepdims=True)
    np.testing.assert_allclose(y, expected, rtol=1e-5)
    assert len(model.weights) == 4
    clone = models.model_from_json(model.to_json())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(x, verbose=0), y, rtol=1e-6)


def test_clone_model_copies_architecture_not_weights():
    model = seed_model()
    clone = models.clone_model(model)
    assert [type(l) for l in clone.layers] == [type(l) for l in model.layers]
    assert clone.count_params() == model.count_params()
    assert not np.array_equal(clone.get_weights()[0], model.get_weights()[0])


def test_predict_batches_match_one_pass():
    model = seed_model()
    x = np.random.default_rng(0).normal(size=(100, 10)).astype(np.float32)
    np.testing.assert_allclose(
        model.predict(x, batch_size=7, verbose=0), model.predict_on_batch(x), rtol=1e-6
    )


def test_automatic_names_follow_keras():
    assert [Dense(1).name, Dense(1).name, Dense(1, name="dense").name, Dense(1).name] == [
        "dense", "dense_1", "dense", "dense_2"
    ]
    assert layers.Activation("relu").name == "activation"
    assert Sequential().name == "sequential"


def test_large_batches_predicted_in_threads_match_one_pass():
    model = Sequential([Input((10,)), Dense(64, activation="relu"), Dense(10, activation="softmax")])
    x = np.random.default_rng(0).normal(size=(10_000, 10)).astype(np.float32)
    np.testing.assert_allclose(
        model.predict(x, batch_size=2048, verbose=0), model.predict_on_batch(x), rtol=1e-6
    )


def test_quiet_predict_honours_steps():
    model = seed_model()
    x = np.random.default_rng(0).normal(size=(10, 10)).astype(np.float32)
    for verbose in (0, 1):
        assert model.predict(x, batch_size=2, steps=1, verbose=verbose).shape == (2, 10)


@pytest.mark.parametrize("contiguous", [True, False])
@pytest.mark.parametrize("verbose", ["auto", 0, 2])
def test_one_batch_predict_runs_the_hooks_of_predicts_loop(contiguous, verbose, capsys):
    """One batch of one C-contiguous array skips cutting batches (the other layout takes the
    loop); both give the callbacks the same hooks, in order, and the same numbers."""
    import minikeras

    model = seed_model()
    x = np.random.default_rng(0).normal(size=(6, 20)).astype(np.float32)[:, ::2]
    x = np.ascontiguousarray(x) if contiguous else x
    calls = []
    recorder = minikeras.callbacks.LambdaCallback(
        on_predict_begin=lambda logs: calls.append(("begin", logs)),
        on_predict_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch, logs)),
        on_predict_batch_end=lambda batch, logs: calls.append(
            ("batch_end", batch, sorted(logs), logs["outputs"].shape)),
        on_predict_end=lambda logs: calls.append(("end", logs)),
    )
    y = model.predict(x, verbose=verbose, callbacks=[recorder])
    assert calls == [("begin", {}), ("batch_begin", 0, {}), ("batch_end", 0, ["outputs"], (6, 10)),
                     ("end", {})]
    np.testing.assert_array_equal(y, model(np.ascontiguousarray(x)).numpy())
    assert (capsys.readouterr().out != "") == (verbose != 0)


def test_one_batch_predict_with_a_bar_cuts_no_batches(monkeypatch, capsys):
    from minikeras.models import data as data_lib

    model = seed_model()
    x = np.ones((3, 10), np.float32)
    expected = model.predict(x, verbose=0)
    monkeypatch.setattr(data_lib, "make_batches", lambda *a, **k: pytest.fail("cut batches"))
    np.testing.assert_array_equal(model.predict(x), expected)
    assert "1/1" in capsys.readouterr().out


class _TrainingFlag(layers.Layer):
    """Outputs 1 in training mode, 0 at inference; Keras' `call(x, training=True)` default."""

    def call(self, x, training=True):
        return np.full((len(x), 1), float(bool(training)), np.float32)


def test_every_predicted_batch_runs_in_inference_mode():
    model = Sequential([Input((3,)), _TrainingFlag()])
    x = np.zeros((4, 3), np.float32)
    for verbose in (0, 1):
        np.testing.assert_array_equal(model.predict(x, batch_size=2, verbose=verbose), 0)


def test_set_weights_checks_every_shape_before_changing_any():
    model = Sequential([Input((2,)), Dense(3), Dense(1)], name="stack")
    before = model.get_weights()
    wrong = [np.full_like(w, 7.0) for w in before]
    wrong[2] = np.zeros((4, 1), np.float32)
    with pytest.raises(ValueError, match=r"^Layer stack weight shape \(3, 1\) is not compatible "
                                         r"with provided weight shape \(4, 1\)\.$"):
        model.set_weights(wrong)
    for kept, original in zip(model.get_weights(), before):
        np.testing.assert_array_equal(kept, original)


def test_save_weights_hands_max_shard_size_on(tmp_path):
    model = seed_model()
    with pytest.raises(ValueError, match="does not write sharded weights"):
        model.save_weights(tmp_path / "w.weights.h5", max_shard_size=1)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("shape, expected", [((4, 784), None), ((784,), None),
                                             ((4, 28, 28, 1), (4, 10))])
def test_inputs_of_another_rank_are_refused_or_adjusted_as_keras_does(shape, expected):
    model = Sequential([Input((28, 28)), layers.Flatten(), Dense(10)])
    x = np.zeros(shape, np.float32)
    if expected is None:
        with pytest.raises(ValueError, match=r"Expected shape \(None, 28, 28\), but input has "
                                             rf"incompatible shape {re.escape(str(shape))}$"):
            model.predict(x, verbose=0)
    else:
        assert model.predict(x, verbose=0).shape == expected


def test_a_vector_feeds_an_input_of_one_feature():
    model = Sequential([Input((1,)), Dense(2)])
    x = np.arange(5, dtype=np.float32)
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x[:, None], verbose=0))
    np.testing.assert_array_equal(model.predict(np.arange(100, dtype=np.float32), batch_size=8,
                                                verbose=0)[:5], model.predict(x, verbose=0))


def test_model_structure_errors_name_the_problem():
    with pytest.raises(ValueError, match="^Sequential model empty cannot be built because it has "
                                         "no layers"):
        Sequential(name="empty")(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"last axis of the inputs to Dense layer 'd' must be "
                                         r"defined.*\(None, None\)"):
        Sequential([Input((None,)), Dense(2, name="d")])


def test_trainable_flows_down_as_in_keras():
    inner = Sequential([Input((3,)), Dense(4), Dense(2)])
    model = Sequential([Input((3,)), inner, Dense(1)])
    inner.trainable = False
    assert [layer.trainable for layer in inner.layers] == [False, False]
    assert all(not w.trainable for w in inner.weights) and len(model.trainable_weights) == 2
    inner.layers[0].trainable = True
    model.trainable = False
    model.trainable = True  # unfreezing the model unfreezes everything in it
    assert len(model.trainable_weights) == 6


@pytest.mark.parametrize("built_by", ["build", "call"])
def test_a_built_sequential_lists_the_input_layer_it_made_as_keras_3(built_by):
    # Keras 3.15: Sequential([Dense(2)]) built by build((None, 3)) or by a call on a (1, 3)
    # array lists ['InputLayer', 'Dense'] in its config, the input's batch shape (None, 3) or
    # (1, 3) as `build_input_shape` is (and still one layer in `layers`).
    model = Sequential([Dense(2)])
    if built_by == "build":
        model.build((None, 3))
    else:
        model(np.ones((1, 3), "float32"))
    config = model.get_config()
    assert [layer["class_name"] for layer in config["layers"]] == ["InputLayer", "Dense"]
    expected = (None, 3) if built_by == "build" else (1, 3)
    assert config["layers"][0]["config"]["batch_shape"] == config["build_input_shape"] == expected
    assert len(model.layers) == 1
    reloaded = Sequential.from_config(config)
    assert len(reloaded.layers) == 1 and reloaded.built
    assert [layer["class_name"] for layer in reloaded.get_config()["layers"]] == [
        "InputLayer", "Dense"]


def _masked_stacks():
    """Stacks whose training pass carries masks: an Embedding's, a Masking layer's, a Dense
    passing one on, poolings consuming them."""
    return {
        "embedding, average": lambda: [
            Input((12,), dtype="int32"), layers.Embedding(50, 6, mask_zero=True),
            layers.GlobalAveragePooling1D(), Dense(5, activation="relu"),
            Dense(1, activation="sigmoid")],
        "embedding, dense on the masked steps, average": lambda: [
            Input((12,), dtype="int32"), layers.Embedding(50, 6, mask_zero=True),
            Dense(4, activation="tanh"), layers.GlobalAveragePooling1D(),
            Dense(1, activation="sigmoid")],
        "masking after relu, dropout, average": lambda: [
            Input((12, 3)), Dense(2, activation="relu"), layers.Masking(0.0),
            layers.Dropout(0.3), layers.GlobalAveragePooling1D(),
            Dense(1, activation="sigmoid")],
    }


@pytest.mark.parametrize("stack", sorted(_masked_stacks()))
def test_masked_layers_train_as_through_their_full_call(monkeypatch, stack):
    """The training pass calls mask-carrying layers without `__call__` (`_apply_masked`):
    byte for byte what `__call__` gives, trained over epochs, and that path is taken."""
    from minikeras import backend
    from minikeras.layers.base import Layer

    rng = np.random.default_rng(3)
    ids = np.where(np.arange(12) < rng.integers(1, 13, (40, 1)), rng.integers(1, 50, (40, 12)), 0)
    floats = rng.standard_normal((40, 12, 3)).astype(np.float32) * (ids[..., None] > 0)
    x = floats if stack.startswith("masking") else ids.astype(np.int32)
    y = rng.integers(0, 2, (40, 1)).astype(np.float32)
    taken = []
    apply_masked = Layer._apply_masked

    def spied(layer, inputs, training):
        taken.append(layer.name)
        return apply_masked(layer, inputs, training)

    def train(through_call):
        backend.clear_session(free_memory=False)
        backend.set_random_seed(1)
        with monkeypatch.context() as patch:
            patch.setattr(Layer, "_apply_masked", spied)
            if through_call:
                patch.setattr(Layer, "_records_plainly", lambda layer: False)
            model = Sequential(_masked_stacks()[stack]())
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
        return [w.tobytes() for w in model.get_weights()], history.history

    assert train(through_call=True) == train(through_call=False)
    assert taken  # (the second run's calls)
