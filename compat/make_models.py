"""Reference models for issue 2, made by real Keras (run under the oracle, see compat/README.md).

    /tmp/oracle/bin/python compat/make_models.py          # Keras 3
    TF_USE_LEGACY_KERAS=1 /tmp/oracle/bin/python compat/make_models.py   # Keras 2 (tf_keras)

For every activation Keras has, a small Sequential model whose Dense layers also cycle through
every initializer, regularizer and constraint; writes compat/data/models_k{2,3}.json with
each model's `to_json()`, its weights, an input batch and Keras' predictions.
"""

import json
import os
import sys

import numpy as np

LEGACY = os.environ.get("TF_USE_LEGACY_KERAS") == "1"
if LEGACY:
    import tf_keras as keras
else:
    import keras

K3_ACTIVATIONS = [
    "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu",
    "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish",
    "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign",
    "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh", "tanh_shrink",
]
K2_ACTIVATIONS = [
    "elu", "exponential", "gelu", "hard_sigmoid", "linear", "mish", "relu", "selu", "sigmoid",
    "softmax", "softplus", "softsign", "swish", "tanh",
]
INITIALIZERS = [
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
    "lecun_normal", "random_normal", "random_uniform", "truncated_normal", "orthogonal",
    "variance_scaling", "zeros", "ones", {"class_name": "Constant", "config": {"value": 0.3}},
    {"class_name": "Identity", "config": {"gain": 2.0}},
    {"class_name": "VarianceScaling", "config": {"scale": 2.0, "mode": "fan_out", "distribution": "uniform"}},
]
REGULARIZERS = [
    None, "l1", "l2", {"class_name": "L1L2", "config": {"l1": 0.001, "l2": 0.002}},
    {"class_name": "OrthogonalRegularizer", "config": {"factor": 0.02, "mode": "columns"}},
]
CONSTRAINTS = [
    None, "max_norm", "non_neg", "unit_norm",
    {"class_name": "MinMaxNorm", "config": {"min_value": 0.5, "max_value": 1.5, "rate": 0.7, "axis": 0}},
]


def pick(options, i):
    option = options[i % len(options)]
    if isinstance(option, dict):
        module = {"Constant": keras.initializers, "Identity": keras.initializers,
                  "VarianceScaling": keras.initializers, "L1L2": keras.regularizers,
                  "OrthogonalRegularizer": keras.regularizers,
                  "MinMaxNorm": keras.constraints}[option["class_name"]]
        return getattr(module, option["class_name"])(**option["config"])
    return option


def build(i, activation):
    # Identity needs a square kernel: the middle layer maps 6 -> 6.
    regularizer = pick(REGULARIZERS, i)
    if LEGACY and isinstance(regularizer, keras.regularizers.OrthogonalRegularizer):
        regularizer = "l2"
    return keras.Sequential([
        keras.Input((5,)) if not LEGACY else keras.layers.InputLayer(input_shape=(5,)),
        keras.layers.Dense(6, activation="tanh", kernel_initializer="glorot_uniform"),
        keras.layers.Dense(
            6,
            activation=activation if activation != "glu" else "linear",
            kernel_initializer=pick(INITIALIZERS, i),
            bias_initializer=pick(["zeros", "ones", "random_normal"], i),
            kernel_regularizer=regularizer,
            bias_regularizer=pick(REGULARIZERS[:4], i + 2) if not LEGACY else "l1",
            activity_regularizer=pick(REGULARIZERS, i + 1) if not LEGACY else "l2",
            kernel_constraint=pick(CONSTRAINTS, i),
            bias_constraint=pick(CONSTRAINTS, i + 1),
        ),
        # glu halves its input, which only the last layer can absorb.
        keras.layers.Dense(4 if activation == "glu" else 3, activation=activation),
    ], name=f"model_{activation}")


def main():
    keras.utils.set_random_seed(1234)
    rng = np.random.default_rng(0)
    activations = K2_ACTIVATIONS if LEGACY else K3_ACTIVATIONS
    records = []
    for i, activation in enumerate(activations):
        model = build(i, activation)
        x = rng.uniform(-2, 2, size=(7, 5)).astype("float32")
        # Perturb the weights so that zero/one initializers still give informative outputs.
        weights = [w + rng.normal(0, 0.3, size=w.shape).astype("float32") for w in model.get_weights()]
        model.set_weights(weights)
        prediction = model.predict(x, verbose=0)
        model(x)  # so that `losses` hold the activity terms of this batch
        records.append({
            "activation": activation,
            "json": model.to_json(),
            "weights": [w.tolist() for w in weights],
            "x": x.tolist(),
            "prediction": prediction.tolist(),
            "losses": [float(l) for l in model.losses],
        })
    name = "models_k2.json" if LEGACY else "models_k3.json"
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", name)
    with open(path, "w") as f:
        json.dump({"keras_version": keras.__version__, "models": records}, f)
    print(f"wrote {len(records)} models to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
