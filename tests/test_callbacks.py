"""Callbacks driven through CallbackList against a stub model, compared with what Keras 3 did
on the same scripted runs (compat/make_text_outputs.py)."""

import json
import os
import types
from pathlib import Path

import numpy as np
import pytest
from text_scripts import FakeClock, StubModel, drive

from minikeras import callbacks as callbacks_module
from minikeras.callbacks import callback_list
from minikeras.utils import progbar

DATA = json.loads(
    (Path(__file__).parents[1] / "compat" / "data" / "text_outputs.json").read_text("utf-8")
)
CASES = DATA["callbacks"]


def _canonical(record):
    # JSON text compares NaN losses equal and lists/tuples alike.
    return json.dumps(record, sort_keys=True, indent=1)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_callback_run_matches_keras(case, tmp_path, monkeypatch):
    """Stdout, warnings, errors, stopping epoch, restored weights, saves, learning rates,
    history and CSV bytes of a scripted run, all as Keras 3 produced them."""
    monkeypatch.chdir(tmp_path)
    clock = FakeClock(1000.0)
    monkeypatch.setattr(progbar, "clock", clock)
    assert _canonical(drive(callbacks_module, case, clock)) == _canonical(case["result"])


# ----------------------------------------------------------------------------------------------
# Behaviour the recorded runs cannot show


class Recorder(callbacks_module.Callback):
    def __init__(self):
        super().__init__()
        self.seen = []

    def on_batch_end(self, batch, logs=None):  # Keras 2 name, reached through the new one
        self.seen.append((batch, logs))


def test_keras2_batch_alias_and_sorted_float_logs():
    recorder = Recorder()
    callbacks = callbacks_module.CallbackList([recorder], model=types.SimpleNamespace())
    callbacks.on_train_begin()
    callbacks.on_train_batch_end(3, {"z": np.float32(0.5), "a": np.array(2.0), "m": {"b": 1}})
    assert recorder.seen == [(3, {"a": 2.0, "b": 1.0, "z": 0.5})]
    assert all(type(v) is float for v in recorder.seen[0][1].values())


def test_hooks_nobody_implements_cost_no_log_conversion(monkeypatch):
    callbacks = callbacks_module.CallbackList(
        [callbacks_module.Callback(), callbacks_module.History()], model=types.SimpleNamespace()
    )
    callbacks.on_train_begin()
    monkeypatch.setattr(callback_list, "_pythonify", lambda logs: pytest.fail("converted"))
    for batch in range(3):
        callbacks.on_train_batch_begin(batch)
        callbacks.on_train_batch_end(batch, {"loss": 1.0})


def test_callback_list_adds_history_and_progbar_once_and_flattens():
    history = callbacks_module.History()
    model = types.SimpleNamespace()
    callbacks = callbacks_module.CallbackList(
        [[history], (callbacks_module.Callback(),)], add_history=True, add_progbar=True,
        model=model, verbose=1, epochs=2, steps=3,
    )
    kinds = [type(c).__name__ for c in callbacks.callbacks]
    assert kinds == ["History", "Callback", "ProgbarLogger"]
    assert model.history is history
    assert all(c.model is model and c.params == dict(verbose=1, epochs=2, steps=3)
               for c in callbacks.callbacks)


def test_lambda_callback_accepts_keras2_hook_names():
    seen = []
    callback = callbacks_module.LambdaCallback(on_batch_end=lambda b, logs: seen.append(b))
    callbacks = callbacks_module.CallbackList([callback], model=types.SimpleNamespace())
    callbacks.on_train_begin()
    callbacks.on_train_batch_end(0, {})
    callbacks.on_train_batch_end(1, {})
    assert seen == [0, 1]


@pytest.mark.parametrize("direction, values, stop_epoch", [
    ("up", [0.5, 0.6, 0.55, 0.5], 2),    # accuracy-like: higher is better
    ("down", [0.5, 0.6, 0.55, 0.5], 1),  # error-like: lower is better
])
def test_auto_mode_reads_the_metric_direction(direction, values, stop_epoch):
    metric = types.SimpleNamespace(name="acc", _direction=direction)
    model = StubModel()
    model.metrics = [types.SimpleNamespace(name="compile_metrics", metrics=[metric])]
    stopper = callbacks_module.EarlyStopping(monitor="val_acc", patience=1)
    callbacks = callbacks_module.CallbackList([stopper], model=model)
    callbacks.on_train_begin()
    for epoch, value in enumerate(values):
        callbacks.on_epoch_end(epoch, {"val_acc": value})
        if model.stop_training:
            break
    assert stopper.stopped_epoch == stop_epoch


def test_checkpoint_into_a_directory_raises_keras_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkdir("taken.keras")
    model = StubModel()

    def save(filepath, overwrite=True):
        raise IsADirectoryError(filepath)

    model.save = save
    checkpoint = callbacks_module.ModelCheckpoint("taken.keras")
    checkpoint.set_model(model)
    with pytest.raises(OSError, match="Please specify a non-directory filepath for "
                                      "ModelCheckpoint. Filepath used is an existing directory: "
                                      "taken.keras"):
        checkpoint.on_epoch_end(0, {"val_loss": 1.0})
