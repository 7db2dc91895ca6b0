"""Record Keras 3's dtype promotion, `keras.backend.result_type`, as
`compat/data/result_type.json`.

    /tmp/oracle/bin/python compat/make_result_type.py

For `tests/test_result_type.py`: every dtype alone and every pair of dtypes (Python's `int`,
`float` and `bool` and `None` among them), a few longer lists, the same under `floatx` float16
and float64, and the errors of a dtype outside the lattice and of float8. Keras 3 on
TensorFlow, the default backend, whose table keeps int64 and float64 (it narrows uint64 only).
"""

import itertools
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["KERAS_BACKEND"] = "tensorflow"
HERE = os.path.dirname(os.path.abspath(__file__))

import keras  # noqa: E402

DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
          "bfloat16", "float16", "float32", "float64", "complex64", "complex128"]
PYTHON = {"int": int, "float": float, "bool": bool, "None": None}
NAMES = DTYPES + list(PYTHON)
LONGER = [["int8", "uint8", "float16"], ["bool", "int", "float"], ["int", "float"],
          ["uint32", "int", "int16"], ["bfloat16", "int", "float16"], []]


def _arg(name):
    return PYTHON.get(name, name)


def _outcome(names):
    try:
        return keras.backend.result_type(*map(_arg, names))
    except Exception as error:  # recorded: the test expects the same kind of error
        return {"error": type(error).__name__}


def main():
    cases = {}
    for floatx in ["float32", "float16", "float64"]:
        keras.config.set_floatx(floatx)
        lists = [[n] for n in NAMES] + [list(p) for p in itertools.product(NAMES, NAMES)] + LONGER
        cases[floatx] = [[names, _outcome(names)] for names in lists]
    keras.config.set_floatx("float32")
    errors = [[names, _outcome(names)] for names in
              [["float8_e4m3fn", "float32"], ["string", "int32"], ["int32", "string", "int8"]]]
    with open(os.path.join(HERE, "data", "result_type.json"), "w") as f:
        json.dump({"keras": keras.__version__, "cases": cases, "errors": errors}, f, indent=0)


if __name__ == "__main__":
    main()
