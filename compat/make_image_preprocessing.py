"""Image preprocessing and augmentation layers under real Keras -> compat/data/image_*.

    /tmp/oracle/bin/python compat/make_image_preprocessing.py          # both parts below
    /tmp/oracle/bin/python compat/make_image_preprocessing.py k3       # Keras 3 on TensorFlow
    TF_USE_LEGACY_KERAS=1 /tmp/oracle/bin/python compat/make_image_preprocessing.py k2

Keras 3 on TensorFlow (whose `tf.image` kernels minikeras samples as) gives, for every case of
tests/image_preprocessing_cases.py (data/image_preprocessing.npz, .json): the output of each
deterministic call, and for each random layer in training the transformation it drew and the
output it made from it; with each, TensorFlow's gradient of `sum(output * u)` with respect to
the images where TensorFlow has one. Both generations give the layers' configs and save
Sequential models holding every image layer (data/files/image/<k3|k2>_<model>.*, with inputs
and predictions, manifest.json; Keras 3 writes .keras and .weights.h5, tf_keras .h5 and .keras).
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
FILES = os.path.join(DATA, "files", "image")
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
import image_preprocessing_cases as ic  # noqa: E402
from make_saved_files import OUT, run_both_generations  # noqa: E402

# Keras 3.15 cannot write these layers to legacy .h5 (it deep-copies their backend module).
FORMATS = {"k3": [".keras", ".weights.h5"], "k2": [".h5", ".keras"]}


def with_gradient(tf, function, x, u):
    """`function(x)` and d sum(function(x) * u) / dx (None where TensorFlow has no gradient)."""
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = function(x)
        total = tf.reduce_sum(y * u)
    try:
        grad = tape.gradient(total, x)
    except LookupError:
        grad = None
    return np.asarray(y), None if grad is None else np.asarray(grad)


def layer_references(keras, tf):
    arrays, meta = {}, {}
    for name, (cls, kwargs, shape) in ic.DETERMINISTIC.items():
        layer = getattr(keras.layers, cls)(**kwargs)
        x = ic.images(name, shape)
        y, g = with_gradient(tf, lambda v, layer=layer: layer(v, training=True), x,
                             ic.upstream(name, layer.compute_output_shape(shape)))
        arrays[f"{name}/y"] = y
        if g is not None:
            arrays[f"{name}/g"] = g
        meta[name] = {"config": layer.get_config(), "gradient": g is not None}
    for i, (name, (cls, kwargs, shape)) in enumerate(ic.RANDOM.items()):
        layer = getattr(keras.layers, cls)(seed=i, **kwargs)
        x = ic.images(name, shape)
        transformation = layer.get_random_transformation(x, training=True)
        y, g = with_gradient(
            tf, lambda v, layer=layer, t=transformation: layer.transform_images(v, t, True),
            x, ic.upstream(name, shape))
        arrays[f"{name}/y"] = y
        if g is not None:
            arrays[f"{name}/g"] = g
        for key in ic.TRANSFORMATION_KEYS[cls]:
            arrays[f"{name}/{key}"] = np.asarray(transformation[key])
        config = layer.get_config()
        meta[name] = {"config": config, "gradient": g is not None,
                      "inference_is_identity": bool(np.array_equal(
                          np.asarray(layer(x, training=False)), x))}
    return arrays, meta


def configs(keras):
    out = {}
    legacy = keras.__version__.startswith("2.")
    for name, (cls, kwargs, shape) in {**ic.DETERMINISTIC, **ic.RANDOM}.items():
        kwargs = dict(kwargs)
        if legacy:  # arguments tf_keras' layers do not have
            if {"pad_to_aspect_ratio", "antialias"} & set(kwargs):
                continue
            for argument in ("fill_value", "data_format", "value_range"):
                if cls in ("Resizing", "RandomContrast") or argument == "data_format":
                    kwargs.pop(argument, None)
        out[name] = getattr(keras.layers, cls)(**kwargs).get_config()
    return out


def save_models(keras, which):
    manifest = {}
    for name, (input_shape, specs) in ic.model_specs(which).items():
        keras.utils.set_random_seed(0)
        layers = [keras.Input(input_shape)] + [
            getattr(keras.layers, cls)(**kwargs) for cls, kwargs in specs]
        model = keras.Sequential(layers, name=name)
        model.set_weights(ic.initial_weights([w.shape for w in model.get_weights()], len(name)))
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        x, _, _ = ic.model_data(name, input_shape, model.output_shape[-1])
        stem = f"{which}_{name}"
        np.savez_compressed(os.path.join(FILES, stem + ".npz"), x=x,
                            pred=model.predict(x, verbose=0),
                            **{f"w{i}": w for i, w in enumerate(model.get_weights())})
        for suffix in FORMATS[which]:
            path = os.path.join(FILES, stem + suffix)
            (model.save_weights if suffix == ".weights.h5" else model.save)(path)
            manifest[stem + suffix] = {"model": name, "writer": which, "npz": stem + ".npz",
                                       "keras": keras.__version__}
    return manifest


def run(which):
    os.makedirs(FILES, exist_ok=True)
    if which == "k3":
        import keras
        import tensorflow as tf

        arrays, meta = layer_references(keras, tf)
        np.savez_compressed(os.path.join(DATA, "image_preprocessing.npz"), **arrays)
    else:
        import tf_keras as keras

        meta = {}
    out = {"cases": meta, "configs": configs(keras), "files": save_models(keras, which)}
    with open(os.path.join(OUT, f"image_preprocessing_{which}.json"), "w") as f:
        json.dump({which: out}, f)


def main():
    if len(sys.argv) > 1:
        run(sys.argv[1])
        return
    os.environ.pop("KERAS_BACKEND", None)
    merged = run_both_generations(__file__, "image_preprocessing")
    os.remove(os.path.join(OUT, "image_preprocessing.json"))
    with open(os.path.join(FILES, "manifest.json"), "w") as f:
        json.dump({**merged["k3"].pop("files"), **merged["k2"].pop("files")}, f, indent=1,
                  sort_keys=True)
    with open(os.path.join(DATA, "image_preprocessing.json"), "w") as f:
        json.dump({"cases": merged["k3"]["cases"],
                   "configs": {w: merged[w]["configs"] for w in merged}}, f, indent=1)


if __name__ == "__main__":
    main()
