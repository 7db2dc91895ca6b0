"""Convolution, pooling and spatial layers under real Keras -> compat/data/conv*.

    /tmp/oracle/bin/python compat/make_conv.py        # runs the three parts below
    /tmp/oracle/bin/python compat/make_conv.py references   # the layer cases only, files kept
    KERAS_BACKEND=jax /tmp/oracle/bin/python compat/make_conv.py layers   # Keras 3 on JAX
    /tmp/oracle/bin/python compat/make_conv.py k3     # Keras 3 on TensorFlow
    TF_USE_LEGACY_KERAS=1 /tmp/oracle/bin/python compat/make_conv.py k2   # tf_keras

For every case of tests/conv_cases.py.LAYER_CASES, Keras 3 on JAX gives (data/conv_layers.npz)
the output of the layer on fixed weights and input, its losses (regularizers), and the gradients of `sum(output * u)` with
respect to the input and each weight (JAX, because Keras 3.15 on TensorFlow computes a strided
"same" channels_first Conv1D wrongly: compare it with the channels_last one); both generations
give its config (data/conv_configs.json); tf_keras the outputs of the cases only it builds
(`KERAS2_ONLY_CASES`, data/conv_layers_k2.npz). Keras 3 gives the constructor arguments of issue 12's
layers, in order, with their defaults (data/layer_signatures.json).
For every convnet of `conv_cases.model_specs` (Sequential, both data formats; tf_keras on
channels_last only: TensorFlow's CPU kernels refuse channels_first), starting from fixed
weights: the weights after 4 steps of Adam, then the model saved in every format with inputs and
predictions (data/files/<k3|k2>_<model>_<format>.*, data/files/manifest_conv.json).
"""

import json
import os
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
FILES = os.path.join(DATA, "files")
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
import conv_cases as cc  # noqa: E402

FORMATS = {"k3": [".keras", ".weights.h5", ".h5"], "k2": [".h5", "_weights.h5", ".keras"]}


def layer_references(keras):
    import jax

    arrays, configs = {}, {}
    for name, (cls, args, kwargs, shape) in cc.LAYER_CASES.items():
        layer = getattr(keras.layers, cls)(*args, **kwargs)
        layer.build(shape)
        x, weights = cc.layer_data(name, [tuple(w.shape) for w in layer.weights])
        layer.set_weights(weights)
        y = np.asarray(layer(x))
        if layer.losses:  # the weights' regularization and the call's activity losses
            arrays[f"{name}/losses"] = np.array([float(loss) for loss in layer.losses])
        u = cc.upstream(name, y.shape)

        def total(x, *weights, layer=layer, u=u):
            out, _ = layer.stateless_call(list(weights), [], x)
            return (out * u).sum()

        grads = jax.grad(total, argnums=tuple(range(1 + len(weights))))(x, *weights)
        arrays[f"{name}/y"] = y
        for i, g in enumerate(grads):
            arrays[f"{name}/g{i}"] = np.asarray(g)
        configs[name] = layer.get_config()
    return arrays, configs


# Issue 12's layers, whose constructors minikeras follows argument for argument.
SIGNATURE_CLASSES = (
    "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
    "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D",
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
    "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D",
    "UpSampling1D", "UpSampling2D", "UpSampling3D", "Resizing", "CenterCrop", "RandomFlip",
    "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness",
    "RandomCrop",
)


def signatures(keras):
    """Each class' named constructor arguments in order, with their defaults (repr)."""
    import inspect

    out = {}
    for cls in SIGNATURE_CLASSES:
        parameters = inspect.signature(getattr(keras.layers, cls).__init__).parameters
        out[cls] = [[name, None if p.default is inspect.Parameter.empty else repr(p.default)]
                    for name, p in parameters.items()
                    if name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD]
    return out


def legacy_configs(keras):
    """tf_keras' configs of every case, and the outputs of those only it builds."""
    configs, outputs = {}, {}
    for name, (cls, args, kwargs, shape) in {**cc.LAYER_CASES, **cc.KERAS2_ONLY_CASES}.items():
        layer = getattr(keras.layers, cls)(*args, **kwargs)
        layer.build(shape)
        configs[name] = layer.get_config()
        if name in cc.KERAS2_ONLY_CASES:
            x, weights = cc.layer_data(name, [tuple(w.shape) for w in layer.weights])
            layer.set_weights(weights)
            outputs[f"{name}/y"] = np.asarray(layer(x))
    np.savez_compressed(os.path.join(DATA, "conv_layers_k2.npz"), **outputs)
    return configs


def save_models(keras, which):
    manifest = {}
    formats = ["channels_last"] if which == "k2" else ["channels_last", "channels_first"]
    for data_format in formats:
        for name in cc.model_specs(data_format):
            keras.utils.set_random_seed(0)
            model = cc.build_model(keras, name, data_format)
            start = cc.initial_weights([w.shape for w in model.get_weights()], seed=len(name))
            model.set_weights(start)
            x, train_x, train_y = cc.model_data(name, data_format, model.input_shape[1:],
                                                model.output_shape[-1])
            loss = "categorical_crossentropy" if model.output_shape[-1] > 2 else "mse"
            model.compile(optimizer=keras.optimizers.Adam(cc.LEARNING_RATE), loss=loss)
            model.fit(train_x, train_y, **cc.TRAINING)
            arrays = {"x": x, "train_x": train_x, "train_y": train_y,
                      "pred": model.predict(x, verbose=0)}
            arrays.update({f"start{i}": w for i, w in enumerate(start)})
            arrays.update({f"w{i}": w for i, w in enumerate(model.get_weights())})
            stem = f"{which}_{name}_{data_format}"
            np.savez_compressed(os.path.join(FILES, stem + ".npz"), **arrays)
            for suffix in FORMATS[which]:
                path = os.path.join(FILES, stem + suffix)
                (model.save if suffix in (".keras", ".h5") else model.save_weights)(path)
                manifest[stem + suffix] = {
                    "model": name, "data_format": data_format, "writer": which,
                    "keras": keras.__version__, "loss": loss, "npz": stem + ".npz",
                    "format": suffix.lstrip("._"),
                }
    return manifest


def run(which):
    if which == "layers":
        import keras

        arrays, configs = layer_references(keras)
        np.savez_compressed(os.path.join(DATA, "conv_layers.npz"), **arrays)
        with open(os.path.join(DATA, "conv_configs_k3.json"), "w") as f:
            json.dump(configs, f)
        with open(os.path.join(DATA, "layer_signatures.json"), "w") as f:
            json.dump({"keras": keras.__version__, "layers": signatures(keras)}, f, indent=0)
        return
    if which in ("k2", "k2configs"):
        import tf_keras as keras

        with open(os.path.join(DATA, "conv_configs_k2.json"), "w") as f:
            json.dump(legacy_configs(keras), f)
        if which == "k2configs":
            return
    else:
        import keras
    with open(os.path.join(FILES, f"manifest_conv_{which}.json"), "w") as f:
        json.dump(save_models(keras, which), f)


def main():
    if len(sys.argv) > 1 and sys.argv[1] != "references":
        run(sys.argv[1])
        return
    # `references`: the layer cases only (outputs, gradients, configs), the files kept
    references = sys.argv[1:] == ["references"]
    parts = ("layers", "k2configs") if references else ("layers", "k3", "k2")
    for which in parts:
        env = dict(os.environ)
        env.pop("TF_USE_LEGACY_KERAS", None)
        env.pop("KERAS_BACKEND", None)
        if which == "layers":
            env["KERAS_BACKEND"] = "jax"
        if which.startswith("k2"):
            env["TF_USE_LEGACY_KERAS"] = "1"
        subprocess.run([sys.executable, os.path.abspath(__file__), which], env=env, check=True)
    configs, manifest = {}, {}
    for which in ("k3", "k2"):
        with open(os.path.join(DATA, f"conv_configs_{which}.json")) as f:
            configs[which] = json.load(f)
        os.remove(os.path.join(DATA, f"conv_configs_{which}.json"))
        if references:
            continue
        with open(os.path.join(FILES, f"manifest_conv_{which}.json")) as f:
            manifest.update(json.load(f))
        os.remove(os.path.join(FILES, f"manifest_conv_{which}.json"))
    with open(os.path.join(DATA, "conv_configs.json"), "w") as f:
        json.dump(configs, f, indent=1, sort_keys=True)
    if references:
        return
    with open(os.path.join(FILES, "manifest_conv.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
