"""What `pickle` (and `copy.deepcopy`, joblib, Dask) makes of models and layers, through the
saving code, as Keras 3 does it: a model pickles as its `.keras` archive, a layer as its config
and weights. A pickle therefore holds the architecture, the weights, the compile settings and
the optimizer's state, and none of the buffers a training step keeps.

Unlike loading a file, unpickling trusts what it reads (pickle always does): the classes of the
model's layers travel with the pickle, by reference, so custom layers need no registration.
"""

import io
import zipfile

from minikeras.saving import keras_v3


def reduce_model(model):
    """`Model.__reduce__`: rebuilt by `load_model` from its `.keras` archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in keras_v3.archive_members(model).items():
            archive.writestr(name, data)
    return _load_model, (buffer.getvalue(), _layer_classes(model))


def _load_model(archive, layer_classes):
    return keras_v3.load_model(io.BytesIO(archive), custom_objects=layer_classes)


def _layer_classes(model):
    """`{class name: class}` for the model and every layer in it, nested models' included."""
    classes = {type(model).__name__: type(model)}
    for layer, _ in keras_v3.layer_paths(model):
        classes[type(layer).__name__] = type(layer)
    return classes


def reduce_layer(layer):
    """`Layer.__reduce__`: rebuilt from its config, its build config and its weights."""
    return _load_layer, (type(layer), layer.get_config(), layer.get_build_config(),
                         layer.get_weights())


def _load_layer(cls, config, build_config, weights):
    layer = cls.from_config(config)
    layer.build_from_config(build_config)
    if weights:
        layer.set_weights(weights)
    return layer
