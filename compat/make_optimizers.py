"""Reference trajectories of Keras 3's optimizers and schedules -> compat/data/optimizers.*

Run under the oracle: `/tmp/oracle/bin/python compat/make_optimizers.py`.

Every case starts a Dense(3) layer named `dense` (a (4,3) kernel and a (3,) bias) from the same
fixed weights, applies the same five gradient pairs with `optimizer.apply_gradients` and records
the weights after each step, the optimizer's final variables, its `get_config()` and the names,
paths and shapes of `optimizer.variables`. A few Keras 2 (tf_keras) legacy optimizers with
`decay=` are recorded too, as are the values of each learning-rate schedule at steps 0..24 and
the Keras 2 configs of every optimizer. The rules that read shapes (Adafactor, Lamb) also run on
variables of ranks 0 to 4 (`SHAPE_CASES`). ScheduleFreeAdamW's trajectories are Keras 3 on JAX
(the script runs itself again under KERAS_BACKEND=jax: see `JAX_CLASSES`).
tests/test_optimizers.py replays all of it on minikeras.
"""

import inspect
import json
import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

import keras  # noqa: E402
from keras import optimizers  # noqa: E402
from keras.optimizers import schedules  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
STEPS = 5
SCHEDULE_STEPS = 25

NAMES = [
    "SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl", "Lion",
]
# Keras 3 optimizers that Keras 2 (tf_keras) does not have: no Keras 2 configs for them.
KERAS3_ONLY = ["Lamb", "Adafactor", "ScheduleFreeAdamW", "Muon"]
# Classes whose reference is Keras 3 on JAX (this script again, under KERAS_BACKEND=jax): on
# TensorFlow, Keras 3.15's ScheduleFreeAdamW recovers its average from the momentum after the
# momentum's step, where the algorithm (and JAX) takes the one before (docs/compat.md). The
# TensorFlow trajectories are kept too, as `{case}/tensorflow/{kernel,bias}`.
JAX_CLASSES = {"ScheduleFreeAdamW"}

# Schedules with non-default arguments, by the name the data files use.
SCHEDULES = {
    "exponential": schedules.ExponentialDecay(0.1, 5, 0.5),
    "exponential_staircase": schedules.ExponentialDecay(0.1, 3, 0.7, staircase=True),
    "piecewise": schedules.PiecewiseConstantDecay([3, 7], [0.1, 0.05, 0.01]),
    "polynomial": schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=2.0),
    "polynomial_cycle": schedules.PolynomialDecay(0.1, 6, end_learning_rate=0.02, cycle=True),
    "inverse_time": schedules.InverseTimeDecay(0.1, 5, 0.5),
    "inverse_time_staircase": schedules.InverseTimeDecay(0.1, 4, 1.5, staircase=True),
    "cosine": schedules.CosineDecay(0.1, 10, alpha=0.1),
    "cosine_warmup": schedules.CosineDecay(0.0, 10, warmup_target=0.1, warmup_steps=5),
    "cosine_restarts": schedules.CosineDecayRestarts(0.1, 4, t_mul=2.0, m_mul=0.5, alpha=0.1),
    "cosine_restarts_flat": schedules.CosineDecayRestarts(0.1, 3, t_mul=1.0, m_mul=0.8),
}

# case -> (optimizer class name, constructor arguments); a str learning_rate names a schedule.
CASES = {
    "sgd": ("SGD", {}),
    "rmsprop": ("RMSprop", {}),
    "adam": ("Adam", {}),
    "adamw": ("AdamW", {}),
    "adagrad": ("Adagrad", {}),
    "adadelta": ("Adadelta", {}),
    "adamax": ("Adamax", {}),
    "nadam": ("Nadam", {}),
    "lion": ("Lion", {}),
    "ftrl": ("Ftrl", {}),
    "sgd_momentum": ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    "sgd_nesterov": ("SGD", {"learning_rate": 0.1, "momentum": 0.8, "nesterov": True}),
    "rmsprop_momentum": ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5}),
    "rmsprop_centered": ("RMSprop", {"learning_rate": 0.01, "centered": True}),
    "rmsprop_centered_momentum": (
        "RMSprop", {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.3, "centered": True}),
    "adam_amsgrad": ("Adam", {"learning_rate": 0.05, "amsgrad": True}),
    "adamw_amsgrad": ("AdamW", {"learning_rate": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    "adam_clipnorm": ("Adam", {"learning_rate": 0.05, "clipnorm": 1.0}),
    "sgd_clipnorm": ("SGD", {"learning_rate": 0.1, "clipnorm": 0.5}),
    "sgd_clipvalue": ("SGD", {"learning_rate": 0.1, "clipvalue": 0.3}),
    "sgd_global_clipnorm": ("SGD", {"learning_rate": 0.1, "global_clipnorm": 1.0}),
    "sgd_weight_decay": ("SGD", {"learning_rate": 0.1, "weight_decay": 0.5}),
    "adam_weight_decay": ("Adam", {"learning_rate": 0.05, "weight_decay": 0.2}),
    "sgd_loss_scale": ("SGD", {"learning_rate": 0.1, "loss_scale_factor": 4.0}),
    "adam_ema": ("Adam", {"learning_rate": 0.05, "use_ema": True, "ema_momentum": 0.9,
                          "ema_overwrite_frequency": 3}),
    "sgd_accumulation": ("SGD", {"learning_rate": 0.1, "momentum": 0.5,
                                 "gradient_accumulation_steps": 2}),
    "adam_accumulation": ("Adam", {"learning_rate": 0.05, "gradient_accumulation_steps": 2}),
    "adam_schedule": ("Adam", {"learning_rate": "exponential"}),
    "sgd_schedule": ("SGD", {"learning_rate": "piecewise", "momentum": 0.5}),
    "rmsprop_schedule": ("RMSprop", {"learning_rate": "cosine_warmup", "weight_decay": 0.1}),
    "adagrad_args": ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5,
                                 "epsilon": 1e-3}),
    "adadelta_args": ("Adadelta", {"learning_rate": 1.0, "rho": 0.9}),
    "adamax_args": ("Adamax", {"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.99}),
    "nadam_args": ("Nadam", {"learning_rate": 0.05, "beta_1": 0.8, "epsilon": 1e-4}),
    "lion_args": ("Lion", {"learning_rate": 0.01, "beta_1": 0.5, "beta_2": 0.9,
                           "weight_decay": 0.1}),
    "ftrl_args": ("Ftrl", {"learning_rate": 0.1, "learning_rate_power": -0.7,
                           "initial_accumulator_value": 0.2,
                           "l1_regularization_strength": 0.05,
                           "l2_regularization_strength": 0.1,
                           "l2_shrinkage_regularization_strength": 0.02, "beta": 0.3}),
    "lamb": ("Lamb", {}),
    "lamb_args": ("Lamb", {"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.99,
                           "epsilon": 1e-4}),
    "lamb_weight_decay": ("Lamb", {"learning_rate": 0.05, "weight_decay": 0.2}),
    "lamb_clipnorm": ("Lamb", {"learning_rate": 0.05, "clipnorm": 1.0}),
    "lamb_ema": ("Lamb", {"learning_rate": 0.05, "use_ema": True, "ema_momentum": 0.9}),
    "lamb_schedule": ("Lamb", {"learning_rate": "exponential"}),
    "adafactor": ("Adafactor", {}),
    "adafactor_relative": ("Adafactor", {"learning_rate": 0.8}),
    "adafactor_args": ("Adafactor", {"learning_rate": 0.3, "beta_2_decay": -0.5,
                                     "epsilon_1": 1e-20, "epsilon_2": 0.1,
                                     "clip_threshold": 0.5, "relative_step": False}),
    "adafactor_weight_decay": ("Adafactor", {"learning_rate": 0.1, "weight_decay": 0.2}),
    "adafactor_clipnorm": ("Adafactor", {"learning_rate": 0.1, "clipnorm": 0.5}),
    "adafactor_ema": ("Adafactor", {"learning_rate": 0.1, "use_ema": True, "ema_momentum": 0.8,
                                    "ema_overwrite_frequency": 2}),
    "adafactor_schedule": ("Adafactor", {"learning_rate": "cosine"}),
    "schedule_free": ("ScheduleFreeAdamW", {}),
    "schedule_free_args": ("ScheduleFreeAdamW", {"learning_rate": 0.05, "beta_1": 0.8,
                                                 "beta_2": 0.99, "epsilon": 1e-4}),
    "schedule_free_warmup": ("ScheduleFreeAdamW", {"learning_rate": 0.05, "warmup_steps": 3,
                                                   "weight_decay": 0.1}),
    "schedule_free_clipnorm": ("ScheduleFreeAdamW", {"learning_rate": 0.05, "clipnorm": 1.0}),
    "schedule_free_ema": ("ScheduleFreeAdamW", {"learning_rate": 0.05, "use_ema": True,
                                                "ema_momentum": 0.9}),
    "muon": ("Muon", {}),
    "muon_args": ("Muon", {"learning_rate": 0.05, "adam_beta_1": 0.8, "adam_beta_2": 0.99,
                           "epsilon": 1e-4, "momentum": 0.9, "ns_steps": 3,
                           "adam_lr_ratio": 0.5}),
    "muon_plain": ("Muon", {"learning_rate": 0.05, "nesterov": False, "rms_rate": None,
                            "weight_decay": None, "adam_weight_decay": None}),
    "muon_weight_decay": ("Muon", {"learning_rate": 0.05, "weight_decay": 0.3,
                                   "adam_weight_decay": 0.1}),
    "muon_excluded": ("Muon", {"learning_rate": 0.05, "exclude_layers": ["den"]}),
    "muon_clipnorm_ema": ("Muon", {"learning_rate": 0.05, "clipnorm": 0.5, "use_ema": True}),
    "muon_coefficients": ("Muon", {"learning_rate": 0.05, "muon_a": 2.0, "muon_b": -1.5,
                                   "muon_c": 0.5}),
}

# Optimizers whose update depends on the variable's shape, run on variables of other ranks:
# case -> (optimizer class name, constructor arguments, variable shapes).
SHAPE_CASES = {
    "adafactor_shapes": ("Adafactor", {"learning_rate": 0.3}, [(2, 4, 3), (3, 1, 2, 5), (5,), ()]),
    "lamb_shapes": ("Lamb", {"learning_rate": 0.05}, [(2, 4, 3), (5,), ()]),
    "muon_shapes": ("Muon", {"learning_rate": 0.05}, [(3, 5), (5, 3), (4, 4), (2, 4, 3), (5,)]),
}

# Keras 2 legacy optimizers with `decay=` (lr / (1 + decay * iterations)), run in tf_keras.
K2_DECAY_CASES = {
    "k2_sgd_decay": ("SGD", {"learning_rate": 0.1, "momentum": 0.5, "decay": 0.3}),
    "k2_adam_decay": ("Adam", {"learning_rate": 0.05, "decay": 0.5}),
}


def initial_weights():
    rng = np.random.RandomState(0)
    return rng.uniform(-1, 1, (4, 3)).astype("float32"), rng.uniform(-1, 1, 3).astype("float32")


def gradient_pairs():
    rng = np.random.RandomState(1)
    return [(rng.normal(0, 1, (4, 3)).astype("float32"), rng.normal(0, 1, 3).astype("float32"))
            for _ in range(STEPS)]


def make_optimizer(class_name, kwargs):
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("learning_rate"), str):
        kwargs["learning_rate"] = SCHEDULES[kwargs["learning_rate"]]
    return getattr(optimizers, class_name)(**kwargs)


def run_case(class_name, kwargs, arrays, prefix):
    kernel, bias = initial_weights()
    layer = keras.layers.Dense(3, name="dense")
    layer.build((None, 4))
    layer.set_weights([kernel, bias])
    optimizer = make_optimizer(class_name, kwargs)
    trajectory_kernel, trajectory_bias = [], []
    for grads in gradient_pairs():
        optimizer.apply_gradients(zip(grads, [layer.kernel, layer.bias]))
        trajectory_kernel.append(layer.kernel.numpy())
        trajectory_bias.append(layer.bias.numpy())
    arrays[f"{prefix}/kernel"] = np.stack(trajectory_kernel)
    arrays[f"{prefix}/bias"] = np.stack(trajectory_bias)
    for index, variable in enumerate(optimizer.variables):
        arrays[f"{prefix}/var{index}"] = np.asarray(variable.numpy())
    return {
        "class_name": class_name,
        "kwargs": {key: (keras.saving.serialize_keras_object(SCHEDULES[value])
                         if key == "learning_rate" and isinstance(value, str) else value)
                   for key, value in kwargs.items()},
        "config": optimizer.get_config(),
        "serialized": optimizers.serialize(optimizer),
        "variables": [
            {
                "name": v.name,
                # The optimizer's own name is session dependent: keep the part after it.
                "path": _own_path(v.path, optimizer.name),
                "shape": list(v.shape),
                "dtype": str(v.dtype),
            }
            for v in optimizer.variables
        ],
    }


def _own_path(path, optimizer_name):
    """A variable's path without the optimizer's name (Adafactor's placeholders have none)."""
    prefix = optimizer_name + "/"
    return path[len(prefix):] if path.startswith(prefix) else path


def run_shape_case(class_name, kwargs, shapes, arrays, prefix):
    """Weights and optimizer variables after STEPS updates of variables of `shapes`."""
    rng = np.random.RandomState(2)
    starts = [rng.uniform(-1, 1, shape).astype("float32") for shape in shapes]
    steps = [[rng.normal(0, 1, shape).astype("float32") for shape in shapes]
             for _ in range(STEPS)]
    variables = [keras.Variable(start, name=f"w{i}") for i, start in enumerate(starts)]
    optimizer = make_optimizer(class_name, kwargs)
    for i, start in enumerate(starts):
        arrays[f"{prefix}/initial/{i}"] = start
    for step, grads in enumerate(steps):
        for i, grad in enumerate(grads):
            arrays[f"{prefix}/grads/{step}/{i}"] = grad
        optimizer.apply_gradients(zip(grads, variables))
        for i, variable in enumerate(variables):
            arrays[f"{prefix}/weights/{step}/{i}"] = variable.numpy()
    for index, variable in enumerate(optimizer.variables):
        arrays[f"{prefix}/var{index}"] = np.asarray(variable.numpy())
    return {"class_name": class_name, "kwargs": kwargs, "shapes": [list(s) for s in shapes],
            "variables": [[v.name, list(v.shape), str(v.dtype)] for v in optimizer.variables]}


def run_k2_decay_case(tf_keras, class_name, kwargs, arrays, prefix):
    import tensorflow as tf

    kernel, bias = initial_weights()
    variables = [tf.Variable(kernel), tf.Variable(bias)]
    optimizer = getattr(tf_keras.optimizers.legacy, class_name)(**kwargs)
    trajectory_kernel, trajectory_bias = [], []
    for grads in gradient_pairs():
        optimizer.apply_gradients(zip([tf.constant(g) for g in grads], variables))
        trajectory_kernel.append(variables[0].numpy())
        trajectory_bias.append(variables[1].numpy())
    arrays[f"{prefix}/kernel"] = np.stack(trajectory_kernel)
    arrays[f"{prefix}/bias"] = np.stack(trajectory_bias)
    return {"class_name": class_name, "kwargs": kwargs}


# Calls that Keras refuses, evaluated with O = keras.optimizers and S = its schedules.
ERRORS = [
    "O.Adam(foo=1, bar=2)",
    "O.Adam(clipnorm=1.0, global_clipnorm=1.0)",
    "O.SGD(clipnorm=1.0, clipvalue=0.5)",
    "O.Adam(learning_rate=1)",
    "O.SGD(momentum=1)",
    "O.SGD(momentum=1.5)",
    "O.AdamW(weight_decay=None)",
    "O.Adam(use_ema=True, ema_momentum=2.0)",
    "O.Adam(use_ema=True, ema_overwrite_frequency=0.5)",
    "O.Adam(gradient_accumulation_steps=1)",
    "O.Lion(beta_1=0.0)",
    "O.Ftrl(initial_accumulator_value=-1.0)",
    "O.Ftrl(learning_rate_power=0.5)",
    "O.Ftrl(l1_regularization_strength=-1.0)",
    "O.Ftrl(l2_regularization_strength=-1.0)",
    "O.Ftrl(l2_shrinkage_regularization_strength=-1.0)",
    "O.get('foo')",
    "O.get({'class_name': 'foo', 'config': {}})",
    "O.get(3)",
    "S.ExponentialDecay(0.1, 0, 0.5)",
    "S.PolynomialDecay(0.1, -1)",
    "S.InverseTimeDecay(0.1, 0, 0.5)",
    "S.CosineDecay(0.1, 0)",
    "S.CosineDecayRestarts(0.1, 0)",
    "S.PiecewiseConstantDecay([1, 2], [0.1, 0.2])",
    "O.Adam(learning_rate=S.ExponentialDecay(0.1, 10, 0.5)).__setattr__('learning_rate', 0.1)",
]


def errors():
    found = []
    for expression in ERRORS:
        try:
            eval(expression, {"O": optimizers, "S": schedules})
        except Exception as error:  # noqa: BLE001 (recording whatever Keras raises)
            found.append([expression, type(error).__name__, str(error)])
        else:
            raise AssertionError(f"Keras accepted {expression}")
    return found


def auto_names():
    """Names a fresh session gives to optimizers created one after another."""
    keras.backend.clear_session()
    order = ["Adam", "Adam", "RMSprop", "AdamW", "SGD", "Adam"]
    return [[name, getattr(optimizers, name)().name] for name in order]


def k2_configs(tf_keras):
    """Keras 2 `get_config()` of every optimizer: the new ones and the legacy ones."""
    configs = {}
    for name in NAMES:
        configs[name] = _plain(getattr(tf_keras.optimizers, name)().get_config())
        legacy = getattr(tf_keras.optimizers.legacy, name, None)
        if legacy is not None:
            configs[f"legacy_{name}"] = _plain(legacy().get_config())
    configs["schedule_Adam"] = _plain(
        tf_keras.optimizers.Adam(
            tf_keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
        ).get_config()
    )
    return configs


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def jax_cases():
    """The `JAX_CLASSES` cases run under Keras 3 on JAX: (arrays, cases)."""
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "KERAS_BACKEND": "jax"}
        subprocess.run([sys.executable, os.path.abspath(__file__), "--jax", folder], env=env,
                       check=True)
        with np.load(os.path.join(folder, "jax.npz")) as found:
            arrays = dict(found)
        with open(os.path.join(folder, "jax.json")) as f:
            cases = json.load(f)
    return arrays, cases


def run_jax_cases(folder):
    assert keras.backend.backend() == "jax"
    arrays, cases = {}, {}
    for name, (cls, kw) in CASES.items():
        if cls in JAX_CLASSES:
            cases[name] = run_case(cls, kw, arrays, name)
    np.savez(os.path.join(folder, "jax.npz"), **arrays)
    with open(os.path.join(folder, "jax.json"), "w") as f:
        json.dump(cases, f)


def main():
    warnings.simplefilter("ignore")
    arrays = {}
    kernel, bias = initial_weights()
    arrays["initial/kernel"], arrays["initial/bias"] = kernel, bias
    for step, (g_kernel, g_bias) in enumerate(gradient_pairs()):
        arrays[f"grads/{step}/kernel"], arrays[f"grads/{step}/bias"] = g_kernel, g_bias

    cases = {name: run_case(cls, kw, arrays, name) for name, (cls, kw) in CASES.items()}
    found, on_jax = jax_cases()
    for name in on_jax:
        for part in ("kernel", "bias"):
            arrays[f"{name}/tensorflow/{part}"] = arrays.pop(f"{name}/{part}")
    arrays.update(found)
    for name, case in on_jax.items():  # the same configs; variables described as TensorFlow's
        assert case["config"]["learning_rate"] == cases[name]["config"]["learning_rate"]
        cases[name]["backend"] = "jax"
    shape_cases = {name: run_shape_case(cls, kw, shapes, arrays, name)
                   for name, (cls, kw, shapes) in SHAPE_CASES.items()}

    schedule_data = {}
    for name, schedule in SCHEDULES.items():
        arrays[f"schedule/{name}"] = np.array(
            [float(schedule(step)) for step in range(SCHEDULE_STEPS)], dtype="float32"
        )
        schedule_data[name] = keras.saving.serialize_keras_object(schedule)

    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    import tf_keras

    k2_cases = {
        name: run_k2_decay_case(tf_keras, cls, kw, arrays, name)
        for name, (cls, kw) in K2_DECAY_CASES.items()
    }
    data = {
        "keras_version": keras.__version__,
        "steps": STEPS,
        "cases": cases,
        "shape_cases": shape_cases,
        "k2_decay_cases": k2_cases,
        "schedules": schedule_data,
        "auto_names": auto_names(),
        "errors": errors(),
        "signatures": {name: str(inspect.signature(getattr(optimizers, name)))
                       for name in NAMES + KERAS3_ONLY},
        "k2_configs": k2_configs(tf_keras),
    }
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "optimizers.json"), "w") as f:
        json.dump(data, f, indent=1)
    np.savez_compressed(os.path.join(OUT, "optimizers.npz"), **arrays)


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["--jax"]:
        run_jax_cases(sys.argv[2])
    else:
        main()
