"""keras.backend.result_type against Keras 3's own table (compat/make_result_type.py)."""

import builtins
import json
import pathlib

import pytest

from minikeras import backend

DATA = json.loads((pathlib.Path(__file__).parents[1] / "compat/data/result_type.json").read_text())
PYTHON = {"int": int, "float": float, "bool": bool, "None": None}


def _cases():
    return [
        pytest.param(floatx, names, expected, id=f"{floatx}-{'-'.join(names)}")
        for floatx, cases in DATA["cases"].items()
        for names, expected in cases + DATA["errors"] * (floatx == "float32")
    ]


@pytest.mark.parametrize("floatx, names, expected", _cases())
def test_result_type_matches_keras(floatx, names, expected):
    previous = backend.floatx()
    backend.set_floatx(floatx)
    try:
        arguments = [PYTHON.get(name, name) for name in names]
        if isinstance(expected, dict):
            with pytest.raises(getattr(builtins, expected["error"])):
                backend.result_type(*arguments)
        else:
            assert backend.result_type(*arguments) == expected
    finally:
        backend.set_floatx(previous)
