"""Scripted progress-bar and callback runs, shared by compat/make_text_outputs.py (which plays
them on Keras 3 and records the results) and the tests (which play them on minikeras).

Only numpy and the standard library: the same code must run under both.
"""

import contextlib
import io
import os
import warnings

import numpy as np


class FakeClock:
    """A clock the script moves by hand: callable like `time.time`, or as `.time()` when it
    stands in for the `time` module."""

    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now

    def time(self):
        return self.now


def replay_progbar(progbar_class, case, clock):
    """Create a Progbar from `case["kwargs"]` and apply `case["calls"]`, each
    `[op, time, step, values, finalize]` (op `"update"` takes `current`, `"add"` takes `n`)."""
    clock.now = case["start"]
    bar = progbar_class(**case["kwargs"])
    for op, t, arg, values, finalize in case["calls"]:
        clock.now = t
        values = [tuple(v) for v in values] if values is not None else None
        if op == "add":
            bar.add(arg, values)
        else:
            bar.update(arg, values, finalize=finalize)


class StubOptimizer:
    """`learning_rate` behaves like a Keras variable: stored as float32, read as a float."""

    def __init__(self, learning_rate=0.001):
        self.learning_rate = learning_rate

    @property
    def learning_rate(self):
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value):
        self._lr = float(np.float32(value))


class StubModel:
    """What callbacks touch on a model; saving and restoring are recorded in `calls`."""

    def __init__(self):
        self.stop_training = False
        self.optimizer = StubOptimizer()
        self.weights = [np.zeros(2, "float32")]
        self.calls = []

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]
        self.calls.append(["set_weights", [w.tolist() for w in weights]])

    def save(self, filepath, overwrite=True):
        self.calls.append(["save", filepath, overwrite])

    def save_weights(self, filepath, overwrite=True):
        self.calls.append(["save_weights", filepath, overwrite])


# Functions the cases name (JSON cannot hold functions).
SCHEDULES = {
    "halve": lambda epoch, lr: lr * 0.5,
    "by_epoch": lambda epoch: 0.1 / (epoch + 1),
    "numpy_float32": lambda epoch, lr: np.float32(0.01),
    "returns_int": lambda epoch, lr: 1,
}
LAMBDAS = {
    "print_epoch": lambda epoch, logs: print(f"epoch {epoch} {sorted(logs.items())}"),
    "print_begin": lambda logs: print(f"begin {logs}"),
    "print_batch": lambda batch, logs: print(f"batch {batch} {sorted(logs.items())}"),
}


def make_callback(callbacks_module, case):
    kwargs = dict(case["kwargs"])
    if case["callback"] == "LearningRateScheduler":
        kwargs["schedule"] = SCHEDULES[kwargs["schedule"]]
    if case["callback"] == "LambdaCallback":
        kwargs = {k: LAMBDAS[v] for k, v in kwargs.items()}
    return getattr(callbacks_module, case["callback"])(**kwargs)


def drive(callbacks_module, case, clock):
    """Run one case through `callbacks_module.CallbackList` as Keras' `fit` (or `evaluate`,
    `predict`) calls it, in the current directory, and return everything observable: stdout,
    warnings, the error raised, epochs run, learning rates, history, saves, files written.

    A fit case gives `epochs`: for each, the logs of its batches, the epoch logs and optionally
    validation logs; the stub model's weights are set to the epoch number at each epoch start.
    The clock moves by `case["tick"]` seconds before every hook call.
    """
    model = StubModel()
    record = dict(error=None, epochs_run=[], learning_rates=[], history=None, history_epoch=None,
                  files={})

    def tick():
        clock.now += case.get("tick", 0.01)

    def loop(callbacks, mode, batches, final_logs):
        mode = "test" if mode == "evaluate" else mode
        getattr(callbacks, f"on_{mode}_begin")()
        for b in range(batches):
            tick()
            getattr(callbacks, f"on_{mode}_batch_begin")(b)
            tick()
            logs = {"outputs": [[0.5]]} if mode == "predict" else dict(final_logs or {})
            getattr(callbacks, f"on_{mode}_batch_end")(b, logs)
        tick()
        getattr(callbacks, f"on_{mode}_end")(None if mode == "predict" else dict(final_logs))

    def fit(callbacks):
        model.stop_training = False
        callbacks.on_train_begin()
        logs = None
        for epoch, script in enumerate(case["epochs"], start=case.get("initial_epoch", 0)):
            model.weights = [np.full(2, epoch, "float32")]
            tick()
            callbacks.on_epoch_begin(epoch)
            record["learning_rates"].append(model.optimizer.learning_rate)
            for b, batch_logs in enumerate(script["batches"]):
                tick()
                callbacks.on_train_batch_begin(b)
                tick()
                callbacks.on_train_batch_end(b, dict(batch_logs))
                if model.stop_training:
                    break
            logs = dict(script["logs"], **case.get("extra_epoch_logs", {}))
            if "val_logs" in script:
                loop(callbacks, "test", script["val_batches"], script["val_logs"])
                logs.update({f"val_{k}": v for k, v in script["val_logs"].items()})
            tick()
            callbacks.on_epoch_end(epoch, logs)
            record["epochs_run"].append(epoch)
            if model.stop_training:
                break
        tick()
        callbacks.on_train_end(logs)
        record["history"] = model.history.history
        record["history_epoch"] = model.history.epoch

    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            for _ in range(case.get("runs", 1)):
                callback = make_callback(callbacks_module, case) if case["callback"] else None
                callbacks = callbacks_module.CallbackList(
                    [callback] if callback else None, add_history=case.get("mode") is None,
                    model=model, **case["params"])
                if case.get("mode"):
                    loop(callbacks, case["mode"], case["batches"], case.get("final_logs"))
                else:
                    fit(callbacks)
        except Exception as e:  # noqa: BLE001 - the error is part of the record
            record["error"] = [type(e).__name__, str(e)]
    record["stdout"] = out.getvalue()
    record["warnings"] = [[w.category.__name__, str(w.message)] for w in caught]
    record["stop_training"] = model.stop_training
    record["calls"] = model.calls
    record["final_learning_rate"] = model.optimizer.learning_rate
    record["final_weights"] = [w.tolist() for w in model.weights]
    record["dirs"] = sorted(name for name in os.listdir(".") if os.path.isdir(name))
    for name in sorted(os.listdir(".")):
        if os.path.isfile(name):
            with open(name, "rb") as f:
                record["files"][name] = f.read().decode("utf-8")
    return record


class TickingClock(FakeClock):
    """A clock that moves by `tick` seconds each time it is read, so that what a progress bar
    prints depends on how often and when it reads the time (as a real clock would)."""

    def __init__(self, now=0.0, tick=0.25):
        super().__init__(now)
        self.tick = tick

    def __call__(self):
        self.now += self.tick
        return self.now

    def time(self):
        return self()


# predict() runs whose printed output compat/make_predict_bar.py records under Keras 3.
PREDICT_BAR_CASES = [
    {"rows": rows, "verbose": verbose, "batch_size": batch_size}
    for rows, batch_size in ((1, None), (32, None), (5, 5), (70, None))
    for verbose in ("auto", 1, 2)
]


def predict_bar_model(keras):
    """The seed model of issue 17, built as both libraries build it."""
    return keras.Sequential([keras.Input((10,)), keras.layers.Dense(64, activation="relu"),
                             keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])


def predict_output(model, case):
    """What `model.predict` prints for one of PREDICT_BAR_CASES, and the output's shape."""
    x = np.random.default_rng(0).random((case["rows"], 10), dtype=np.float32)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        y = model.predict(x, batch_size=case["batch_size"], verbose=case["verbose"])
    return out.getvalue(), list(np.shape(y))
