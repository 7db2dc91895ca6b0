"""Saves killed with SIGKILL at a random moment (no pytest in this module).

`kill_trial(directory, kind, delay)` forks a child that saves one target again and again (or
trains with a `ModelCheckpoint` saving at every batch) and kills it with SIGKILL after `delay`
seconds, then reads what the target holds. Every save stores one number in every weight (the
save's count), so a file mixing two saves is caught as well as one that does not load.

Used by tests/test_saving_faults.py (a few trials per kind) and bench/fault_saves.py (hundreds).
"""

import os
import pathlib
import signal
import time
import warnings

import numpy as np

# kind -> the file the child writes
KINDS = {"keras": "m.keras", "h5": "m.h5", "weights.h5": "w.weights.h5",
         "legacy_weights.h5": "w.h5", "checkpoint": "ckpt.keras"}


def small_model():
    """A compiled model whose files take a few milliseconds to write (about 1 MB)."""
    import minikeras as mk

    model = mk.Sequential([mk.Input((32,)), mk.layers.Dense(256, activation="relu"),
                           mk.layers.Dense(256, activation="relu"), mk.layers.Dense(4)])
    model.compile(optimizer="adam", loss="mse")
    model.train_on_batch(np.zeros((2, 32), "float32"), np.zeros((2, 4), "float32"))
    return model


def save(model, path):
    if path.name.startswith("w."):
        model.save_weights(path)
    else:
        model.save(path)


def _child(path, kind):
    import minikeras as mk

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = small_model()
        if kind == "checkpoint":
            x, y = np.ones((64, 32), "float32"), np.ones((64, 4), "float32")
            model.fit(x, y, batch_size=2, epochs=10 ** 6, verbose=0,
                      callbacks=[mk.callbacks.ModelCheckpoint(str(path), save_freq=1)])
        for count in range(1, 10 ** 6):
            for weight in model.weights:
                weight.value[...] = count
            save(model, path)


def kill_trial(directory, kind, delay, template):
    """`(state, leftover temporaries)` after killing a saving child after `delay` seconds.

    `state` is "absent" (killed before its first save completed), "whole" (the target loads,
    and holds one save entirely) or "torn: ..." (it does not load, or mixes saves).
    `template` is a model of `small_model`'s architecture to load weights files into.
    """
    path = pathlib.Path(directory) / KINDS[kind]
    pid = os.fork()
    if pid == 0:
        try:
            _child(path, kind)
        finally:
            os._exit(0)
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    leftovers = [name for name in os.listdir(directory) if name.endswith(".tmp")]
    return _state(path, kind, template), leftovers


def _state(path, kind, template):
    import minikeras as mk

    if not path.exists():
        return "absent"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if path.name.startswith("w."):
                template.load_weights(path)
                model = template
            else:
                model = mk.models.load_model(path)
        except (ValueError, OSError) as error:
            return f"torn: {error}"
    values = {float(v) for weight in model.weights for v in np.unique(weight.value)}
    if kind != "checkpoint" and len(values) != 1:
        return f"torn: the weights hold {len(values)} different saves"
    return "whole"
