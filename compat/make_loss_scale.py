"""Record Keras' loss scaling as `compat/data/loss_scale/`.

    /tmp/oracle/bin/python compat/make_loss_scale.py                       # Keras 3 files, runs
    TF_USE_LEGACY_KERAS=1 /tmp/oracle/bin/python compat/make_loss_scale.py  # the tf_keras file

For `tests/test_loss_scale.py`:
- `runs.npz`: float32 models trained by `fit` with `LossScaleOptimizer(SGD)` (a growth every 3
  steps) and with `SGD(loss_scale_factor=8)`: weights, the scale and counter after each epoch;
  and `apply` on a non-finite gradient (skipped, the scale halved).
- `k3_mixed.keras`, `k3_mixed.h5`: a model trained under the `mixed_float16` policy (compile
  wraps its Adam in a `LossScaleOptimizer`), with the optimizer's variables.
- `k2_mixed.h5`: the same from tf_keras.
"""

import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "loss_scale")
X = np.random.default_rng(0).normal(size=(24, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")
START = [np.array([[0.1], [0.2], [-0.3]], "float32"), np.array([0.05], "float32")]


def _model(keras):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.set_weights(START)
    return model


def keras3_runs(keras):
    out = {}
    model = _model(keras)
    optimizer = keras.optimizers.LossScaleOptimizer(
        keras.optimizers.SGD(0.05), initial_scale=2.0**10, dynamic_growth_steps=3)
    model.compile(optimizer, "mse")
    for epoch in range(2):
        model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)  # 3 steps an epoch
        out[f"lso_kernel_{epoch}"] = model.get_weights()[0]
        out[f"lso_scale_{epoch}"] = np.asarray(optimizer.dynamic_scale)
        out[f"lso_counter_{epoch}"] = np.asarray(optimizer.step_counter)
        out[f"lso_iterations_{epoch}"] = np.asarray(optimizer.iterations)
    model = _model(keras)
    model.compile(keras.optimizers.SGD(0.05, loss_scale_factor=8.0), "mse")
    model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    out["factor_kernel"] = model.get_weights()[0]
    variable = keras.Variable(np.ones(3, "float32"))
    optimizer = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1))
    optimizer.apply([np.array([1.0, np.inf, 1.0], "float32")], [variable])
    out["nonfinite_variable"] = np.asarray(variable)
    out["nonfinite_scale"] = np.asarray(optimizer.dynamic_scale)
    out["nonfinite_iterations"] = np.asarray(optimizer.iterations)
    optimizer.apply([np.array([1.0, 2.0, 3.0], "float32")], [variable])
    out["finite_variable"] = np.asarray(variable)
    out["scaled_loss"] = np.asarray(optimizer.scale_loss(np.float32(3.0)))
    out["config"] = np.array(repr(sorted(optimizer.get_config())))
    np.savez(os.path.join(HERE, "runs.npz"), **out)


def mixed_files(keras, prefix, formats):
    keras.mixed_precision.set_global_policy("mixed_float16")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1, dtype="float32")])
    model.compile("adam", "mse")
    model.fit(X, Y, batch_size=8, epochs=2, verbose=0)
    for fmt in formats:
        model.save(os.path.join(HERE, f"{prefix}_mixed.{fmt}"))
    np.savez(os.path.join(HERE, f"{prefix}_mixed.npz"),
             x=X[:4], y=np.asarray(model.predict(X[:4], verbose=0), "float32"),
             optimizer_class=np.array(type(model.optimizer).__name__),
             optimizer_variables=np.array(len(model.optimizer.variables)),
             scale=np.asarray(getattr(model.optimizer, "dynamic_scale",
                                      getattr(model.optimizer, "loss_scale", 0.0))))


def main():
    if os.environ.get("TF_USE_LEGACY_KERAS") == "1":
        import tf_keras as keras

        mixed_files(keras, "k2", ["h5"])
        return
    import keras

    keras3_runs(keras)
    mixed_files(keras, "k3", ["keras", "h5"])


if __name__ == "__main__":
    main()
