"""Reference numbers for minikeras' initializers, regularizers and constraints, from real Keras.

Run under the oracle:  /tmp/oracle/bin/python compat/make_init_reg_con.py
Writes compat/data/init_reg_con.json (names, configs, error texts, statistics) and
compat/data/init_reg_con.npz (inputs, outputs, gradients).

It runs itself three times, once per Keras flavour (the backend is fixed at import time):
  k3_tf     Keras 3 on TensorFlow: configs, error texts, regularizer values and gradients
            (tf.GradientTape), constraint outputs, statistics of large initializer samples;
  k3_numpy  Keras 3 on its numpy backend: exact values of seeded and deterministic initializers
            (that backend draws from np.random.default_rng(seed), as minikeras does);
  k2        Keras 2 (tf_keras): the configs and names minikeras must also accept.
Everything is deterministic: fixed seeds, fixed inputs.
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data", "init_reg_con")

# (class name, constructor kwargs). Each class appears with its defaults and with other args.
INITIALIZERS = [
    ("Zeros", {}),
    ("Ones", {}),
    ("Constant", {}),
    ("Constant", {"value": 0.25}),
    ("Identity", {}),
    ("Identity", {"gain": 2.0}),
    ("RandomNormal", {}),
    ("RandomNormal", {"mean": 0.5, "stddev": 2.0, "seed": 3}),
    ("RandomUniform", {}),
    ("RandomUniform", {"minval": -1.0, "maxval": 3.0, "seed": 4}),
    ("TruncatedNormal", {}),
    ("TruncatedNormal", {"mean": -1.0, "stddev": 0.5, "seed": 5}),
    ("VarianceScaling", {}),
    ("VarianceScaling", {"scale": 3.0, "mode": "fan_out", "distribution": "uniform", "seed": 6}),
    ("VarianceScaling",
     {"scale": 0.5, "mode": "fan_avg", "distribution": "untruncated_normal", "seed": 7}),
    ("VarianceScaling", {"distribution": "normal", "seed": 8}),
    ("VarianceScaling", {"scale": 2.0, "input_axes": [0, 1], "output_axes": [2], "seed": 9}),
    ("GlorotUniform", {}),
    ("GlorotUniform", {"seed": 10}),
    ("GlorotNormal", {}),
    ("GlorotNormal", {"seed": 11}),
    ("HeUniform", {}),
    ("HeUniform", {"seed": 12}),
    ("HeNormal", {}),
    ("HeNormal", {"seed": 13}),
    ("LecunUniform", {}),
    ("LecunUniform", {"seed": 14}),
    ("LecunNormal", {}),
    ("LecunNormal", {"seed": 15}),
    ("Orthogonal", {}),
    ("Orthogonal", {"gain": 0.5, "seed": 16}),
    ("STFT", {}),
    ("STFT", {"side": "imag", "window": "hamming", "scaling": "spectrum", "periodic": True}),
]
REGULARIZERS = [
    ("L1", {}),
    ("L1", {"l1": 0.3}),
    ("L2", {}),
    ("L2", {"l2": 0.3}),
    ("L1L2", {}),
    ("L1L2", {"l1": 0.1, "l2": 0.2}),
    ("L1L2", {"l1": None, "l2": 0.05}),
    ("OrthogonalRegularizer", {}),
    ("OrthogonalRegularizer", {"factor": 0.3, "mode": "columns"}),
]
CONSTRAINTS = [
    ("Constraint", {}),
    ("MaxNorm", {}),
    ("MaxNorm", {"max_value": 1.5, "axis": 1}),
    ("MaxNorm", {"max_value": 1.0, "axis": [0, 1]}),
    ("MinMaxNorm", {}),
    ("MinMaxNorm", {"min_value": 0.5, "max_value": 2.0, "rate": 0.7, "axis": 1}),
    ("NonNeg", {}),
    ("UnitNorm", {}),
    ("UnitNorm", {"axis": 1}),
]
# Shapes whose exact initial values are recorded (numpy backend), and the sample of statistics.
VALUE_SHAPES = {"default": [(6, 5), (2, 3, 4)], "Identity": [(4, 6)], "STFT": [(8, 1, 5)],
                "Orthogonal": [(6, 5), (2, 7), (3, 2, 5)]}
STATS_SHAPES = [(400, 300), (5, 5, 16, 32)]
FAN_SHAPES = [(), (7,), (3, 5), (3, 3, 4, 8), (2, 3, 4, 5, 6)]
# Strings passed to `get()`, beyond every registered name: Keras 2 spellings and traps.
EXTRA_NAMES = {
    "initializers": ["constant", "Constant", "zero", "one", "normal", "uniform", "foo"],
    "regularizers": ["l1_l2", "l1l2", "L1L2", "foo"],
    "constraints": ["maxnorm", "nonneg", "unitnorm", "radial_constraint", "foo"],
}


def case_id(name, kwargs):
    return name + json.dumps(kwargs, sort_keys=True)


def error_text(fn):
    try:
        fn()
    except Exception as error:  # noqa: BLE001 - the point is to record whatever Keras raises
        return f"{type(error).__name__}: {error}"
    return None


def plain(obj):
    """JSON-ready copy (tuples -> lists, numpy scalars -> numbers)."""
    as_json = json.dumps(obj, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))
    return json.loads(as_json)


def describe_get(module, name):
    try:
        obj = module.get(name)
    except Exception as error:  # noqa: BLE001
        return {"error": f"{type(error).__name__}: {error}"}
    try:
        config = plain(obj.get_config())
    except Exception:  # noqa: BLE001 - the base Regularizer has no config
        config = None
    return {"class": type(obj).__name__, "config": config}


def names_and_gets(keras):
    """For each module: every public name -> the name of what it is, and what `get(name)` gives."""
    result = {}
    for module_name in ("initializers", "regularizers", "constraints"):
        module = getattr(keras, module_name)
        public = [n for n in dir(module)
                  if not n.startswith("_") and n not in ("get", "serialize", "deserialize")]
        probes = sorted(set(public) | set(EXTRA_NAMES[module_name]))
        result[module_name] = {
            "names": {n: getattr(module, n).__name__ for n in public},
            "get": {n: describe_get(module, n) for n in probes},
        }
    return result


def configs(keras, tables):
    result = {}
    for module_name, table in tables.items():
        module = getattr(keras, module_name)
        for name, kwargs in table:
            cls = getattr(module, name, None)
            if cls is None:
                continue
            try:
                obj = cls(**kwargs)
            except Exception:  # noqa: BLE001 - an argument this version lacks
                continue
            entry = {"config": plain(obj.get_config())}
            if hasattr(keras.saving, "serialize_keras_object"):
                entry["serialized"] = plain(keras.saving.serialize_keras_object(obj))
            result[case_id(name, kwargs)] = entry
    return result


TABLES = {"initializers": INITIALIZERS, "regularizers": REGULARIZERS, "constraints": CONSTRAINTS}


def regularizer_inputs():
    x = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    x[1, 2] = 0.0  # |x| at 0: the slope must be 0
    edge = x.copy()
    edge[0] = 0.0  # a zero row and a row whose norm is below epsilon: OrthogonalRegularizer
    edge[3] *= 1e-9  # caps 1/norm at 1/epsilon there
    return {"x": x, "edge": edge}


def constraint_inputs():
    rng = np.random.default_rng(1)
    w2 = (2.0 * rng.normal(size=(5, 4))).astype("float32")
    w2[:, 3] = 0.0  # an all-zero column stays zero (epsilon in the denominator)
    w2[0, 1] = 0.1  # small norms: MinMaxNorm must scale some columns up
    w3 = (0.4 * rng.normal(size=(3, 3, 4))).astype("float32")
    return {"w2": w2, "w3": w3}


# ----------------------------------------------------------------------------------------------
# The three parts


def part_k3_tf():
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)  # unseeded initializers draw their seed from Python's random
    I, R, C = keras.initializers, keras.regularizers, keras.constraints
    arrays = {}

    for key, x in regularizer_inputs().items():
        arrays[f"reg/{key}"] = x
        for i, (name, kwargs) in enumerate(REGULARIZERS):
            variable = tf.Variable(x)
            with tf.GradientTape() as tape:
                value = getattr(R, name)(**kwargs)(variable)
            arrays[f"reg/{i}/{key}/value"] = np.asarray(value)
            gradient = tape.gradient(value, variable)  # None when x does not enter (L1L2(0, 0))
            gradient = np.zeros_like(x) if gradient is None else np.asarray(gradient)
            arrays[f"reg/{i}/{key}/grad"] = gradient

    for key, w in constraint_inputs().items():
        arrays[f"con/{key}"] = w
        for i, (name, kwargs) in enumerate(CONSTRAINTS):
            arrays[f"con/{i}/{key}"] = np.asarray(getattr(C, name)(**kwargs)(w))

    stats = []
    for name, kwargs in INITIALIZERS:
        if "seed" not in getattr(I, name)().get_config():
            continue
        for shape in [(40, 10, 300)] if "input_axes" in kwargs else STATS_SHAPES:
            values = np.asarray(getattr(I, name)(**kwargs)(shape), dtype="float64")
            summary = {"mean": values.mean(), "std": values.std(), "min": values.min(), "max": values.max()}
            stats.append({"class": name, "kwargs": kwargs, "shape": list(shape), **summary})

    from keras.src.initializers.random_initializers import compute_fans

    fans = [{"shape": list(s), "fans": list(compute_fans(s))} for s in FAN_SHAPES]
    fans.append({"shape": [2, 3, 4, 5], "input_axes": [0, 2], "output_axes": [3],
                 "fans": list(compute_fans((2, 3, 4, 5), input_axes=[0, 2], output_axes=[3]))})

    errors = {
        "initializer_unknown": lambda: I.get("foo"),
        "regularizer_unknown": lambda: R.get("foo"),
        "constraint_unknown": lambda: C.get("foo"),
        "regularizer_l1_l2_name": lambda: R.get("l1_l2"),
        "initializer_constant_name": lambda: I.get("constant"),
        "l1_negative": lambda: R.L1(-1),
        "l2_nan": lambda: R.L2(float("nan")),
        "l1l2_negative": lambda: R.L1L2(l1=-0.5),
        "l1l2_inf": lambda: R.L1L2(l2=float("inf")),
        "orthogonal_factor_negative": lambda: R.OrthogonalRegularizer(factor=-1),
        "orthogonal_mode": lambda: R.OrthogonalRegularizer(mode="diagonal"),
        "orthogonal_regularizer_rank": lambda: R.OrthogonalRegularizer()(np.ones(3, "float32")),
        "seed_type": lambda: I.RandomNormal(seed="a"),
        "scale_negative": lambda: I.VarianceScaling(scale=-1),
        "mode_unknown": lambda: I.VarianceScaling(mode="fan"),
        "distribution_unknown": lambda: I.VarianceScaling(distribution="gamma"),
        "orthogonal_rank": lambda: I.Orthogonal()((3,)),
        "identity_rank": lambda: I.Identity()((3, 3, 3)),
        "initializer_base_call": lambda: I.Initializer()((3, 3)),
        "stft_side": lambda: I.STFT(side="both"),
        "stft_scaling": lambda: I.STFT(scaling="power"),
        "array_initializer_shape": lambda: I.get(np.ones((2, 2)))((2, 3)),
    }
    return {
        "names": names_and_gets(keras),
        "configs": configs(keras, TABLES),
        "constant_array": keras.saving.serialize_keras_object(I.Constant(np.arange(3.0))),
        "errors": {label: error_text(fn) for label, fn in errors.items()},
        "stats": stats,
        "fans": fans,
        "arrays": {k: v.tolist() for k, v in arrays.items()},
        "versions": {"keras": keras.__version__, "tensorflow": tf.__version__},
    }


def part_k3_numpy():
    import keras

    I = keras.initializers
    arrays = {}
    for i, (name, kwargs) in enumerate(INITIALIZERS):
        if "seed" in getattr(I, name)().get_config() and "seed" not in kwargs:
            continue  # unseeded: nothing exact to compare
        shapes = VALUE_SHAPES.get(name, VALUE_SHAPES["default"])
        if "input_axes" in kwargs:
            shapes = [(2, 3, 4)]
        for j, shape in enumerate(shapes):
            arrays[f"init/{i}/{j}"] = np.asarray(getattr(I, name)(**kwargs)(shape))
    return {"arrays": {k: v.tolist() for k, v in arrays.items()}}


def part_k2():
    import tf_keras as keras

    return {
        "names": names_and_gets(keras),
        "configs": configs(keras, TABLES),
        "version": keras.__version__,
    }


PARTS = {
    "k3_tf": (part_k3_tf, {"KERAS_BACKEND": "tensorflow"}),
    "k3_numpy": (part_k3_numpy, {"KERAS_BACKEND": "numpy"}),
    "k2": (part_k2, {"TF_USE_LEGACY_KERAS": "1"}),
}


def run_part(name):
    # A fixed hash seed: Keras prints sets in some messages, and their order follows it.
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0", **PARTS[name][1]}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "part.json")
        subprocess.run([sys.executable, __file__, name, path], env=env, check=True)
        with open(path) as f:
            return json.load(f)


def main():
    if len(sys.argv) == 3:  # a child: compute one part
        with open(sys.argv[2], "w") as f:
            json.dump(PARTS[sys.argv[1]][0](), f, default=plain)
        return
    k3, k3_numpy, k2 = (run_part(name) for name in PARTS)
    arrays = {**k3.pop("arrays"), **k3_numpy.pop("arrays")}
    arrays = {key: np.asarray(value, dtype="float32") for key, value in arrays.items()}
    np.savez_compressed(OUT + ".npz", **arrays)

    def cases(table):
        return [{"class": name, "kwargs": kwargs, "id": case_id(name, kwargs)}
                for name, kwargs in table]

    reference = {
        "about": "Made by compat/make_init_reg_con.py from "
        + json.dumps({**k3["versions"], "tf_keras": k2["version"]}),
        "cases": {module: cases(table) for module, table in TABLES.items()},
        "value_shapes": VALUE_SHAPES,
        "k3": {"names": k3["names"], "configs": k3["configs"]},
        "k2": {"names": k2["names"], "configs": k2["configs"]},
        "constant_array": k3["constant_array"],
        "errors": k3["errors"],
        "stats": k3["stats"],
        "fans": k3["fans"],
    }
    with open(OUT + ".json", "w") as f:
        json.dump(plain(reference), f, indent=1, sort_keys=False)
        f.write("\n")
    sizes = [os.path.getsize(OUT + suffix) for suffix in (".json", ".npz")]
    print(f"wrote {OUT}.json ({sizes[0]} B) and .npz ({sizes[1]} B)")


if __name__ == "__main__":
    main()
