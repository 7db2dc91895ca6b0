"""Reference values for `minikeras.activations`, read off Keras 3.

Run under the oracle: `/tmp/oracle/bin/python compat/make_activations.py`.
Writes compat/data/activations.npz:
  x2d, x1d    the fixed float32 inputs
  out_<i>     Keras' output for case i
  meta        JSON: cases [[name, kwargs, input, key]], the names in `keras.activations`,
              `serialize(get(name))` for each name, and error messages.
"""

import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

OUT = pathlib.Path(__file__).parent / "data" / "activations.npz"

# -6..6 with exact 0, values on and either side of every kink (+-0.5, +-1, +-3, 6), and +-50 and
# +-20 to check that nothing overflows. The last axis is even so that glu can split it.
X2D = np.array(
    [
        [-6.0, -3.001, -3.0, -2.999, -1.001, -1.0, -0.999, -0.501],
        [-0.5, -0.499, -0.001, 0.0, 0.001, 0.499, 0.5, 0.501],
        [0.999, 1.0, 1.001, 2.999, 3.0, 3.001, 5.999, 6.0],
        [6.001, -50.0, 50.0, -20.0, 20.0, 0.3, 0.25, -0.25],
    ],
    dtype="float32",
)
X1D = X2D[1].copy()

# Non-default arguments worth checking; every activation is also run with its defaults.
EXTRA_CASES = [
    ("relu", {"negative_slope": 0.1}),
    ("relu", {"max_value": 6.0}),
    ("relu", {"max_value": 1.0, "threshold": 0.5}),
    ("relu", {"threshold": 0.5}),
    ("relu", {"negative_slope": 0.3, "threshold": -1.0}),
    ("relu", {"negative_slope": 0.2, "max_value": 4.0, "threshold": 1.0}),
    ("leaky_relu", {"negative_slope": 0.01}),
    ("elu", {"alpha": 0.5}),
    ("celu", {"alpha": 2.0}),
    ("gelu", {"approximate": True}),
    ("softmax", {"axis": 0}),
    ("softmax", {"axis": None}),
    ("log_softmax", {"axis": 0}),
    ("glu", {"axis": 0}),
    ("sparsemax", {"axis": 0}),
    ("squareplus", {"b": 1}),
    ("hard_shrink", {"threshold": 1.0}),
    ("soft_shrink", {"threshold": 1.0}),
    ("threshold", {"threshold": -1.0, "default_value": 0.0}),
]
# `threshold` has no defaults for its parameters.
REQUIRED = {"threshold": {"threshold": 0.5, "default_value": -1.0}}
ONE_D = ["relu", "sigmoid", "softmax", "log_softmax", "sparsemax", "glu"]


def error_text(call):
    try:
        call()
    except Exception as error:  # noqa: BLE001 - the message is what we record
        return f"{type(error).__name__}: {error}"
    return None


def main():
    A = keras.activations
    helpers = ("get", "serialize", "deserialize")
    names = [n for n in dir(A) if not n.startswith("_") and n not in helpers]
    names = sorted(n for n in names if callable(getattr(A, n)))
    cases = [(name, REQUIRED.get(name, {}), "x2d") for name in names]
    cases += [(name, kwargs, "x2d") for name, kwargs in EXTRA_CASES]
    cases += [(name, {}, "x1d") for name in ONE_D]

    inputs = {"x2d": X2D, "x1d": X1D}
    arrays = dict(inputs)
    table = []
    for i, (name, kwargs, source) in enumerate(cases):
        out = np.asarray(getattr(A, name)(inputs[source], **kwargs))
        assert out.dtype == np.float32, (name, out.dtype)
        arrays[f"out_{i}"] = out
        table.append([name, kwargs, source, f"out_{i}"])

    meta = {
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "names": names,
        "serialized": {name: A.serialize(A.get(name)) for name in names},
        "errors": {
            "get('foo')": error_text(lambda: A.get("foo")),
            "get('Relu')": error_text(lambda: A.get("Relu")),
            "get(5)": error_text(lambda: A.get(5)),
            "glu(shape (4, 3))": error_text(lambda: A.glu(np.ones((4, 3), "float32"))),
        },
        "cases": table,
    }
    arrays["meta"] = np.array(json.dumps(meta))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(table)} cases)")


if __name__ == "__main__":
    main()
