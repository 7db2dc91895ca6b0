"""Model files saved by real Keras 3 and Keras 2 in every format, for tests/test_saving.py.

    /tmp/oracle/bin/python compat/make_saved_files.py        # runs both halves below
    /tmp/oracle/bin/python compat/make_saved_files.py k3     # Keras 3 only
    TF_USE_LEGACY_KERAS=1 /tmp/oracle/bin/python compat/make_saved_files.py k2   # tf_keras only

Writes into compat/data/files/:
  k3_<model>.keras / .weights.h5 / .h5          Keras 3.15 (`save`, `save_weights`, legacy `save`)
  k2_<model>.h5 / _weights.h5 / .keras / .weights.h5   tf_keras 2.21 (the same four calls)
  k?_<model>.npz   x, Keras' predictions `pred`, the weights `w0..` and optimizer variables
                   `opt0..` at save time, and for compiled models the batches `resume_x/y` and
                   the weights `resumed_w0..` after two more `train_on_batch` steps on them
  manifest.json    one entry per file: model, Keras version, format, compiled, iterations
Models: `seed` (the issue's MLP), `zoo` (every activation, initializer, regularizer and
constraint, Dropout/Activation/Reshape/Flatten/Softmax, a (3, 4) input), `adam`, `rmsprop`,
`sgd` (trained with optimizer state) and `chunked` (a layer name long enough that Keras splits
the legacy `layer_names` attribute into `layer_names0`, `layer_names1`).
"""

import json
import os
import subprocess
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "files")

K3_ACTIVATIONS = [
    "celu", "elu", "exponential", "gelu", "hard_shrink", "hard_sigmoid", "hard_silu",
    "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish",
    "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign",
    "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh", "tanh_shrink",
]
# tf_keras' hard_sigmoid is a different function (0.2x+0.5), so K2 files leave it out.
K2_ACTIVATIONS = [
    "elu", "exponential", "gelu", "linear", "mish", "relu", "selu", "sigmoid", "softmax",
    "softplus", "softsign", "swish", "tanh",
]


# Which files each model gets (every format for `seed` and `adam`; fewer elsewhere keeps the
# data small: Keras' HDF5 files cost a few KB per layer however tiny the weights).
SUFFIXES = {"keras": ".keras", "h5": ".h5", "weights.h5": ".weights.h5",
            "weights_h5": "_weights.h5"}
ALL = {"k3": ["keras", "weights.h5", "h5"], "k2": ["h5", "weights_h5", "keras", "weights.h5"]}
FORMATS = {
    "k3": {"seed": ALL["k3"], "adam": ALL["k3"], "zoo": ["keras"], "rmsprop": ["keras", "h5"],
           "sgd": ["keras", "h5"], "chunked": []},
    "k2": {"seed": ALL["k2"], "adam": ALL["k2"], "zoo": ["h5", "keras"], "rmsprop": ["h5"],
           "sgd": ["h5", "keras"], "chunked": ["h5"]},
}


def initializers(keras):
    i = keras.initializers
    return [
        "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
        "lecun_normal", "random_normal", "random_uniform", "truncated_normal", "orthogonal",
        "variance_scaling", "zeros", "ones", i.Constant(0.3), i.Identity(gain=2.0),
        i.VarianceScaling(2.0, "fan_out", "uniform"), i.RandomNormal(0.1, 0.2),
    ]


def regularizers(keras):
    r = keras.regularizers
    return [None, "l1", "l2", r.L1L2(0.001, 0.002), r.OrthogonalRegularizer(0.02, "columns")]


def constraints(keras):
    c = keras.constraints
    return [None, "max_norm", "non_neg", "unit_norm", c.MinMaxNorm(0.5, 1.5, 0.7, 0)]


def pick(options, i):
    return options[i % len(options)]


def build_models(keras, legacy):
    """name -> (model, compile arguments or None)."""
    L = keras.layers
    seed = keras.Sequential([
        L.Dense(64, activation="relu", input_shape=(10,)),
        L.Dense(64, activation="relu"),
        L.Dense(10, activation="softmax"),
    ])
    zoo_layers = [keras.Input((3, 4))]
    inits, regs, cons = initializers(keras), regularizers(keras), constraints(keras)
    bias_inits = [init for init in inits if init not in ("orthogonal",)
                  and type(init).__name__ not in ("Identity",)][3:]
    for i, activation in enumerate(K2_ACTIVATIONS if legacy else K3_ACTIVATIONS):
        zoo_layers.append(L.Dense(
            3, activation=activation,
            kernel_initializer=pick(inits, i), bias_initializer=pick(bias_inits, i),
            kernel_regularizer=pick(regs, i), bias_regularizer=pick(regs[:4], i + 1),
            activity_regularizer=pick(regs[:4], i + 2), kernel_constraint=pick(cons, i),
            bias_constraint=pick(cons, i + 2), use_bias=i % 7 != 3, name=f"d_{activation}",
        ))
        if i % 9 == 4:
            zoo_layers.append(L.Dropout(0.25, seed=3))
        if i % 9 == 7:
            zoo_layers.append(L.Activation("tanh"))
    zoo_layers += [L.Reshape((1, 9)), L.Flatten(), L.Dense(4), L.Softmax()]
    if not legacy:  # glu halves the last axis, which Keras' shape inference ignores: keep it last
        zoo_layers.append(L.Activation("glu"))
    zoo = keras.Sequential(zoo_layers, name="zoo")

    def small(name, activation):
        return keras.Sequential([keras.Input((4,)), L.Dense(5, activation="relu"),
                                 L.Dense(3, activation=activation)], name=name)

    o = keras.optimizers
    models = {
        "seed": (seed, dict(optimizer="adam", loss="categorical_crossentropy",
                            metrics=["accuracy"])),
        "zoo": (zoo, None),
        "adam": (small("adam_model", "softmax"),
                 dict(optimizer=o.Adam(0.01), loss="categorical_crossentropy",
                      metrics=["accuracy"])),
        "rmsprop": (small("rmsprop_model", "linear"),
                    dict(optimizer=o.RMSprop(0.01, momentum=0.9), loss="mse", metrics=["mae"])),
        "sgd": (small("sgd_model", "softmax"),
                dict(optimizer=o.SGD(0.1, momentum=0.9, nesterov=True),
                     loss=keras.losses.SparseCategoricalCrossentropy(),
                     metrics=["sparse_categorical_accuracy"])),
    }
    long_name = "layer_with_a_very_long_name_" + "x" * 5400
    models["chunked"] = (keras.Sequential(
        [keras.Input((2,))] + [L.Dense(2, name=long_name if i == 0 else f"short_{i}")
                               for i in range(12)], name="chunked"), None)
    return models


def targets(name, rng, n):
    if name == "sgd":
        return rng.integers(0, 3, (n,)).astype("int32")
    if name == "rmsprop":
        return rng.normal(size=(n, 3)).astype("float32")
    width = 10 if name == "seed" else 3
    return np.eye(width, dtype="float32")[rng.integers(0, width, n)]


def run(which):
    legacy = which == "k2"
    if legacy:
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
        import tf_keras as keras
    else:
        import keras
    os.makedirs(OUT, exist_ok=True)
    keras.utils.set_random_seed(0)
    manifest = {}
    for name, (model, compile_args) in build_models(keras, legacy).items():
        if not FORMATS[which][name]:
            continue
        rng = np.random.default_rng(len(name))
        shape = tuple(model.input_shape[1:])
        x = rng.uniform(-1, 1, (4, *shape)).astype("float32")
        arrays = {"x": x}
        iterations = 0
        if compile_args:
            model.compile(**compile_args)
        if compile_args and name != "seed":  # the seed model stays untrained: an unbuilt optimizer
            train_x = rng.uniform(-1, 1, (32, *shape)).astype("float32")
            model.fit(train_x, targets(name, rng, 32), batch_size=16, epochs=1, verbose=0)
            iterations = int(model.optimizer.iterations.numpy())
            arrays.update({f"opt{i}": np.asarray(v)
                           for i, v in enumerate(model.optimizer.variables)})
        arrays["pred"] = model.predict(x, verbose=0)
        arrays.update({f"w{i}": w for i, w in enumerate(model.get_weights())})
        assert np.all(np.isfinite(arrays["pred"])), name
        stem = f"{which}_{name}"
        for fmt in FORMATS[which][name]:
            suffix = SUFFIXES[fmt]
            path = os.path.join(OUT, stem + suffix)
            if fmt in ("keras", "h5"):
                model.save(path)
            else:
                model.save_weights(path)
            manifest[stem + suffix] = {
                "model": name, "keras": keras.__version__, "writer": which, "format": fmt,
                "compiled": bool(compile_args), "iterations": iterations, "npz": stem + ".npz",
            }
        if compile_args:
            record_resumed_training(model, arrays, rng.uniform(-1, 1, (16, *shape)).astype(
                "float32"), targets(name, rng, 16))
        np.savez_compressed(os.path.join(OUT, stem + ".npz"), **arrays)
    with open(os.path.join(OUT, f"manifest_{which}.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)


def record_resumed_training(model, arrays, x, y):
    """Train the loaded-equivalent model two more batches of 8 from `x`, `y`, and keep the
    batches and the weights it reaches in `arrays` (tests resume training and compare)."""
    for start in (0, 8):
        model.train_on_batch(x[start:start + 8], y[start:start + 8])
    arrays.update(resume_x=x, resume_y=y)
    arrays.update({f"resumed_w{i}": w for i, w in enumerate(model.get_weights())})


def run_both_generations(script, name):
    """Run `script k3` under Keras 3 and `script k2` under tf_keras, each writing
    `<name>_<which>.json` into OUT; merge the two into `<name>.json` and return it."""
    manifest = {}
    for which in ("k3", "k2"):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        env.pop("TF_USE_LEGACY_KERAS", None)
        if which == "k2":
            env["TF_USE_LEGACY_KERAS"] = "1"
        subprocess.run([sys.executable, os.path.abspath(script), which], env=env, check=True)
        path = os.path.join(OUT, f"{name}_{which}.json")
        with open(path) as f:
            manifest.update(json.load(f))
        os.remove(path)
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    return manifest


def main():
    if len(sys.argv) > 1:
        run(sys.argv[1])
        return
    run_both_generations(__file__, "manifest")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
