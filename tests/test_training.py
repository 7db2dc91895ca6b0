"""Training against Keras 3: `fit`, `evaluate`, `train_on_batch`... land where Keras lands.

The runs are those of tests/training_cases.py; compat/make_training.py played them on Keras 3
(TensorFlow backend) from the same initial weights and data, into compat/data/training.*.
"""

import builtins
import json
import re
import warnings

import numpy as np
import pytest
import training_cases as tc
from conftest import COMPAT_DATA, training_gradients

import minikeras
from minikeras import layers
from minikeras.utils import progbar

REFERENCE = json.loads((COMPAT_DATA / "training.json").read_text("utf-8"))
with np.load(COMPAT_DATA / "training.npz") as _file:
    ARRAYS = dict(_file)
DATA = {key[len("data/"):]: value for key, value in ARRAYS.items() if key.startswith("data/")}
# Relative and absolute, on float32 weights and every logged value. Every case fits well inside
# it: the largest difference seen is 2.4e-7 (float32 rounding in different summation orders).
TOLERANCE = 1e-5


def saved_weights(name, which):
    count = sum(key.startswith(f"{name}/{which}/") for key in ARRAYS)
    return [ARRAYS[f"{name}/{which}/{index}"] for index in range(count)]


def assert_close(actual, expected, what):
    np.testing.assert_allclose(actual, expected, rtol=TOLERANCE, atol=TOLERANCE, err_msg=what)


def model_for(name, spec=None):
    """The case's model in minikeras, from the initial weights Keras started from."""
    model = tc.build(minikeras, spec or tc.CASES[name])
    model.set_weights(saved_weights(name, "initial"))
    return model


# ----------------------------------------------------------------------------------------------
# Every recorded run


@pytest.mark.parametrize("name", list(tc.CASES))
def test_fit_matches_keras(name, monkeypatch):
    spec, expected = tc.CASES[name], REFERENCE["cases"][name]
    monkeypatch.setattr(progbar, "clock", tc.TickingClock())
    model = model_for(name)
    if "error" in expected:
        error_type, message = expected["error"]
        with pytest.raises(getattr(builtins, error_type), match=f"^{re.escape(message)}$"):
            tc.train(minikeras, spec, model, DATA)
        return
    result = tc.train(minikeras, spec, model, DATA)
    assert list(result["history"]) == list(expected["history"])  # the keys, in Keras' order
    for key, values in expected["history"].items():
        assert_close(result["history"][key], values, f"history[{key!r}]")
    assert result["epoch"] == expected["epoch"]
    assert result["params"] == expected["params"]
    assert list(result["evaluate"]) == list(expected["evaluate"])
    assert_close(list(result["evaluate"].values()), list(expected["evaluate"].values()),
                 "evaluate")
    for index, (actual, reference) in enumerate(
        zip(result["weights"], saved_weights(name, "final"), strict=True)
    ):
        assert actual.dtype == np.float32
        assert_close(actual, reference, f"weight {index}")
    assert result["stdout"] == expected["stdout"]


def test_batch_api_matches_keras():
    expected = REFERENCE["batch_api"]
    model = model_for("batch_api", tc.BATCH_API_CASE)
    model.compile(**tc.realize(minikeras, tc.BATCH_API_CASE["compile"]))
    result = tc.batch_api(minikeras, model, DATA)
    for key, reference in expected.items():
        actual = result[key]
        if key.startswith("metrics_names") or key.endswith("_error"):
            assert actual == reference
            continue
        if isinstance(reference, dict):
            assert list(actual) == list(reference), key
            actual, reference = list(actual.values()), list(reference.values())
        assert type(actual) is type(reference), key
        assert_close(actual, reference, key)
    for actual, reference in zip(result["weights"], saved_weights("batch_api", "final"),
                                 strict=True):
        assert_close(actual, reference, "weights")


def test_logged_values_are_python_floats(monkeypatch):
    monkeypatch.setattr(progbar, "clock", tc.TickingClock())
    result = tc.train(minikeras, tc.CASES["validation_split"], model_for("validation_split"), DATA)
    logged = [v for values in result["history"].values() for v in values]
    assert all(type(v) is float for v in logged + list(result["evaluate"].values()))


# ----------------------------------------------------------------------------------------------
# Other ways to give the data: they must train exactly as the arrays of the recorded runs


class ArrayLike:
    """What pandas objects are to `fit`: anything with `__array__`."""

    def __init__(self, array):
        self._array = array

    def __array__(self, dtype=None, copy=None):
        return self._array if dtype is None else self._array.astype(dtype)

    def __len__(self):
        return len(self._array)


def fit_like(name, x, y, **overrides):
    """Fit case `name` on other forms of its data; returns the model and its History."""
    spec = tc.CASES[name]
    model = model_for(name)
    model.compile(**tc.realize(minikeras, spec["compile"]))
    fit_args = {**tc.realize(minikeras, spec["fit"], DATA), **overrides}
    return model, model.fit(x, y, **{k: v for k, v in fit_args.items() if v is not None})


def assert_matches_reference(name, model, history):
    expected = REFERENCE["cases"][name]
    assert history.history.keys() == expected["history"].keys()
    for key, values in expected["history"].items():
        assert_close(history.history[key], values, key)
    assert history.params == expected["params"]
    for actual, reference in zip(model.get_weights(), saved_weights(name, "final"), strict=True):
        assert_close(actual, reference, "weights")


@pytest.mark.parametrize("convert", [np.ndarray.tolist, ArrayLike], ids=["lists", "array_like"])
def test_lists_and_array_likes_train_like_arrays(convert):
    """(Keras 3 refuses Python lists; minikeras takes anything `np.asarray` takes.)"""
    name = "sample_weight"
    model, history = fit_like(name, convert(DATA["x"]), convert(DATA["onehot"]),
                              sample_weight=convert(DATA["sw"]))
    assert_matches_reference(name, model, history)


@pytest.mark.parametrize("name", ["adam", "sample_weight"])
def test_generators_of_batches_train_like_arrays(name):
    with_weights = name == "sample_weight"

    def batches():
        while True:
            for start in range(0, 50, tc.BATCH_SIZE):
                rows = slice(start, start + tc.BATCH_SIZE)
                batch = (DATA["x"][rows], DATA["onehot"][rows])
                yield batch + (DATA["sw"][rows],) if with_weights else batch

    model, history = fit_like(name, batches(), None, batch_size=None, sample_weight=None,
                              steps_per_epoch=4)
    assert_matches_reference(name, model, history)


# ----------------------------------------------------------------------------------------------
# Behaviour around fit


def compiled(name="adam"):
    model = model_for(name)
    model.compile(**tc.realize(minikeras, tc.CASES[name]["compile"]))
    return model


def test_zero_epochs_train_nothing():
    model = compiled()
    history = model.fit(DATA["x"], DATA["onehot"], epochs=0, verbose=0)
    assert history.history == {} and history.epoch == []
    assert model.history is history
    for actual, initial in zip(model.get_weights(), saved_weights("adam", "initial")):
        np.testing.assert_array_equal(actual, initial)


@pytest.mark.parametrize("method", ["fit", "evaluate", "train_on_batch", "test_on_batch"])
def test_training_before_compile_raises_keras_error(method):
    model = model_for("adam")
    with pytest.raises(ValueError, match=r"^You must call `compile\(\)` before using the model\.$"):
        getattr(model, method)(DATA["x"], DATA["onehot"])


def test_frozen_layers_are_untouched_and_the_others_train():
    model = compiled()
    frozen, trained = model.layers
    frozen.trainable = False
    before = model.get_weights()
    model.fit(DATA["x"], DATA["onehot"], epochs=2, verbose=0)
    after = model.get_weights()
    for start, end in zip(before[:2], after[:2]):
        np.testing.assert_array_equal(start, end)
    assert all(np.abs(start - end).max() > 1e-3 for start, end in zip(before[2:], after[2:]))
    assert [w.path for w in model.trainable_weights] == [w.path for w in trained.weights]


def test_dropout_scales_kept_units_and_backpropagates_through_the_same_mask():
    rate, x = 0.3, np.ones((400, 50), np.float32)
    dropout = layers.Dropout(rate, seed=3)
    np.testing.assert_array_equal(dropout(x, training=False), x)
    out = dropout(x, training=True)
    kept = out != 0
    assert abs(1 - kept.mean() - rate) < 0.01  # 20,000 draws: 4.5 standard deviations
    np.testing.assert_allclose(out[kept], 1 / (1 - rate), rtol=1e-6)
    assert abs(out.mean() - 1) < 0.02
    grad = np.arange(x.size, dtype=np.float32).reshape(x.shape)
    with minikeras.GradientTape() as tape:
        tape.watch(x)
        traced = dropout(x, training=True)
        objective = minikeras.ops.sum(traced * grad)
    kept = np.asarray(traced.value)
    np.testing.assert_array_equal(tape.gradient(objective, x), grad * kept)
    assert (kept != out).any()  # a fresh mask each call


def test_dropout_draws_its_seeded_stream_into_kept_buffers_one_mask_per_call():
    """The uniform draw and keep test reuse per-thread buffers; the mask and output of each
    call stay its own, and the draws are the seeded generator's, call after call, in threads."""
    import threading

    x = np.random.default_rng(0).random((64, 32), dtype=np.float32) + np.float32(0.5)
    expected_stream = np.random.default_rng(5)

    def expected():
        keep = expected_stream.random(x.shape, dtype=np.float32) >= 0.25
        return x * (keep * np.float32(1 / 0.75))

    dropout = layers.Dropout(0.25, seed=5)
    first, first_mask = dropout.forward(x, training=True)
    second, second_mask = dropout.forward(x, training=True)
    np.testing.assert_array_equal(first, expected())
    np.testing.assert_array_equal(second, expected())  # the first call's result is untouched
    assert first_mask is not second_mask and (first_mask != second_mask).any()
    np.testing.assert_array_equal(dropout.backward(first_mask, x, None), x * first_mask)

    outs = {}

    def run(name):
        layer = layers.Dropout(0.25, seed=11)
        outs[name] = [layer.forward(x, training=True)[0] for _ in range(20)]

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    alone = layers.Dropout(0.25, seed=11)
    reference = [alone.forward(x, training=True)[0] for _ in range(20)]
    for name in outs:
        for got, want in zip(outs[name], reference):
            np.testing.assert_array_equal(got, want)


def test_dropout_is_identity_at_inference_and_noise_in_training():
    plain = model_for("adam")
    noisy = minikeras.Sequential([
        minikeras.Input((6,)), layers.Dense(8, activation="tanh"), layers.Dropout(0.5, seed=1),
        layers.Dense(3, activation="softmax"),
    ])
    noisy.set_weights(plain.get_weights())
    np.testing.assert_array_equal(noisy.predict(DATA["x"], verbose=0),
                                  plain.predict(DATA["x"], verbose=0))
    assert np.abs(noisy(DATA["x"], training=True) - plain(DATA["x"])).max() > 0.05
    noisy.compile(optimizer="adam", loss="categorical_crossentropy")
    losses = noisy.fit(DATA["x"], DATA["onehot"], epochs=3, verbose=0).history["loss"]
    assert all(np.isfinite(losses))


def test_a_layer_added_after_training_trains_like_a_fresh_model():
    x, y = DATA["x"], DATA["onehot"]

    def compiled_model(*stack):
        model = minikeras.Sequential([layers.Input((x.shape[1],)), *stack])
        model.compile(optimizer="sgd", loss="categorical_crossentropy")
        return model

    model = compiled_model(layers.Dense(y.shape[1], activation="softmax"))
    model.fit(x, y, epochs=1, verbose=0)
    model.add(layers.Activation("linear"))  # the softmax is no longer the model's output
    fresh = compiled_model(layers.Dense(y.shape[1], activation="softmax"),
                           layers.Activation("linear"))
    fresh.set_weights(model.get_weights())
    losses = [m.fit(x, y, shuffle=False, verbose=0).history["loss"] for m in (model, fresh)]
    np.testing.assert_allclose(*losses, rtol=1e-6)
    np.testing.assert_allclose(model.get_weights()[0], fresh.get_weights()[0], rtol=1e-6)


@pytest.mark.parametrize("rows, steps, epochs, expected, warnings_", [
    # Running batch losses of an untrained zero model on y = row number, as Keras 3.15 logs
    # them: an epoch of `steps_per_epoch` continues the pass the last one left, and a pass
    # that runs out ends its epoch with a warning.
    (10, 5, 2, [[3.5, 17.5, 28.5], [3.5, 17.5, 28.5]], 2),
    (12, 2, 3, [[3.5, 17.5], [91.5], [3.5, 17.5]], 1),
    (12, 3, 2, [[3.5, 17.5, 42.167], [3.5, 17.5, 42.167]], 0),
])
def test_steps_per_epoch_walks_arrays_as_keras_does(rows, steps, epochs, expected, warnings_):
    x = np.arange(rows, dtype=np.float32)[:, None]
    model = minikeras.Sequential([
        layers.Input((1,)), layers.Dense(1, kernel_initializer="zeros", trainable=False)
    ])
    model.compile(optimizer="sgd", loss="mse")
    seen = []
    recorder = minikeras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seen.append([]),
        on_train_batch_end=lambda batch, logs: seen[-1].append(round(logs["loss"], 3)),
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, x, batch_size=4, steps_per_epoch=steps, epochs=epochs,
                            shuffle=False, verbose=0, callbacks=[recorder])
    assert seen == expected and len(history.history["loss"]) == epochs
    assert sum("ran out of data" in str(w.message) for w in caught) == warnings_


def test_a_spent_generator_ends_training_with_keras_warning():
    def three_batches():
        for start in range(0, 12, 4):
            yield DATA["x"][start:start + 4], DATA["onehot"][start:start + 4]

    model = compiled()
    with pytest.warns(UserWarning, match="Your input ran out of data; interrupting training"):
        history = model.fit(three_batches(), epochs=3, verbose=0)
    assert history.epoch == [0] and len(history.history["loss"]) == 1


@pytest.mark.parametrize("keras2_name", ["Softmax", "ReLU", "ELU"])
def test_keras2_activation_layer_names_train_as_their_functions(keras2_name):
    """(Keras 2 took these layer class names as activations; Keras 3 refuses them.)"""
    x, y = DATA["x"], DATA["onehot"]
    trained = []
    for activation in (keras2_name, keras2_name.lower()):
        model = minikeras.Sequential([layers.Input((x.shape[1],)),
                                      layers.Dense(y.shape[1], activation=activation)])
        kernel = np.random.default_rng(0).normal(size=(x.shape[1], y.shape[1]))
        model.set_weights([kernel, np.zeros(y.shape[1])])
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, y, shuffle=False, verbose=0)
        trained.append(model.get_weights())
    for named, function in zip(*trained):
        np.testing.assert_array_equal(named, function)


class _Doubled(layers.Dense):
    """A user's Dense whose `call` doubles Dense's: its gradient comes from the tape."""

    def call(self, inputs, training=False):
        return super().call(inputs, training=training) * 2


def test_a_user_layer_redefining_call_of_a_built_in_trains_with_its_own_gradient():
    x, y = DATA["x"], DATA["onehot"]
    model = minikeras.Sequential([layers.Input((x.shape[1],)), _Doubled(y.shape[1])])
    model.compile(optimizer="sgd", loss="mse")
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               2 * (x @ model.get_weights()[0]), rtol=1e-5, atol=1e-6)
    _, (grad_kernel, grad_bias) = training_gradients(model, x, y)
    kernel, bias = model.get_weights()
    residual = 2 * (2 * (x @ kernel + bias) - y) / y.size * 2  # d(mse)/d(output), times 2
    np.testing.assert_allclose(grad_kernel, x.T @ residual, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(grad_bias, residual.sum(0), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_keras2_loader_keywords_are_dropped(method):
    """Keras 2's queue/worker arguments are accepted; unknown ones are refused with Keras 3's
    types (tests/test_bad_arguments.py)."""
    model = compiled()
    args = (DATA["x"],) if method == "predict" else (DATA["x"], DATA["onehot"])
    getattr(model, method)(*args, verbose=0, max_queue_size=10, workers=4,
                           use_multiprocessing=True)


def test_validation_in_fit_runs_the_test_hooks_and_reaches_on_train_end():
    calls = []
    recorder = minikeras.callbacks.LambdaCallback(
        on_test_begin=lambda logs: calls.append("test_begin"),
        on_test_batch_end=lambda batch, logs: calls.append("test_batch"),
        on_test_end=lambda logs: calls.append(("test_end", sorted(logs))),
        on_epoch_end=lambda epoch, logs: calls.append("epoch_end"),
        on_train_end=lambda logs: calls.append(("train_end", sorted(logs))),
    )
    compiled().fit(DATA["x"], DATA["onehot"], batch_size=25, validation_split=0.2, verbose=0,
                   callbacks=[recorder])
    assert calls == ["test_begin", "test_batch", ("test_end", ["loss"]), "epoch_end",
                     ("train_end", ["loss", "val_loss"])]


@pytest.mark.parametrize("validation_freq, validated", [(2, [2, 4]), ([1, 3], [1, 3])])
def test_validation_freq_counts_epochs_or_lists_them(validation_freq, validated):
    history = compiled().fit(DATA["x"], DATA["onehot"], epochs=4, validation_split=0.2,
                             validation_freq=validation_freq, verbose=0)
    assert len(history.history["val_loss"]) == len(validated)
    with pytest.raises(ValueError, match="Expected `validation_freq` to be a list or int"):
        compiled().fit(DATA["x"], DATA["onehot"], validation_split=0.2, validation_freq="2",
                       verbose=0)


def test_validation_steps_read_the_first_batches_every_epoch():
    model = compiled()
    model.trainable = False  # so that only the validation batch could change val_loss
    history = model.fit(DATA["x"][:30], DATA["onehot"][:30], batch_size=4, epochs=2,
                        shuffle=False, validation_data=(DATA["x"][30:], DATA["onehot"][30:]),
                        validation_steps=1, verbose=0)
    first, second = history.history["val_loss"]
    assert first == second


@pytest.mark.parametrize("compile_args", [
    {"loss": "sparse_categorical_crossentropy", "loss_weights": 2.0, "metrics": ["accuracy"]},
    {"loss": ["sparse_categorical_crossentropy"], "loss_weights": [2.0], "metrics": [["accuracy"]]},
])
def test_loss_weights_and_per_output_forms_train_as_in_keras(compile_args):
    """Keras 3.15 (TensorFlow), from the same start: loss [2.19722, 2.14105], accuracy [0.35,
    0.525], evaluate [2.09543, 0.525]; without the weight the losses are [1.09861, 1.0842]."""
    x = np.random.RandomState(0).randn(40, 4).astype("float32")
    y = np.arange(40) % 3
    model = minikeras.Sequential([
        layers.Input((4,)), layers.Dense(3, activation="softmax", kernel_initializer="ones")
    ])
    model.compile(minikeras.optimizers.SGD(0.1), **compile_args)
    history = model.fit(x, y, epochs=2, shuffle=False, batch_size=40, verbose=0)
    assert_close(history.history["loss"], [2.19722, 2.14105], "loss")
    assert_close(history.history["accuracy"], [0.35, 0.525], "accuracy")
    assert_close(model.evaluate(x, y, verbose=0), [2.09543, 0.525], "evaluate")


def test_a_diverging_run_goes_to_nan_quietly_as_in_keras():
    x = np.random.default_rng(0).normal(size=(64, 4)).astype(np.float32)
    model = minikeras.Sequential([layers.Input((4,)), layers.Dense(8, activation="relu"),
                                  layers.Dense(1)])
    model.compile(minikeras.optimizers.SGD(1.0), "mse")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any numpy RuntimeWarning fails the test
        history = model.fit(x, 100 + x[:, :1], epochs=5, verbose=0, validation_split=0.25)
    assert not np.isfinite(history.history["loss"][-1])


def test_repeated_metric_names_are_numbered_as_in_keras():
    """Keras 3.15 logs accuracy, accuracy_1, acc, acc_1 for these four."""
    model = model_for("adam")
    acc = minikeras.metrics.CategoricalAccuracy
    model.compile("sgd", "categorical_crossentropy",
                  metrics=["accuracy", "accuracy", acc(name="acc"), acc(name="acc")])
    history = model.fit(DATA["x"], DATA["onehot"], verbose=0)
    assert sorted(history.history) == ["acc", "acc_1", "accuracy", "accuracy_1", "loss"]


@pytest.mark.filterwarnings("ignore:Your input ran out of data")  # 3 steps of a one-row predict
def test_debugging_caps_on_epochs_and_steps_as_keras_config():
    model = minikeras.Sequential([minikeras.Input((3,)), minikeras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((100, 3), "float32"), np.ones((100, 1), "float32")
    batches = []
    counter = minikeras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: batches.append(b))
    minikeras.config.set_max_epochs(2)
    minikeras.config.set_max_steps_per_epoch(3)
    try:
        with pytest.warns(UserWarning) as caught:
            history = model.fit(x, y, batch_size=10, epochs=5, verbose=0, callbacks=[counter])
        messages = {str(w.message) for w in caught}
        assert {"Limiting epochs to 2", "Limiting steps_per_epoch to 3"} <= messages
        assert len(history.history["loss"]) == 2 and batches == [0, 1, 2, 0, 1, 2]
        with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 3"):
            assert model.predict(x, batch_size=10, verbose=0).shape == (30, 1)
        tested = []
        counter = minikeras.callbacks.LambdaCallback(
            on_test_batch_end=lambda b, logs: tested.append(b))
        with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 3"):
            model.evaluate(x, y, batch_size=10, verbose=0, callbacks=[counter])
        assert tested == [0, 1, 2]
        with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 3"):
            model.predict(x[:1], verbose=0)  # one batch: the cap is still said, as in Keras
    finally:
        minikeras.config.set_max_epochs(None)
        minikeras.config.set_max_steps_per_epoch(None)
    assert minikeras.config.max_epochs() is None and minikeras.config.max_steps_per_epoch() is None
    assert len(model.fit(x, y, batch_size=10, epochs=3, verbose=0).history["loss"]) == 3
