"""Functional models saved by real Keras 3 and tf_keras in every format, for
tests/test_functional_saving.py.

    /tmp/oracle/bin/python compat/make_functional_files.py k3 [model ...]
    TF_USE_LEGACY_KERAS=1 /tmp/oracle/bin/python compat/make_functional_files.py k2 [model ...]

Writes into compat/data/functional/: for each model of tests/functional_cases.py (fixed
weights), `k3_<model>.keras`, `.weights.h5`, `.h5` (Keras 3.15) or `k2_<model>.h5`,
`_weights.h5` (tf_keras 2.21), `<writer>_<model>.npz` with the inputs (`x0..`) and Keras'
predictions (`pred0..`, flat, dict outputs in key order), and manifest_<writer>.json: per model,
the files, `model.layers` names and the summary Keras printed. Naming models refreshes only
those entries. `k2_tf_functions.h5` is tf_keras only (built here with TensorFlow): the
TensorFlow functions tf_keras records as TFOpLambda/SlicingOpLambda layers.
"""

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data", "functional")
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))

# tf_keras records `keras.ops` calls it does not have as nothing: those models are Keras 3's.
K2_MODELS = ["mlp", "two_in_two_out", "merges", "shared", "seq_in_func", "func_in_seq",
             "func_in_func", "op_nodes", "dict_io", "features", "masked"]
FORMATS = {"k3": [".keras", ".weights.h5", ".h5"], "k2": [".h5", "_weights.h5"]}


def tf_functions(keras):
    """The TensorFlow functions of minikeras' TFOpLambda table most models use, on symbolic
    tensors (only tf_keras records them)."""
    import tensorflow as tf

    x, y = keras.Input((4,), name="x"), keras.Input((4,), name="y")
    h = keras.layers.Dense(4, name="h")(x)
    pos = tf.abs(y) + 0.5  # a divisor and a log argument away from zero
    square = tf.reshape(h, [-1, 2, 2])
    outputs = [
        h + y, h - y, h * y, h / pos, 2.0 * h, 1.0 - h, -h, h ** 2, h // pos, h % pos,
        h[:, 1:3], h[..., 0], h[:, None, :2], h[:, ::-1],
        tf.add(h, y), tf.subtract(h, 1.0), tf.multiply(h, 3.0), tf.divide(h, pos),
        tf.maximum(h, y), tf.minimum(h, 0.0), tf.math.squared_difference(h, y),
        tf.reshape(h, [-1, 2, 2]), tf.concat([h, y], axis=-1), tf.concat([x, h], 1),
        tf.stack([h, y], axis=1), tf.expand_dims(h, -1), tf.squeeze(h[:, :1], axis=-1),
        tf.transpose(square, perm=[0, 2, 1]), tf.matmul(square, square),
        tf.matmul(square, square, transpose_b=True), h @ tf.transpose(y),
        tf.nn.relu(h), tf.nn.relu6(h * 4), tf.nn.sigmoid(h), tf.math.sigmoid(h), tf.tanh(h),
        tf.nn.softmax(h), tf.nn.softmax(square, axis=1), tf.nn.log_softmax(h),
        tf.nn.leaky_relu(h), tf.nn.leaky_relu(h, alpha=0.1), tf.nn.elu(h), tf.nn.selu(h),
        tf.nn.gelu(h), tf.nn.gelu(h, approximate=True), tf.nn.silu(h), tf.nn.swish(h),
        tf.math.softplus(h), tf.nn.softsign(h),
        tf.math.reduce_mean(h, axis=1), tf.reduce_mean(h, axis=-1, keepdims=True),
        tf.reduce_sum(h, 1), tf.reduce_max(square, axis=[1, 2]),
        tf.reduce_min(h, axis=1), tf.reduce_prod(h, axis=1), tf.math.reduce_std(h, axis=1),
        tf.math.reduce_variance(h, axis=1), tf.math.reduce_logsumexp(h, axis=1),
        tf.exp(h), tf.math.log(pos), tf.math.log1p(pos), tf.square(h), tf.sqrt(pos),
        tf.math.rsqrt(pos), tf.abs(h), tf.math.negative(h), tf.math.sign(h),
        tf.math.reciprocal(pos), tf.math.sin(h), tf.math.cos(h), tf.math.erf(h),
        tf.math.floor(h * 3), tf.math.ceil(h * 3), tf.math.round(h * 3), tf.math.pow(pos, 1.5),
        tf.cast(h > 0, "float32"), tf.cast(h * 3, "int32"), tf.clip_by_value(h, -0.25, 0.25),
        tf.where(h > y, h, y), tf.math.l2_normalize(h, axis=-1), tf.norm(h, axis=1),
        tf.math.add_n([h, y, x]), tf.tile(h, [1, 2]), tf.gather(h, [0, 2], axis=1),
        tf.math.cumsum(h, axis=1), tf.reverse(h, [1]), tf.math.argmax(h, axis=-1),
        tf.one_hot(tf.math.argmin(h, axis=1), 4), tf.split(h, 2, axis=1)[1],
    ]
    return keras.Model([x, y], outputs, name="tf_functions")


def main(which, only=()):
    if which == "k2":
        import tf_keras as keras
    else:
        import keras
    import functional_cases as fc

    os.makedirs(OUT, exist_ok=True)
    manifest_path = os.path.join(OUT, f"manifest_{which}.json")
    manifest = {}
    if only and os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
    builders = {name: lambda name=name: fc.build(keras, name, legacy=which == "k2")
                for name in fc.MODELS if which == "k3" or name in K2_MODELS}
    if which == "k2":
        builders["tf_functions"] = lambda: _with_fixed_weights(tf_functions(keras))
    for name, build in builders.items():
        if only and name not in only:
            continue
        keras.utils.set_random_seed(0)
        keras.backend.clear_session()
        model = build()
        suffixes = [".h5"] if name == "tf_functions" else FORMATS[which]
        x = fc.inputs_for(model)
        flat_x = fc.flat_predictions(x)
        pred = fc.flat_predictions(model.predict(x, verbose=0))
        stem = f"{which}_{name}"
        arrays = {f"x{i}": v for i, v in enumerate(flat_x)}
        arrays.update({f"pred{i}": v for i, v in enumerate(pred)})
        np.savez_compressed(os.path.join(OUT, stem + ".npz"), **arrays)
        lines = []
        model.summary(print_fn=lambda line, *a, **k: lines.append(line))
        for suffix in suffixes:
            path = os.path.join(OUT, stem + suffix)
            if "weights" in suffix:
                model.save_weights(path)
            else:
                model.save(path)
        manifest[name] = {
            "keras": keras.__version__, "files": [stem + s for s in suffixes],
            "layers": [layer.name for layer in model.layers],
            "input_structure": type(x).__name__, "summary": "\n".join(lines),
        }
        print(which, name, [layer.name for layer in model.layers])
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)


def _with_fixed_weights(model):
    rng = np.random.default_rng(0)
    model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32")
                       for w in model.get_weights()])
    return model


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
