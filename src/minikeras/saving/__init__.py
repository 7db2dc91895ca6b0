"""Saving and loading (`minikeras.saving`), as in `keras.saving`."""

from minikeras.saving.registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from minikeras.saving.registry import deserialize_any as _deserialize_any
from minikeras.saving.registry import serialize as serialize_keras_object


def deserialize_keras_object(config, custom_objects=None, **kwargs):
    """An object from its Keras config, resolved through minikeras' registry only."""
    return _deserialize_any(config, custom_objects)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    from minikeras.models import load_model as _load_model

    return _load_model(filepath, custom_objects, compile, safe_mode)


def save_model(model, filepath, overwrite=True, **kwargs):
    model.save(filepath, overwrite=overwrite, **kwargs)


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    model.load_weights(filepath, skip_mismatch=skip_mismatch, **kwargs)


__all__ = [
    "CustomObjectScope", "custom_object_scope", "deserialize_keras_object", "get_custom_objects",
    "get_registered_name", "get_registered_object", "load_model", "load_weights",
    "register_keras_serializable", "save_model", "serialize_keras_object",
]
