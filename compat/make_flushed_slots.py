"""Optimizer slots that decay into float32's subnormal range, as Keras 3 stores them
-> compat/data/flushed_slots.{json,npz}

Run under the oracle: `/tmp/oracle/bin/python compat/make_flushed_slots.py` (Keras 3 on
TensorFlow; it runs itself again with `KERAS_BACKEND=jax` and `KERAS_BACKEND=numpy` for the
other columns).

TensorFlow runs its CPU kernels with flush-to-zero and denormals-are-zero set, and XLA:CPU
compiles them in, so a slot whose gradient stays 0 ends at 0 where IEEE arithmetic (Keras'
numpy backend) leaves a subnormal. Two kinds of case:

- `apply/<case>`: one (64,) variable, `apply_gradients` for `STEPS` steps. The first gradient
  spans 1e-2 to 1e-24 in magnitude, so that some slot lanes cross into the subnormals at every
  step; afterwards the first 40 lanes get 0, the rest a gradient of 1e-19 to 1e-21 (its square
  is subnormal: an intermediate that the modes flush). A few starting weights are subnormal.
  Weights every `EVERY` steps, the optimizer's variables at the end.
- `fit/<case>`: a Dense(16, relu) -> Dense(3) model fitted on 64 rows for 4 epochs of 8
  batches, unshuffled; inputs 5-7 are non-zero (about 1e-18, 1e-21, 1e-36) in the first
  batch only, so their kernel rows' slots start tiny and decay. Final weights and optimizer
  variables (not on the numpy backend, which has no `fit`).

tests/test_flushed_slots.py replays both on minikeras.
"""

import json
import os
import subprocess
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
STEPS, EVERY, SIZE, ZERO_AFTER_FIRST = 120, 20, 64, 40
FIT_ROWS, FIT_BATCH, FIT_EPOCHS, FIT_FEATURES = 64, 8, 4, 8

# case -> (optimizer class name, constructor arguments)
APPLY_CASES = {
    "rmsprop": ("RMSprop", {}),
    "rmsprop_centered_momentum": ("RMSprop", {"centered": True, "momentum": 0.5}),
    "adam": ("Adam", {"beta_1": 0.5, "beta_2": 0.6}),
    "adam_amsgrad": ("Adam", {"amsgrad": True}),
    "adamw": ("AdamW", {"weight_decay": 0.5}),
    "adamax": ("Adamax", {"beta_2": 0.5}),
    "nadam": ("Nadam", {"beta_2": 0.5}),
    "sgd_momentum": ("SGD", {"learning_rate": 0.1, "momentum": 0.5}),
    "sgd_nesterov": ("SGD", {"learning_rate": 0.1, "momentum": 0.5, "nesterov": True}),
    "adagrad": ("Adagrad", {"initial_accumulator_value": 0.0}),
    "adadelta": ("Adadelta", {"rho": 0.5, "learning_rate": 1.0}),
    "lion": ("Lion", {"beta_2": 0.5}),
}  # Ftrl's slots only sink from `initial_accumulator_value=0`, where its weights blow up
FIT_CASES = {
    "rmsprop": ("RMSprop", {}),
    "adam": ("Adam", {}),
    "sgd_momentum": ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
}


def initial_weight():
    rng = np.random.RandomState(0)
    weight = rng.uniform(-1, 1, SIZE).astype("float32")
    weight[[3, 17, 50]] = np.array([3, 1 << 20, 5], np.uint32).view(np.float32)  # subnormal
    weight[[4, 51]] = 0.0
    return weight


def gradients():
    rng = np.random.RandomState(1)
    signs = np.where(rng.uniform(size=SIZE) < 0.5, -1.0, 1.0)
    first = (signs * np.logspace(-2, -24, SIZE)).astype("float32")
    later = np.zeros(SIZE, "float32")
    later[ZERO_AFTER_FIRST:] = (signs[ZERO_AFTER_FIRST:]
                                * np.logspace(-19, -21, SIZE - ZERO_AFTER_FIRST))
    return first, later


def fit_data():
    rng = np.random.RandomState(2)
    x = rng.normal(size=(FIT_ROWS, FIT_FEATURES)).astype("float32")
    x[:, 5:] = 0.0
    x[:FIT_BATCH, 5:] = np.array([1e-18, 1e-21, 1e-36]) * rng.uniform(1, 2, (FIT_BATCH, 3))
    y = rng.normal(size=(FIT_ROWS, 3)).astype("float32")
    rng = np.random.RandomState(3)
    weights = [rng.uniform(-0.5, 0.5, (FIT_FEATURES, 16)).astype("float32"),
               np.zeros(16, "float32"),
               rng.uniform(-0.5, 0.5, (16, 3)).astype("float32"), np.zeros(3, "float32")]
    return x, y, weights


def run_apply(keras, class_name, kwargs):
    variable = keras.Variable(initial_weight(), name="weight")
    optimizer = getattr(keras.optimizers, class_name)(**kwargs)
    first, later = gradients()
    trajectory = []
    for step in range(STEPS):
        optimizer.apply_gradients([(first if step == 0 else later, variable)])
        if (step + 1) % EVERY == 0:
            trajectory.append(np.array(variable.numpy(), "float32"))
    return np.stack(trajectory), [np.array(v.numpy()) for v in optimizer.variables]


def run_fit(keras, class_name, kwargs):
    x, y, weights = fit_data()
    model = keras.Sequential([keras.Input((FIT_FEATURES,)), keras.layers.Dense(16, "relu"),
                              keras.layers.Dense(3)])
    model.set_weights(weights)
    model.compile(getattr(keras.optimizers, class_name)(**kwargs), "mse")
    model.fit(x, y, batch_size=FIT_BATCH, epochs=FIT_EPOCHS, shuffle=False, verbose=0)
    return ([np.array(w, "float32") for w in model.get_weights()],
            [np.array(v.numpy()) for v in model.optimizer.variables])


def record(arrays):
    """This process' backend's numbers, by `<backend>/<kind>/<case>/...`."""
    warnings.simplefilter("ignore")
    import keras

    backend = keras.backend.backend()
    for case, (class_name, kwargs) in APPLY_CASES.items():
        trajectory, variables = run_apply(keras, class_name, kwargs)
        arrays[f"{backend}/apply/{case}/weights"] = trajectory
        for index, value in enumerate(variables):
            arrays[f"{backend}/apply/{case}/var{index}"] = value
    for case, (class_name, kwargs) in FIT_CASES.items() if backend != "numpy" else ():
        weights, variables = run_fit(keras, class_name, kwargs)
        for index, value in enumerate(weights):
            arrays[f"{backend}/fit/{case}/weight{index}"] = value
        for index, value in enumerate(variables):
            arrays[f"{backend}/fit/{case}/var{index}"] = value
    return backend


def subnormal_count(array):
    array = np.asarray(array)
    if array.dtype != np.float32:
        return 0
    return int(np.count_nonzero((array != 0) & (np.abs(array) < np.finfo(np.float32).tiny)))


def main():
    if len(sys.argv) > 1:  # a child: one other backend, into the file named
        arrays = {}
        record(arrays)
        np.savez(sys.argv[1], **arrays)
        return
    arrays = {}
    assert record(arrays) == "tensorflow"
    for other in ("jax", "numpy"):
        path = os.path.join(OUT, f"_flushed_slots_{other}.npz")
        subprocess.run([sys.executable, __file__, path], check=True,
                       env={**os.environ, "KERAS_BACKEND": other})
        with np.load(path) as child:
            arrays.update(child)
        os.remove(path)
    import keras

    summary = {}  # what each backend stores: subnormals left, and whether it equals TF
    for key in sorted(k for k in arrays if k.startswith("tensorflow/")):
        rest = key.split("/", 1)[1]
        row = {"tensorflow_subnormals": subnormal_count(arrays[key])}
        for other in ("jax", "numpy"):
            theirs = arrays.get(f"{other}/{rest}")
            if theirs is None:
                continue  # Keras' numpy backend has no `fit`
            row[f"{other}_subnormals"] = subnormal_count(theirs)
            row[f"{other}_equals_tensorflow"] = bool(np.array_equal(
                np.asarray(theirs, arrays[key].dtype), arrays[key]))
        summary[rest] = row
    data = {
        "keras_version": keras.__version__,
        "steps": STEPS, "every": EVERY, "size": SIZE, "zero_after_first": ZERO_AFTER_FIRST,
        "fit": {"rows": FIT_ROWS, "batch": FIT_BATCH, "epochs": FIT_EPOCHS,
                "features": FIT_FEATURES},
        "apply_cases": APPLY_CASES,
        "fit_cases": FIT_CASES,
        "summary": summary,
    }
    arrays["initial/weight"] = initial_weight()
    arrays["gradients/first"], arrays["gradients/later"] = gradients()
    for index, value in enumerate(fit_data()[2]):
        arrays[f"fit/initial{index}"] = value
    arrays["fit/x"], arrays["fit/y"] = fit_data()[:2]
    arrays = {key: value for key, value in arrays.items() if not key.startswith("numpy/")}
    with open(os.path.join(OUT, "flushed_slots.json"), "w") as f:
        json.dump(data, f, indent=1)
    np.savez_compressed(os.path.join(OUT, "flushed_slots.npz"), **arrays)


if __name__ == "__main__":
    main()
