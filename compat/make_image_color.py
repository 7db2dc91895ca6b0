"""Keras 3's colour layers under real Keras 3 on TensorFlow -> compat/data/image_color.*

    /tmp/oracle/bin/python compat/make_image_color.py

For every case of tests/image_color_cases.py (data/image_color.npz, .json): the output of each
deterministic call, and for each random layer in training the transformation it drew and the
output it made from it; with each, TensorFlow's gradient of `sum(output * u)` with respect to
the images where TensorFlow has one; and each layer's config. Also a Sequential model of the
colour layers, saved as data/files/image/k3_color.keras (with k3_color.npz: inputs, predictions,
weights).
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["KERAS_BACKEND"] = "tensorflow"

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
import image_color_cases as cc  # noqa: E402


def with_gradient(tf, function, x, u):
    """`function(x)` and d sum(function(x) * u) / dx (None where TensorFlow has none)."""
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = function(x)
        total = tf.reduce_sum(tf.cast(y, tf.float32) * u)
    grad = tape.gradient(total, x)
    return np.asarray(y), None if grad is None else np.asarray(grad)


def record_adjustments(layer):
    """RandomColorJitter draws inside its transform, from each adjustment: the draws it
    makes, recorded by adjustment as they are made."""
    drawn = {}
    for name in cc.JITTER_KEYS:
        adjustment = getattr(layer, f"random_{name}")
        if adjustment is None:
            continue

        def draw(*args, adjustment=adjustment, name=name, **kwargs):
            drawn[name] = type(adjustment).get_random_transformation(
                adjustment, *args, **kwargs)
            return drawn[name]

        adjustment.get_random_transformation = draw
    return drawn


def save_model(keras):
    """data/files/image/k3_color.keras, with its inputs, predictions and weights (.npz)."""
    x, weights = cc.model_data()
    model = keras.Sequential([keras.Input(cc.MODEL_INPUT)] + [
        getattr(keras.layers, cls)(**kwargs) for cls, kwargs in cc.MODEL_LAYERS], name="color")
    model.set_weights(weights([w.shape for w in model.get_weights()]))
    files = os.path.join(DATA, "files", "image")
    model.save(os.path.join(files, "k3_color.keras"))
    np.savez_compressed(os.path.join(files, "k3_color.npz"), x=x,
                        pred=model.predict(x, verbose=0),
                        **{f"w{i}": w for i, w in enumerate(model.get_weights())})


def main():
    import keras
    import tensorflow as tf

    arrays, cases, configs = {}, {}, {}
    for name, (cls, kwargs, shape) in cc.DETERMINISTIC.items():
        layer = getattr(keras.layers, cls)(**kwargs)
        x = cc.images(name, shape)
        y, g = with_gradient(tf, lambda v, layer=layer: layer(v, training=True), x,
                             cc.upstream(name, shape))
        arrays[f"{name}/y"] = y
        if g is not None:
            arrays[f"{name}/g"] = g
        cases[name] = {"gradient": g is not None}
        configs[name] = layer.get_config()
    for i, (name, (cls, kwargs, shape)) in enumerate(cc.RANDOM.items()):
        layer = getattr(keras.layers, cls)(seed=i, **kwargs)
        x = cc.images(name, shape)
        transformation = layer.get_random_transformation(x, training=True)
        drawn = record_adjustments(layer) if cls == "RandomColorJitter" else {}
        transform = layer.transform_images if len(shape) == 4 else layer.transform_single_image
        y, g = with_gradient(
            tf, lambda v, t=transformation, transform=transform: transform(v, t, True),
            x, cc.upstream(name, shape))
        arrays[f"{name}/y"] = y
        if g is not None:
            arrays[f"{name}/g"] = g
        keys = cc.TRANSFORMATION_KEYS[cls]
        if keys is None:
            arrays[f"{name}/transformation"] = np.asarray(transformation)
        elif keys == "adjustments":
            for adjustment, key in cc.JITTER_KEYS.items():
                if adjustment in drawn:
                    arrays[f"{name}/{adjustment}/{key}"] = np.asarray(drawn[adjustment][key])
            keys = ()
        for key in keys or ():
            arrays[f"{name}/{key}"] = np.asarray(transformation[key])
        cases[name] = {"gradient": g is not None, "inference_is_identity": bool(
            np.array_equal(np.asarray(layer(x, training=False)), x))}
        configs[name] = layer.get_config()
    save_model(keras)
    np.savez_compressed(os.path.join(DATA, "image_color.npz"), **arrays)
    with open(os.path.join(DATA, "image_color.json"), "w") as f:
        json.dump({"keras": keras.__version__, "cases": cases, "configs": configs}, f,
                  indent=1, default=list)


if __name__ == "__main__":
    main()
