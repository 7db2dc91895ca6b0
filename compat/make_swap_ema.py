"""Keras 3's `SwapEMAWeights` callback at work -> compat/data/swap_ema.{json,npz}

Run under the oracle: `/tmp/oracle/bin/python compat/make_swap_ema.py`.

A Dense(4, tanh) -> Dense(1) model starts from fixed weights and trains with
`SGD(0.1, use_ema=True, ema_momentum=0.8)` on fixed data, a recording callback placed after
`SwapEMAWeights` (so it sees what the swap left in the model):
- `validation`: `fit` with validation data and `SwapEMAWeights()`: the weights the recorder sees
  at each validation's start and each epoch's end, the history, the weights and the moving
  averages after `fit`;
- `swap_on_epoch`: the same with `SwapEMAWeights(swap_on_epoch=True)`;
- `evaluate`: one `train_on_batch` after `fit` (weights and averages now differ), then
  `evaluate` with the callback: its loss, the weights the recorder sees, those after;
- `predict`: the same with `predict` (Keras 3 leaves the EMA weights in the model after it);
- `errors`: the callback with an optimizer without `use_ema`, and with one not built yet.
tests/test_swap_ema_weights.py replays it on minikeras.
"""

import json
import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
EPOCHS = 3


def data():
    rng = np.random.RandomState(0)
    x = rng.normal(0, 1, (24, 3)).astype("float32")
    y = (np.tanh(x @ np.array([[1.0], [-2.0], [0.5]])) + 0.1 * x[:, :1]).astype("float32")
    x_val = rng.normal(0, 1, (8, 3)).astype("float32")
    y_val = np.tanh(x_val @ np.array([[1.0], [-2.0], [0.5]])).astype("float32")
    return x, y, x_val, y_val


def start_weights():
    rng = np.random.RandomState(1)
    return [rng.uniform(-0.5, 0.5, shape).astype("float32")
            for shape in [(3, 4), (4,), (4, 1), (1,)]]


def make_model(keras, use_ema=True):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"),
                              keras.layers.Dense(1)])
    model.set_weights(start_weights())
    model.compile(keras.optimizers.SGD(0.1, use_ema=use_ema, ema_momentum=0.8), "mse")
    return model


def make_recorder(keras):
    """A callback keeping the model's weights as each hook sees them."""

    class Recorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seen = []

        def _record(self, hook):
            self.seen.append([hook, [np.array(w) for w in self.model.get_weights()]])

        def on_test_begin(self, logs=None):
            self._record("test_begin")

        def on_epoch_end(self, epoch, logs=None):
            self._record("epoch_end")

        def on_predict_begin(self, logs=None):
            self._record("predict_begin")

    return Recorder()


def averages(model):
    return [np.array(v) for v in model.optimizer._model_variables_moving_average]


def store(arrays, prefix, name, weights):
    for index, weight in enumerate(weights):
        arrays[f"{prefix}/{name}/{index}"] = weight


def record_fit(keras, arrays, prefix, swap_on_epoch):
    x, y, x_val, y_val = data()
    model, recorder = make_model(keras), make_recorder(keras)
    history = model.fit(x, y, batch_size=8, epochs=EPOCHS, shuffle=False, verbose=0,
                        validation_data=(x_val, y_val),
                        callbacks=[keras.callbacks.SwapEMAWeights(swap_on_epoch), recorder])
    for index, (hook, weights) in enumerate(recorder.seen):
        store(arrays, prefix, f"seen{index}", weights)
    store(arrays, prefix, "final", model.get_weights())
    store(arrays, prefix, "averages", averages(model))
    return model, {"hooks": [hook for hook, _ in recorder.seen],
                   "history": {k: [float(v) for v in vs] for k, vs in history.history.items()}}


def record_after(keras, model, arrays, prefix, run):
    """One `train_on_batch`, then `run(model, callbacks)`: the weights before, seen, after."""
    x, y, x_val, _ = data()
    model.train_on_batch(x[:8], y[:8])
    store(arrays, prefix, "before", model.get_weights())
    store(arrays, prefix, "averages", averages(model))
    recorder = make_recorder(keras)
    result = run(model, [keras.callbacks.SwapEMAWeights(), recorder])
    store(arrays, prefix, "seen", recorder.seen[0][1])
    store(arrays, prefix, "after", model.get_weights())
    return result


def errors(keras):
    x, y, _, _ = data()
    found = {}
    for name, use_ema, train in [("no_ema", False, True), ("not_built", True, False)]:
        model = make_model(keras, use_ema=use_ema)
        if train:
            model.fit(x, y, batch_size=8, verbose=0)
        try:
            model.evaluate(x, y, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights()])
        except Exception as error:  # noqa: BLE001 (recording whatever Keras raises)
            found[name] = [type(error).__name__, str(error)]
        else:
            found[name] = None
    return found


def main():
    warnings.simplefilter("ignore")
    import keras

    arrays = {}
    cases = {}
    model, cases["validation"] = record_fit(keras, arrays, "validation", False)
    cases["evaluate"] = {"loss": float(record_after(
        keras, model, arrays, "evaluate",
        lambda m, callbacks: m.evaluate(*data()[2:], verbose=0, callbacks=callbacks)))}
    model, cases["swap_on_epoch"] = record_fit(keras, arrays, "swap_on_epoch", True)
    arrays["predict/outputs"] = record_after(
        keras, model, arrays, "predict",
        lambda m, callbacks: m.predict(data()[2], verbose=0, callbacks=callbacks))
    x, y, x_val, y_val = data()
    for name, value in [("x", x), ("y", y), ("x_val", x_val), ("y_val", y_val)]:
        arrays[f"data/{name}"] = value
    store(arrays, "start", "weights", start_weights())
    out = {"keras_version": keras.__version__, "backend": keras.backend.backend(),
           "epochs": EPOCHS, "cases": cases, "errors": errors(keras)}
    with open(os.path.join(OUT, "swap_ema.json"), "w") as f:
        json.dump(out, f, indent=1)
    np.savez_compressed(os.path.join(OUT, "swap_ema.npz"), **arrays)


if __name__ == "__main__":
    main()
