"""`SwapEMAWeights` against Keras 3 (compat/make_swap_ema.py -> compat/data/swap_ema.*): the
weights a later callback sees during validation and at each epoch's end, the validation
losses (those of the moving averages), the weights after `fit` (the averages, which `fit`
copies into the model at its end), and after `evaluate` (the trained ones, swapped back)."""

import json
import pathlib

import numpy as np
import pytest

import minikeras as mk

DATA = pathlib.Path(__file__).resolve().parent.parent / "compat" / "data"
REFERENCE = json.loads((DATA / "swap_ema.json").read_text())
with np.load(DATA / "swap_ema.npz") as _file:
    ARRAYS = dict(_file)
CASES = REFERENCE["cases"]
# Keras on TensorFlow swaps by additions (a += b; b = a - b; a -= b): a few ulps off.
TOLERANCE = 1e-6


def weights(prefix, name):
    return [ARRAYS[f"{prefix}/{name}/{i}"] for i in range(4)]


def data():
    return [ARRAYS[f"data/{name}"] for name in ("x", "y", "x_val", "y_val")]


def make_model(use_ema=True):
    model = mk.Sequential([mk.Input((3,)), mk.layers.Dense(4, activation="tanh"),
                           mk.layers.Dense(1)])
    model.set_weights(weights("start", "weights"))
    model.compile(mk.optimizers.SGD(0.1, use_ema=use_ema, ema_momentum=0.8), "mse")
    return model


class Recorder(mk.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seen = []

    def _record(self, hook):
        self.seen.append([hook, [w.copy() for w in self.model.get_weights()]])

    def on_test_begin(self, logs=None):
        self._record("test_begin")

    def on_epoch_end(self, epoch, logs=None):
        self._record("epoch_end")

    def on_predict_begin(self, logs=None):
        self._record("predict_begin")


def assert_weights(found, expected, what):
    for a, b in zip(found, expected, strict=True):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=0, atol=TOLERANCE, err_msg=what)


def averages(model):
    return [v.value for v in model.optimizer._model_variables_moving_average]


def fit(swap_on_epoch):
    x, y, x_val, y_val = data()
    model, recorder = make_model(), Recorder()
    history = model.fit(x, y, batch_size=8, epochs=REFERENCE["epochs"], shuffle=False,
                        verbose=0, validation_data=(x_val, y_val),
                        callbacks=[mk.callbacks.SwapEMAWeights(swap_on_epoch), recorder])
    return model, recorder, history


@pytest.mark.parametrize("case", ["validation", "swap_on_epoch"])
def test_fit_validates_with_the_averages_as_keras_does(case):
    model, recorder, history = fit(case == "swap_on_epoch")
    expected = CASES[case]
    assert [hook for hook, _ in recorder.seen] == expected["hooks"]
    for index, (hook, seen) in enumerate(recorder.seen):
        assert_weights(seen, weights(case, f"seen{index}"), f"{case}: {hook} {index}")
    for key, values in expected["history"].items():
        np.testing.assert_allclose(history.history[key], values, rtol=1e-5, err_msg=key)
    assert_weights(model.get_weights(), weights(case, "final"), "after fit")
    assert_weights(averages(model), weights(case, "averages"), "averages after fit")


def test_validation_sees_the_averages_and_epochs_end_with_the_trained_weights():
    """Without the callback the history is the trained weights'; with it, only `val_loss`
    changes: validation runs on the averages, training on the trained weights."""
    x, y, x_val, y_val = data()
    plain = make_model().fit(x, y, batch_size=8, epochs=REFERENCE["epochs"], shuffle=False,
                             verbose=0, validation_data=(x_val, y_val))
    _, recorder, swapped = fit(False)
    assert plain.history["loss"] == swapped.history["loss"]
    assert not np.allclose(plain.history["val_loss"], swapped.history["val_loss"])
    # Each validation saw other weights than the epoch's end (the trained ones).
    for (_, during), (_, after) in zip(recorder.seen[::2], recorder.seen[1::2]):
        assert not np.allclose(during[0], after[0])


def test_evaluate_uses_the_averages_then_swaps_back():
    model, _, _ = fit(False)
    x, y, x_val, y_val = data()
    model.train_on_batch(x[:8], y[:8])  # the weights and their averages now differ
    assert_weights(model.get_weights(), weights("evaluate", "before"), "trained weights")
    assert_weights(averages(model), weights("evaluate", "averages"), "averages")
    trained, kept = model.get_weights(), [a.copy() for a in averages(model)]
    arrays = [v.value for v in model.trainable_weights]
    recorder = Recorder()
    loss = model.evaluate(x_val, y_val, verbose=0,
                          callbacks=[mk.callbacks.SwapEMAWeights(), recorder])
    np.testing.assert_allclose(loss, CASES["evaluate"]["loss"], rtol=1e-6)
    assert_weights(recorder.seen[0][1], weights("evaluate", "seen"), "during evaluate")
    assert_weights(model.get_weights(), weights("evaluate", "after"), "after evaluate")
    # Swapped back exactly, in place.
    for a, b in zip(model.get_weights(), trained, strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(averages(model), kept, strict=True):
        np.testing.assert_array_equal(a, b)
    assert all(v.value is a for v, a in zip(model.trainable_weights, arrays))
    # The loss is that of the averages in the model.
    plain = make_model()
    plain.set_weights(kept)
    np.testing.assert_allclose(plain.evaluate(x_val, y_val, verbose=0), loss, rtol=1e-6)


def test_predict_uses_the_averages_and_swaps_back():
    """Predictions are Keras' (the averages'); unlike Keras 3.15, which leaves the averages
    in the model after `predict`, the trained weights come back (docs/compat.md)."""
    model, _, _ = fit(True)
    x, y, x_val, _ = data()
    model.train_on_batch(x[:8], y[:8])
    assert_weights(model.get_weights(), weights("predict", "before"), "trained weights")
    trained, kept = model.get_weights(), [a.copy() for a in averages(model)]
    recorder = Recorder()
    outputs = model.predict(x_val, verbose=0, callbacks=[mk.callbacks.SwapEMAWeights(), recorder])
    np.testing.assert_allclose(outputs, ARRAYS["predict/outputs"], rtol=0, atol=TOLERANCE)
    assert_weights(recorder.seen[0][1], weights("predict", "seen"), "during predict")
    assert_weights(recorder.seen[0][1], weights("predict", "averages"), "the averages")
    for a, b in zip(model.get_weights(), trained, strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(averages(model), kept, strict=True):
        np.testing.assert_array_equal(a, b)


def test_fit_ends_with_the_averages_in_the_model():
    """`fit` copies the moving averages into the weights at its end (with `use_ema`), as
    Keras' `finalize_variable_values` does; without `use_ema` nothing changes."""
    x, y, _, _ = data()
    model = make_model()
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), averages(model), strict=True):
        np.testing.assert_array_equal(a, b)
    steps = [make_model(use_ema=False), make_model(use_ema=False)]
    steps[0].fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for _ in range(2):
        for start in range(0, len(x), 8):
            steps[1].train_on_batch(x[start:start + 8], y[start:start + 8])
    for a, b in zip(*(m.get_weights() for m in steps), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-7)


@pytest.mark.parametrize("case", list(REFERENCE["errors"]))
def test_errors_match_keras(case):
    x, y, _, _ = data()
    model = make_model(use_ema=case != "no_ema")
    if case == "no_ema":
        model.fit(x, y, batch_size=8, verbose=0)
    error, message = REFERENCE["errors"][case]
    with pytest.raises(Exception) as info:
        model.evaluate(x, y, verbose=0, callbacks=[mk.callbacks.SwapEMAWeights()])
    assert (type(info.value).__name__, str(info.value)) == (error, message)


def test_inside_a_loss_scale_optimizer():
    x, y, x_val, y_val = data()
    model = make_model()
    model.compile(mk.optimizers.LossScaleOptimizer(
        mk.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.8)), "mse")
    model.set_weights(weights("start", "weights"))
    recorder = Recorder()
    model.fit(x, y, batch_size=8, epochs=REFERENCE["epochs"], shuffle=False, verbose=0,
              validation_data=(x_val, y_val),
              callbacks=[mk.callbacks.SwapEMAWeights(), recorder])
    for index, (hook, seen) in enumerate(recorder.seen):
        assert_weights(seen, weights("validation", f"seen{index}"), f"{hook} {index}")
