"""Record what Keras 3 prints: progress bars, `summary()` tables and callback behaviour.

Run under the oracle:  /tmp/oracle/bin/python compat/make_text_outputs.py
Writes compat/data/text_outputs.json with three lists of cases, each holding its inputs (so the
tests can replay them on minikeras without Keras) and what Keras 3 produced:

* "progbar": a scripted sequence of `Progbar.update/add` calls at given fake-clock times, and
  the exact stdout text.
* "summary": a description of a model (layer names, classes, shapes, parameter counts, the
  shapes and dtypes of its weights and optimizer variables), the `summary()` arguments, the
  environment (COLUMNS, TERM, whether stdout is a terminal) and the exact text.
* "callbacks": a callback, a scripted training run (epochs of batch logs, epoch logs,
  validation), driven through `CallbackList` against a stub model, and what came out: stdout,
  warnings, errors, stop_training, saved paths, restored weights, learning rates, history, CSV
  bytes. Time comes from a fake clock, so progress bars are deterministic too.

The summary cases run in a child process whose stdin/stdout/stderr are not terminals, so that
rich's console width does not depend on the terminal this script is started from.
"""

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data", "text_outputs.json")
# The scripted runs themselves are shared with the tests, which replay them on minikeras.
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
from text_scripts import SCHEDULES, FakeClock, drive, replay_progbar  # noqa: E402


# ----------------------------------------------------------------------------------------------
# Progbar


def progbar_cases():
    """Each case: Progbar kwargs, start time, and calls `[op, time, step, values, finalize]`
    (op "update" takes `current`, op "add" takes `n`)."""

    def steps(times, values_at, target=None, finalize_last=None):
        calls = []
        for i, t in enumerate(times, start=1):
            finalize = finalize_last if (finalize_last is not None and i == len(times)) else None
            calls.append(["update", t, i, values_at(i), finalize])
        return calls

    losses = lambda i: [["loss", 2.5 / i], ["accuracy", 0.1 * i]]  # noqa: E731
    cases = [
        # 10 steps, 30 ms apart: half the redraws are throttled (interval 50 ms).
        dict(name="throttled_average", kwargs=dict(target=10), start=100.0,
             calls=steps([100.0 + 0.03 * i for i in range(1, 11)], losses)),
        # The first step is slow (it is left out of the per-step estimate); 3-digit target.
        dict(name="slow_first_step", kwargs=dict(target=120), start=0.0,
             calls=[["update", 5.0, 1, [["loss", 1.0]], None]]
             + [["update", 5.0 + 0.2 * i, 1 + 10 * i, [["loss", 1.0 / (1 + i)]], None]
                for i in range(1, 12)]
             + [["update", 7.5, 120, [["loss", 0.05]], None]]),
        dict(name="stateful_metric", kwargs=dict(target=4, stateful_metrics=["acc"]), start=0.0,
             calls=steps([1.0, 2.0, 3.0, 4.0], lambda i: [["acc", 0.25 * i], ["loss", 4.0 - i]])),
        # Keras' ProgbarLogger: every metric shown as given; tiny, zero and negative values.
        dict(name="stateless_empty_small_values", kwargs=dict(target=3, stateless_metrics=[]),
             start=0.0,
             calls=steps([0.5, 1.0, 1.5],
                         lambda i: [["a", 1e-5 * i], ["b", 0.0], ["c", -0.5], ["d", -1e-4],
                                    ["e", 12345.678]])),
        # The averaging weight is the number of steps since the last update.
        dict(name="skipped_steps_weighting", kwargs=dict(target=20), start=0.0,
             calls=[["update", 1.0, 2, [["loss", 1.0]], None],
                    ["update", 2.0, 10, [["loss", 3.0]], None],
                    ["update", 3.0, 11, [["loss", 5.0], ["mae", 2]], None],
                    ["update", 4.0, 20, [["loss", 7.0], ["mae", 4]], None]]),
        dict(name="unknown_target", kwargs=dict(target=None), start=0.0,
             calls=steps([0.1, 0.2, 0.3, 0.4], lambda i: [["loss", 1.0 / i]], finalize_last=True)),
        dict(name="zero_target", kwargs=dict(target=0), start=0.0,
             calls=[["update", 0.2, 0, [["loss", 1.0]], None], ["update", 0.4, 1, None, True]]),
        dict(name="verbose2", kwargs=dict(target=3, verbose=2), start=10.0,
             calls=steps([10.4, 10.8, 11.2], lambda i: [["loss", 0.5], ["neg", -0.25]])),
        dict(name="verbose2_unknown_target", kwargs=dict(target=None, verbose=2), start=0.0,
             calls=steps([0.1, 0.2], lambda i: [["loss", 0.5]], finalize_last=True)),
        dict(name="verbose0", kwargs=dict(target=2, verbose=0), start=0.0,
             calls=steps([0.1, 0.2], lambda i: [["loss", 0.5]])),
        dict(name="add", kwargs=dict(target=9, unit_name="sample"), start=0.0,
             calls=[["add", 0.1 * k, 3, [["loss", float(k)]], None] for k in (1, 2, 3)]),
        # ETAs over an hour and over a minute, then a shorter line that must be padded.
        dict(name="long_eta_and_padding", kwargs=dict(target=100), start=0.0,
             calls=[["update", 100.0, 1, [["loss", 1.0]], None],
                    ["update", 150.0, 2, [["loss", 1.0]], None],
                    ["update", 152.0, 50, [["loss", 1.0]], None],
                    ["update", 152.5, 99, None, None],
                    ["update", 152.6, 100, None, None]]),
        dict(name="microseconds", kwargs=dict(target=1000, interval=0.0), start=0.0,
             calls=[["update", 0.0004, 1, None, None], ["update", 0.0008, 500, None, None],
                    ["update", 0.0012, 1000, None, None]]),
        dict(name="width_10_explicit_finalize", kwargs=dict(target=5, width=10), start=0.0,
             calls=[["update", 1.0, 2, [["x", 3]], None], ["update", 2.0, 3, [["x", 5]], True]]),
    ]
    return cases


def run_progbar_case(case, progbar_module):
    clock = FakeClock()
    progbar_module.time = clock  # the module reads time.time()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        replay_progbar(progbar_module.Progbar, case, clock)
    return out.getvalue()


# ----------------------------------------------------------------------------------------------
# summary()


SUMMARY_CASES = [
    # name, model, summary kwargs, environment, stdout is a terminal, pass a print_fn
    ("seed_default", "seed", {}, {}, False, True),
    ("seed_stdout", "seed", {}, {}, False, False),
    ("seed_line_length_100_cropped", "seed", {"line_length": 100}, {}, False, True),
    ("seed_columns_120", "seed", {}, {"COLUMNS": "120"}, False, True),
    ("seed_columns_60", "seed", {}, {"COLUMNS": "60"}, False, True),
    ("seed_positions", "seed", {"positions": [0.3, 0.6, 1.0], "line_length": 70}, {}, False,
     True),
    ("seed_positions_short", "seed", {"positions": [0.3, 0.5, 0.7]}, {}, False, True),
    ("long_names", "long_names", {}, {}, False, True),
    ("long_names_narrow", "long_names", {"line_length": 50}, {}, False, True),
    ("long_names_wide", "long_names", {"line_length": 120}, {"COLUMNS": "200"}, False, True),
    ("unbuilt", "unbuilt", {}, {}, False, True),
    ("called_on_data", "called_on_data", {}, {}, False, True),
    ("empty", "empty", {}, {}, False, True),
    ("compiled_not_fitted", "compiled_only", {}, {}, False, True),
    ("fitted_adam", "fitted", {}, {}, False, True),
    ("fitted_adam_line_length_100", "fitted", {"line_length": 100}, {"COLUMNS": "120"}, False,
     True),
    ("fitted_sgd", "fitted_sgd", {}, {}, False, True),
    ("nested", "nested", {}, {}, False, True),
    ("nested_expanded", "nested", {"expand_nested": True}, {}, False, True),
    ("nested_trainable", "nested", {"show_trainable": True}, {"COLUMNS": "130"}, False, True),
    ("nested_trainable_default_width", "nested", {"show_trainable": True}, {}, False, True),
    ("layer_range", "nested", {"layer_range": ["drop", "inner"]}, {}, False, True),
    ("tty_seed_256", "seed", {}, {"COLUMNS": "100", "TERM": "xterm-256color"}, True, False),
    ("tty_nested_trainable_256", "nested", {"show_trainable": True, "expand_nested": True},
     {"COLUMNS": "120", "TERM": "xterm-256color"}, True, False),
    ("tty_long_names_16", "long_names", {}, {"TERM": "xterm"}, True, False),
    ("tty_long_names_narrow_truecolor", "long_names", {"line_length": 50},
     {"TERM": "xterm", "COLORTERM": "truecolor"}, True, False),
    ("tty_nested_trainable_16", "nested", {"show_trainable": True}, {"TERM": "linux"}, True,
     False),
    ("tty_no_color", "nested", {"show_trainable": True},
     {"TERM": "xterm-256color", "NO_COLOR": "1"}, True, False),
    ("tty_dumb", "seed", {}, {"TERM": "dumb", "COLUMNS": "100"}, True, False),
    ("tty_with_print_fn", "seed", {}, {"TERM": "xterm-256color"}, True, True),
]


def build_model(kind):
    import keras
    from keras import layers

    def seed(name="seed"):
        return keras.Sequential(
            [keras.Input((10,)), layers.Dense(64, activation="relu"),
             layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax")],
            name=name,
        )

    def fitted(optimizer):
        model = seed("fitted")
        model.compile(optimizer, "sparse_categorical_crossentropy")
        model.fit(np.ones((8, 10), "float32"), np.zeros(8), epochs=1, verbose=0)
        return model

    if kind == "seed":
        return seed()
    if kind == "long_names":
        return keras.Sequential(
            [keras.Input((10,)),
             layers.Dense(64, name="a_very_long_dense_layer_name_exceeding_the_cell_width"),
             layers.BatchNormalization(name="batch_normalization"),
             layers.Dense(5000, name="x y z with spaces in name"),
             layers.Reshape((5, 1000), name="r"),
             layers.Dense(3, name="ab" * 20),
             layers.Flatten(name="flatten")],
            name="my model with a long name " * 4,
        )
    if kind == "unbuilt":
        return keras.Sequential([layers.Dense(4, name="d1"), layers.Dense(2, name="d2")],
                                name="unbuilt")
    if kind == "called_on_data":
        model = keras.Sequential([layers.Dense(4, name="d")], name="called")
        model(np.ones((3, 5), "float32"))
        return model
    if kind == "empty":
        return keras.Sequential(name="empty")
    if kind == "compiled_only":
        model = seed("compiled")
        model.compile("adam", "mse")
        return model
    if kind in ("fitted", "fitted_sgd"):
        return fitted("adam" if kind == "fitted" else "sgd")
    if kind == "nested":
        inner = keras.Sequential([layers.Dense(3, name="inner_a"), layers.Dense(2, name="inner_b")],
                                 name="inner")
        frozen = layers.Dense(5, name="frozen")
        frozen.trainable = False
        return keras.Sequential(
            [keras.Input((8,)), frozen, layers.Dropout(0.5, name="drop"), inner,
             layers.Dense(1, name="head")],
            name="outer",
        )
    raise KeyError(kind)


def summary_worker(names):
    """Child process: print the summaries of the cases `names`, describe the models."""
    models = {}
    results = []
    for name, kind, kwargs, env, tty, use_print_fn in SUMMARY_CASES:
        if name not in names:
            continue
        if kind not in models:
            models[kind] = build_model(kind)
        model = models[kind]
        results.append(dict(name=name, model=describe_model(model), kwargs=kwargs, env=env,
                            tty=tty, print_fn=use_print_fn,
                            output=run_summary(model, kwargs, env, tty, use_print_fn)))
    errors = []
    if "errors" in names:
        model = build_model("nested")
        for kwargs in ({"layer_range": ["nope", "head"]}, {"layer_range": ["a"]},
                       {"layer_range": [1, 2]}, {"line_length": 10}):
            try:
                model.summary(print_fn=lambda s: None, **kwargs)
            except ValueError as e:
                errors.append(dict(kwargs=kwargs, error=str(e)))
    return dict(cases=results, errors=errors)


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def run_summary(model, kwargs, env, tty, use_print_fn):
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        received = []
        with contextlib.redirect_stdout(FakeTTY() if tty else io.StringIO()) as out:
            if use_print_fn:
                model.summary(print_fn=received.append, **kwargs)
            else:
                model.summary(**kwargs)
        assert len(received) <= 1  # Keras 3 passes the whole table in one call
        return received[0] if use_print_fn else out.getvalue()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def describe_model(model):
    """What minikeras' summary reads from a model, taken off the Keras model."""

    def variables(vs):
        return [[list(v.shape), str(v.dtype)] for v in vs]

    def layer_shape(layer):
        try:
            return list(layer.output.shape)
        except (AttributeError, ValueError):
            return None

    def describe_layer(layer):
        info = dict(name=layer.name, cls=type(layer).__name__, built=layer.built,
                    params=layer.count_params() if layer.built else None,
                    n_weights=len(layer.weights), trainable=layer.trainable)
        if hasattr(layer, "layers"):
            info["layers"] = [describe_layer(inner) for inner in layer.layers]
            info["shapes"] = [layer_shape(inner) for inner in layer.layers]
        return info

    optimizer = getattr(model, "optimizer", None)
    return dict(
        name=model.name,
        layers=[describe_layer(layer) for layer in model.layers],
        shapes=[layer_shape(layer) for layer in model.layers],
        trainable=variables(model.trainable_weights),
        non_trainable=variables(model.non_trainable_weights),
        optimizer=variables(optimizer.variables) if optimizer is not None and optimizer.built
        else None,
    )


def summary_cases():
    """Run the summaries in child processes: one for all the plain-text cases, one per
    terminal case, because rich caches each style's ANSI codes for the colour system of the
    first terminal it meets, for the rest of the process."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLUMNS", "LINES", "COLORTERM", "NO_COLOR", "FORCE_COLOR",
                        "TTY_COMPATIBLE", "TERM")}
    plain = [case[0] for case in SUMMARY_CASES if not case[4]] + ["errors"]
    batches = [plain] + [[case[0]] for case in SUMMARY_CASES if case[4]]
    merged = dict(cases=[], errors=[])
    for names in batches:
        with tempfile.NamedTemporaryFile(suffix=".json") as tmp:
            subprocess.run([sys.executable, __file__, "--summary-worker", tmp.name, *names],
                           env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, check=True)
            with open(tmp.name) as f:
                result = json.load(f)
        merged["cases"] += result["cases"]
        merged["errors"] += result["errors"]
    order = [case[0] for case in SUMMARY_CASES]
    merged["cases"].sort(key=lambda case: order.index(case["name"]))
    return merged


# ----------------------------------------------------------------------------------------------
# Callbacks


def fit_epochs(losses, val_losses=None, batches=2, accuracy=None):
    """Scripted epochs: batch logs that drift toward the epoch loss, then the epoch logs."""
    epochs = []
    for i, loss in enumerate(losses):
        logs = {"loss": loss}
        if accuracy is not None:
            logs["accuracy"] = accuracy[i]
        batch_logs = [dict(logs, loss=loss + 0.1 * (batches - b)) for b in range(batches)]
        epoch = dict(batches=batch_logs, logs=logs)
        if val_losses is not None:
            epoch["val_logs"] = {"loss": val_losses[i]}
            if accuracy is not None:
                epoch["val_logs"]["accuracy"] = accuracy[i] / 2
            epoch["val_batches"] = 1
        epochs.append(epoch)
    return epochs


def callback_cases():
    """Each case: a callback name and kwargs, `params` for CallbackList, a scripted run
    (`mode` fit / evaluate / predict), and the seconds the fake clock moves per hook call."""
    losses = [1.0, 0.8, 0.85, 0.9, 0.7, 0.95, 0.99]
    val = [1.2, 0.9, 0.91, 0.95, 0.97, 0.99, 0.5]
    c = []

    def add(name, callback, kwargs, epochs=None, params=None, **extra):
        params = params or {}
        params.setdefault("verbose", 0)
        params.setdefault("epochs", len(epochs or []) or 1)
        params.setdefault("steps", len(epochs[0]["batches"]) if epochs else 2)
        c.append(dict(name=name, callback=callback, kwargs=kwargs, params=params,
                      epochs=epochs, **extra))

    # History alone (the list always adds one), keys sorted by CallbackList.
    add("history_only", None, {}, fit_epochs(losses[:3], val[:3], accuracy=[0.1, 0.2, 0.3]))
    add("history_initial_epoch", None, {}, fit_epochs(losses[:2]), initial_epoch=3)
    # EarlyStopping.
    for kwargs in [
        dict(patience=0, verbose=1),
        dict(patience=2, verbose=1, restore_best_weights=True),
        dict(monitor="loss", patience=1, restore_best_weights=True, verbose=1),
        dict(monitor="loss", patience=1, min_delta=0.3, verbose=1),
        dict(patience=10, restore_best_weights=True, verbose=1),
        dict(patience=1, baseline=0.5, verbose=1),
        dict(patience=1, start_from_epoch=3, verbose=1),
        dict(patience=1, mode="max", verbose=1),
        dict(patience=1, mode="nonsense", verbose=1),
        dict(monitor="val_missing", patience=1, mode="min"),
        dict(monitor="val_missing", patience=1),
        dict(monitor="accuracy", patience=1),
    ]:
        label = "_".join(f"{k}={v}" for k, v in kwargs.items())
        add(f"early_stopping_{label}", "EarlyStopping", kwargs,
            fit_epochs(losses, val, accuracy=[0.1, 0.2, 0.2, 0.3, 0.1, 0.4, 0.5]))
    # ModelCheckpoint.
    for kwargs in [
        dict(filepath="ckpt/m-{epoch:02d}-{loss:.2f}.keras", verbose=1),
        dict(filepath="ckpt/best.keras", save_best_only=True, verbose=1),
        dict(filepath="ckpt/best.weights.h5", save_best_only=True, save_weights_only=True,
             monitor="loss", mode="min", verbose=1),
        dict(filepath="ckpt/best.keras", save_best_only=True, initial_value_threshold=0.95,
             verbose=1),
        dict(filepath="ckpt/best.keras", save_best_only=True, monitor="val_nope", verbose=1,
             mode="min"),
        dict(filepath="ckpt/best.keras", save_best_only=True, monitor="val_nope", verbose=1),
        dict(filepath="legacy.h5", verbose=0),
        dict(filepath="ckpt/b{epoch}-{batch:03d}.keras", save_freq=3, verbose=1),
        dict(filepath="ckpt/{epoch:04d}.weights.h5", save_weights_only=True),
    ]:
        label = "_".join(f"{k}={v}" for k, v in kwargs.items())
        add(f"checkpoint_{label}", "ModelCheckpoint", kwargs, fit_epochs(losses[:4], val[:4]))
    for kwargs in [dict(filepath="noext"), dict(filepath="m.keras", save_weights_only=True),
                   dict(filepath="m.h5", save_weights_only=True), dict(filepath="m.keras",
                                                                       save_freq="batch"),
                   dict(filepath="m-{nope}.keras")]:
        label = "_".join(f"{k}={v}" for k, v in kwargs.items())
        add(f"checkpoint_error_{label}", "ModelCheckpoint", kwargs, fit_epochs(losses[:1], val[:1]))
    # ReduceLROnPlateau.
    for kwargs in [
        dict(patience=1, factor=0.5, verbose=1),
        dict(monitor="loss", patience=0, factor=0.1, min_lr=2e-5, cooldown=1, verbose=1),
        dict(patience=2, factor=0.2, min_delta=0.05, verbose=1),
        dict(monitor="val_nope", patience=0, mode="min"),
        dict(factor=1.0),
    ]:
        label = "_".join(f"{k}={v}" for k, v in kwargs.items())
        add(f"reduce_lr_{label}", "ReduceLROnPlateau", kwargs, fit_epochs(losses, val))
    # LearningRateScheduler (schedules by name, see SCHEDULES).
    for schedule in SCHEDULES:
        add(f"scheduler_{schedule}", "LearningRateScheduler",
            dict(schedule=schedule, verbose=1), fit_epochs(losses[:3]))
    # CSVLogger: with and without validation, a custom separator, appending, a missing key.
    add("csv_with_val", "CSVLogger", dict(filename="log.csv"),
        fit_epochs(losses[:3], val[:3], accuracy=[0.1, 0.2, 1 / 3]))
    add("csv_no_val_semicolon", "CSVLogger", dict(filename="log.csv", separator=";"),
        fit_epochs(losses[:2]))
    epochs = fit_epochs(losses[:3], accuracy=[0.5, 0.25, 0.125])
    del epochs[2]["logs"]["accuracy"]
    add("csv_missing_key_and_list", "CSVLogger", dict(filename="log.csv"), epochs,
        extra_epoch_logs={"vector": [1.5, 2.0]})
    add("csv_append", "CSVLogger", dict(filename="log.csv", append=True), fit_epochs(losses[:2]),
        runs=2)
    # TerminateOnNaN.
    nan_epochs = fit_epochs(losses[:3], batches=3)
    nan_epochs[1]["batches"][1]["loss"] = float("nan")
    add("terminate_on_nan", "TerminateOnNaN", {}, nan_epochs)
    inf_epochs = fit_epochs(losses[:2], batches=2)
    inf_epochs[0]["batches"][1]["loss"] = float("inf")
    add("terminate_on_inf_raise", "TerminateOnNaN", dict(raise_error=True), inf_epochs)
    # ProgbarLogger: the bar of fit / evaluate / predict, with time from the fake clock.
    add("progbar_fit_verbose1", "ProgbarLogger", {}, fit_epochs(losses[:2], val[:2], batches=4,
                                                                accuracy=[0.25, 0.5]),
        params=dict(verbose=1), tick=0.02)
    add("progbar_fit_single_epoch", "ProgbarLogger", {}, fit_epochs(losses[:1], batches=3),
        params=dict(verbose=1), tick=0.5)
    add("progbar_fit_verbose2", "ProgbarLogger", {}, fit_epochs(losses[:3], val[:3], batches=3,
                                                                accuracy=[0.25, 0.5, 0.75]),
        params=dict(verbose=2), tick=0.1)
    add("progbar_fit_auto_unknown_steps", "ProgbarLogger", {}, fit_epochs(losses[:2], batches=3),
        params=dict(verbose="auto", steps=None), tick=0.3)
    add("progbar_evaluate", "ProgbarLogger", {}, mode="evaluate", batches=5,
        final_logs={"loss": 0.5, "accuracy": 0.75}, params=dict(verbose=1, steps=5), tick=0.04)
    add("progbar_predict", "ProgbarLogger", {}, mode="predict", batches=3,
        params=dict(verbose=1, steps=3), tick=0.2)
    add("progbar_predict_verbose2", "ProgbarLogger", {}, mode="predict", batches=3,
        params=dict(verbose=2, steps=3), tick=0.2)
    # LambdaCallback and the Keras 2 batch aliases.
    add("lambda_callback", "LambdaCallback",
        dict(on_epoch_end="print_epoch", on_train_begin="print_begin", on_batch_end="print_batch"),
        fit_epochs(losses[:2]))
    return c


def run_callback_cases():
    import keras
    from keras.src.utils import progbar as progbar_module

    cases = callback_cases()
    start = os.getcwd()
    for case in cases:
        clock = FakeClock(1000.0)
        progbar_module.time = clock
        with tempfile.TemporaryDirectory() as workdir:
            os.chdir(workdir)
            try:
                case["result"] = drive(keras.callbacks, case, clock)
            finally:
                os.chdir(start)
    return cases


def main():
    import keras
    from keras.src.utils import progbar as progbar_module

    progbars = progbar_cases()
    for case in progbars:
        case["output"] = run_progbar_case(case, progbar_module)
    data = dict(
        keras_version=keras.__version__,
        progbar=progbars,
        summary=summary_cases(),
        callbacks=run_callback_cases(),
    )
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, ensure_ascii=False, sort_keys=True)
        f.write("\n")
    print(f"wrote {OUT}: {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--summary-worker":
        with open(sys.argv[2], "w") as f:
            json.dump(summary_worker(set(sys.argv[3:])), f)
    else:
        main()
