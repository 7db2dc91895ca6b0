"""Bad arguments to fit/evaluate/predict, compile, Input and Dense, against Keras 3
(compat/data/bad_arguments.json, cases in tests/bad_argument_cases.py)."""

import json
import pathlib
import tracemalloc

import numpy as np
import pytest

import minikeras
from bad_argument_cases import CASES, play

REFERENCE = json.loads(
    (pathlib.Path(__file__).parents[1] / "compat" / "data" / "bad_arguments.json").read_text()
)["cases"]


@pytest.mark.parametrize("name", CASES)
def test_bad_argument_as_keras(name):
    case, expected = CASES[name], REFERENCE[name]
    ours = play(minikeras, case)
    if case.same_as:  # a departure: Keras refuses, minikeras gives what Keras gives the array
        assert "error" in expected
        expected = REFERENCE[case.same_as]
    if "error" in expected:
        assert "error" in ours, f"Keras raised {expected['error']}; minikeras gave {ours}"
        assert ours["error"][0] == expected["error"][0], ours["error"]
        for phrase in case.says:
            assert phrase in ours["error"][1], ours["error"]
        return
    assert "error" not in ours, ours["error"]
    _assert_same(ours["result"], expected["result"])
    said = [line for line in ours["warnings"] if not case.warns or case.warns not in line]
    assert said == expected["warnings"]
    if case.warns:
        assert any(case.warns in line for line in ours["warnings"]), ours["warnings"]


def _assert_same(ours, expected):
    if isinstance(expected, dict):
        assert sorted(ours) == sorted(expected)
        for key in expected:
            _assert_same(ours[key], expected[key])
    elif isinstance(expected, list) and expected and not isinstance(expected[0], (int, str)):
        np.testing.assert_allclose(np.asarray(ours, float), np.asarray(expected, float), rtol=2e-6)
    else:
        assert ours == expected


def test_dense_on_no_features_is_its_bias():
    """`Input((0,))` is accepted, as in Keras; a Dense on it gives its bias (Keras on JAX does;
    on TensorFlow oneDNN aborts the process)."""
    net = minikeras.Sequential([minikeras.Input((0,)),
                                minikeras.layers.Dense(2, bias_initializer="ones")])
    np.testing.assert_array_equal(net.predict(np.zeros((3, 0)), verbose=0), np.ones((3, 2)))


@pytest.mark.parametrize("rows, outputs, verbose", [(400_000, 1, 0), (100_000, 16, 1)])
def test_predict_keeps_the_output_and_a_few_batches(rows, outputs, verbose):
    """predict on arrays writes each batch into the output: its peak is the output plus a few
    batches' activations, quietly (two threads taking turns on batches, where BLAS may use two)
    and with a progress bar (bench/bench_predict_memory.py measures 10 million rows)."""
    features, width, batch = 8, 256, 256
    net = minikeras.Sequential([minikeras.Input((features,)),
                                minikeras.layers.Dense(width, activation="relu"),
                                minikeras.layers.Dense(outputs)])
    x = np.random.default_rng(0).random((rows, features), dtype=np.float32)
    expected = net.predict(x[-batch:], verbose=0)
    tracemalloc.start()
    result = net.predict(x, batch_size=batch, verbose=verbose)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # float32 sums in another order (BLAS blocks a 256-row product and a 400,000-row one
    # differently): 1e-7 apart, more than rtol alone allows near 0.
    np.testing.assert_allclose(result[-batch:], expected, rtol=1e-5, atol=1e-6)
    output_bytes, batch_bytes = result.nbytes, batch * width * 4
    assert result.shape == (rows, outputs)
    assert peak < output_bytes + 8 * batch_bytes, (peak - output_bytes) / batch_bytes
