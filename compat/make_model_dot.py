"""Keras 3's `model_to_dot` labels and edges -> compat/data/model_dot.json.

Run under the oracle with pydot importable (the oracle lacks it; a directory holding only
`pydot` and `pyparsing`, put on PYTHONPATH, will do): `python compat/make_model_dot.py`.
The models (a Sequential, and functional ones of tests/functional_cases.py), the options and
what is recorded of each dot are in tests/model_dot_cases.py.
"""

import json
import os
import pathlib
import sys

import keras

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "tests"))
import model_dot_cases as cases  # noqa: E402


def main():
    keras.utils.set_random_seed(0)
    out = [{"model": name, "options": o,
            **cases.describe(keras.utils.model_to_dot(cases.build(keras, name), **o))}
           for name, o in cases.CASES]
    path = pathlib.Path(__file__).resolve().parent / "data" / "model_dot.json"
    path.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
