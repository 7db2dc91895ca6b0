"""The erasing, blurring, warping and mixing augmentation layers under Keras 3 on TensorFlow
-> compat/data/image_mixing.{json,npz}.

    /tmp/oracle/bin/python compat/make_image_mixing.py

For every case of tests/image_mixing_cases.py: the transformation Keras drew (the arrays
`TRANSFORMATION_KEYS` names), the images it made from it and TensorFlow's gradient of
`sum(output * u)` with respect to them; the labels it mixed (the `_labels` cases); for
RandomElasticTransform, the normal draw its transform made (`<case>/noise`, from the integer
seed `ELASTIC_SEED` put in the transformation); and the layer's config. For the pipelines
of `PIPELINES`: the output, TensorFlow's gradient, and the pipeline as Keras serializes it.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.pop("KERAS_BACKEND", None)

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
import image_mixing_cases as ic  # noqa: E402


def main():
    import keras
    import tensorflow as tf
    from keras.src.random.seed_generator import draw_seed

    arrays, meta = {}, {}
    for i, (name, (cls, kwargs, shape)) in enumerate(ic.RANDOM.items()):
        layer = getattr(keras.layers, cls)(seed=i, **kwargs)
        x = ic.images(name, shape)
        transformation = layer.get_random_transformation(x, training=True)
        if cls == "RandomElasticTransform":
            transformation["seed"] = ic.ELASTIC_SEED
            batch = shape if len(shape) == 4 else (1, *shape)
            size = batch[2:] if kwargs.get("data_format") == "channels_first" else batch[1:3]
            arrays[f"{name}/noise"] = tf.random.stateless_normal(
                (batch[0], *size), dtype="float32", seed=draw_seed(ic.ELASTIC_SEED)).numpy()
        single = len(shape) == 3
        transform = layer.transform_single_image if single else layer.transform_images
        v = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(v)
            y = transform(v, transformation, training=True)
            total = tf.reduce_sum(y * ic.upstream(name, shape))
        gradient = tape.gradient(total, v)
        arrays[f"{name}/y"] = np.asarray(y)
        if gradient is not None:
            arrays[f"{name}/g"] = np.asarray(gradient)
        for key in ic.TRANSFORMATION_KEYS[cls]:
            arrays[f"{name}/{key}"] = np.asarray(transformation[key])
        labels = ic.labels(name, shape)
        if labels is not None:
            arrays[f"{name}/labels"] = np.asarray(
                layer.transform_labels(tf.constant(labels), transformation, training=True))
        meta[name] = {"config": layer.get_config(), "gradient": gradient is not None,
                      "inference_is_identity": bool(np.array_equal(
                          np.asarray(layer(x, training=False)), x))}
    pipelines = {}
    for name, (specs, shape, training) in ic.PIPELINES.items():
        pipeline = keras.layers.Pipeline([getattr(keras.layers, cls)(**kwargs)
                                          for cls, kwargs in specs])
        v = tf.constant(ic.images(name, shape))
        with tf.GradientTape() as tape:
            tape.watch(v)
            y = pipeline(v, training=training)
            total = tf.reduce_sum(y * ic.upstream(name, tuple(y.shape)))
        arrays[f"{name}/y"] = np.asarray(y)
        arrays[f"{name}/g"] = np.asarray(tape.gradient(total, v))
        pipelines[name] = {"serialized": keras.saving.serialize_keras_object(pipeline),
                           "config": pipeline.get_config()}
    np.savez_compressed(os.path.join(DATA, "image_mixing.npz"), **arrays)
    with open(os.path.join(DATA, "image_mixing.json"), "w") as f:
        json.dump({"keras": keras.__version__, "cases": meta, "pipelines": pipelines}, f,
                  indent=1)


if __name__ == "__main__":
    main()
