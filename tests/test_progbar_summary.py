"""Progbar and summary() output, byte for byte against Keras 3 (compat/make_text_outputs.py)."""

import io
import json
import os
import types
from pathlib import Path

import numpy as np
import pytest
from text_scripts import (
    FakeClock,
    TickingClock,
    predict_bar_model,
    predict_output,
    replay_progbar,
)

import minikeras as keras
from minikeras.utils import progbar, summary_utils

DATA = json.loads(
    (Path(__file__).parents[1] / "compat" / "data" / "text_outputs.json").read_text("utf-8")
)


PREDICT_BAR = json.loads(
    (Path(__file__).parents[1] / "compat" / "data" / "predict_bar.json").read_text("utf-8")
)


def _by_name(cases):
    return pytest.mark.parametrize("case", cases, ids=[c["name"] for c in cases])


# ----------------------------------------------------------------------------------------------
# Progbar


@_by_name(DATA["progbar"])
def test_progbar_bytes_match_keras(case, monkeypatch, capsys):
    clock = FakeClock()
    monkeypatch.setattr(progbar, "clock", clock)
    replay_progbar(progbar.Progbar, case, clock)
    assert capsys.readouterr().out == case["output"]


@pytest.mark.parametrize("case", PREDICT_BAR["cases"], ids=lambda c: "rows{rows}-verbose{verbose}-batch{batch_size}".format(**c))
def test_predict_prints_what_keras_prints(case, monkeypatch):
    """compat/make_predict_bar.py: Keras 3's bytes, with a clock moving at every read, so that
    one-batch predicts (which skip the batch loop) read the clock as often and as late."""
    import minikeras

    model = predict_bar_model(minikeras)
    monkeypatch.setattr(progbar, "clock", TickingClock(1000.0))
    output, shape = predict_output(model, case)
    assert shape == case["shape"]
    assert output == case["output"]


def test_progbar_rejects_both_metric_lists():
    with pytest.raises(ValueError, match="Only one of `stateful_metrics`"):
        progbar.Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])


def test_progbar_throttled_update_is_cheap(monkeypatch, capsys):
    """A throttled update does no formatting: it must not touch the output at all."""
    clock = FakeClock(0.0)
    monkeypatch.setattr(progbar, "clock", clock)
    bar = progbar.Progbar(1000)
    clock.now = 1.0
    bar.update(1, [("loss", 1.0)])
    capsys.readouterr()
    monkeypatch.setattr(progbar, "print_msg", lambda *a, **k: pytest.fail("drew while throttled"))
    for step in range(2, 100):
        clock.now = 1.0 + step * 1e-4
        bar.update(step, [("loss", 1.0)])


def test_print_msg_falls_back_when_the_bar_character_cannot_be_encoded(monkeypatch):
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    monkeypatch.setattr("sys.stdout", stream)
    progbar.print_msg("1/2 ━━ done")
    stream.flush()
    assert raw.getvalue() == b"1/2 == done\n"


# ----------------------------------------------------------------------------------------------
# summary()


class StubVariable:
    def __init__(self, shape, dtype):
        self.value = np.zeros(shape, dtype)


class StubLayer:
    """Enough of a layer for print_summary; its class is renamed to Keras' class name."""

    def __init__(self, info):
        self.name = info["name"]
        self.built = info["built"]
        self.trainable = info["trainable"]
        self.weights = [None] * info["n_weights"]
        self._params = info["params"]
        if "layers" in info:
            self.layers = [make_layer(inner) for inner in info["layers"]]
            self._shapes = [_shape(s) for s in info["shapes"]]

    def count_params(self):
        if not self.built:
            raise ValueError("unbuilt")
        return self._params

    def layer_output_shapes(self):
        return self._shapes


def make_layer(info):
    return type(info["cls"], (StubLayer,), {})(info)


def _shape(shape):
    return None if shape is None else tuple(shape)


def make_model(info):
    variables = lambda specs: [StubVariable(*spec) for spec in specs]  # noqa: E731
    model = types.SimpleNamespace(
        name=info["name"],
        layers=[make_layer(layer) for layer in info["layers"]],
        trainable_weights=variables(info["trainable"]),
        non_trainable_weights=variables(info["non_trainable"]),
    )
    model.layer_output_shapes = lambda: [_shape(s) for s in info["shapes"]]
    if info["optimizer"] is not None:
        model.optimizer = types.SimpleNamespace(built=True, variables=variables(info["optimizer"]))
    return model


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def console(monkeypatch):
    """A console like the one Keras' outputs were recorded on: no terminal on fds 0-2, no
    colour settings; each case then sets its own environment."""
    for name in ("COLUMNS", "LINES", "TERM", "COLORTERM", "NO_COLOR", "FORCE_COLOR",
                 "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)

    def no_terminal(*args):
        raise OSError("not a terminal")

    monkeypatch.setattr(os, "get_terminal_size", no_terminal)
    return monkeypatch


@_by_name(DATA["summary"]["cases"])
def test_summary_matches_keras(case, console):
    for name, value in case["env"].items():
        console.setenv(name, value)
    stdout = FakeTTY() if case["tty"] else io.StringIO()
    console.setattr("sys.stdout", stdout)
    model = make_model(case["model"])
    received = []
    if case["print_fn"]:
        summary_utils.print_summary(model, print_fn=received.append, **case["kwargs"])
        assert len(received) == 1  # the whole table in one call, as Keras 3 does
        assert received[0] == case["output"]
        assert stdout.getvalue() == ""
    else:
        summary_utils.print_summary(model, **case["kwargs"])
        assert stdout.getvalue() == case["output"]


@pytest.mark.parametrize("error", DATA["summary"]["errors"], ids=lambda e: str(e["kwargs"]))
def test_summary_errors_match_keras(error, console):
    nested = next(c for c in DATA["summary"]["cases"] if c["name"] == "nested")
    with pytest.raises(ValueError) as info:
        summary_utils.print_summary(make_model(nested["model"]), print_fn=print, **error["kwargs"])
    assert str(info.value) == error["error"]


@pytest.mark.parametrize(
    "size, text",
    [(0, "0.00 B"), (1023, "1023.00 B"), (1024, "1.00 KB"), (22056, "21.54 KB"),
     (5 * 1024**2, "5.00 MB"), (3 * 1024**3, "3.00 GB")],
)
def test_readable_memory_size(size, text):
    assert summary_utils._readable(size) == text


@pytest.mark.parametrize(
    "text, width, fold, lines",
    [
        ("abc def ghi", 7, False, ["abc def", "ghi"]),
        ("abc def ghi", 3, False, ["abc", "def", "ghi"]),
        ("abcdefghij xy", 4, True, ["abcd", "efgh", "ij ", "xy"]),
        ("abcdefghij xy", 4, False, ["abcdefghij", "xy"]),
        ("  lead x", 8, False, ["  lead x"]),
        ("", 5, False, [""]),
        ("a  b   c", 2, False, ["a ", "b ", "c"]),
        ("xy abcdefghij", 4, True, ["xy ", "abcd", "efgh", "ij"]),
    ],
)
def test_word_wrap_follows_rich(text, width, fold, lines):
    # Expected lines computed with rich's divide_line + Text.rstrip_end.
    assert [text[a:b] for a, b in summary_utils._split_lines(text, width, fold)] == lines


def test_disabled_interactive_logging_sends_bars_and_summary_to_the_log(capsys, caplog):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile("sgd", "mse")
    x = np.zeros((4, 3), "float32")
    keras.config.disable_interactive_logging()
    try:
        assert not keras.config.is_interactive_logging_enabled()
        with caplog.at_level("INFO", logger="minikeras"):
            model.fit(x, x[:, :2], epochs=1, verbose=2)
            model.summary()
    finally:
        keras.config.enable_interactive_logging()
    assert capsys.readouterr().out == ""
    logged = "".join(record.getMessage() for record in caplog.records)
    assert "1/1 - " in logged and 'Model: "sequential' in logged and "Trainable params: 8 " in logged
    model.fit(x, x[:, :2], epochs=1, verbose=2)
    assert "1/1 - " in capsys.readouterr().out


def test_clear_session_turns_interactive_logging_back_on():
    keras.config.disable_interactive_logging()
    keras.backend.clear_session(free_memory=False)
    assert keras.config.is_interactive_logging_enabled()
