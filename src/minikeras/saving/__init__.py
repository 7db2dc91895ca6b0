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


_FROM_SAVING_API = ("load_model", "load_weights", "save_model", "save_weights")


def __getattr__(name):
    # saving_api's own functions, imported on first use: it loads every file format, which
    # `import minikeras` should not pay for.
    if name in _FROM_SAVING_API:
        from minikeras.saving import saving_api

        return getattr(saving_api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CustomObjectScope", "custom_object_scope", "deserialize_keras_object", "get_custom_objects",
    "get_registered_name", "get_registered_object", "load_model", "load_weights",
    "register_keras_serializable", "save_model", "save_weights", "serialize_keras_object",
]
