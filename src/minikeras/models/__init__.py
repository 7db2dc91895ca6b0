"""Models (`minikeras.models`), as in `keras.models`."""

import json

from minikeras.models.functional import Functional
from minikeras.models.model import Model
from minikeras.models.sequential import Sequential
from minikeras.saving import loading, registry


def model_from_json(json_string, custom_objects=None):
    """A model from the JSON of `to_json()`, as written by Keras 3, Keras 2 or minikeras."""
    return loading.model_from_json(json_string, custom_objects)  # with load_model's guards


def model_from_config(config, custom_objects=None):
    """A model from a config dict (Keras 2 or Keras 3 form)."""
    return registry.deserialize("layer", config, custom_objects)


def clone_model(model, input_tensors=None, clone_function=None, **kwargs):
    """A new model with the same architecture, freshly initialized weights and, if `model` is
    compiled, the same compile settings with a fresh optimizer."""
    if isinstance(model, Functional):
        from minikeras.models.functional import clone_functional

        return clone_functional(model, input_tensors, clone_function)
    if not isinstance(model, Sequential):
        raise ValueError(
            f"Expected `model` to be a Sequential or Functional model. Received: {model}")
    clone_function = clone_function or (lambda layer: type(layer).from_config(layer.get_config()))
    clone = Sequential(name=model.name, trainable=model.trainable)
    if input_tensors is not None:
        clone.add(input_tensors)
    elif model._input_layer is not None:
        clone.add(type(model._input_layer).from_config(model._input_layer.get_config()), rebuild=False)
    for layer in model.layers:
        clone.add(clone_function(layer), rebuild=False)
    clone._maybe_rebuild()
    if not clone.built and model.built:
        clone.build(model._build_input_shape)
    if model.compiled:  # as Keras 3 does: the same settings, a fresh optimizer
        clone.compile_from_config(model.get_compile_config())
    return clone


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved by minikeras, Keras 3 (`.keras`, `.h5`) or Keras 2 (`.h5`, `.keras`)."""
    from minikeras.saving import saving_api

    return saving_api.load_model(
        filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode
    )


def save_model(model, filepath, overwrite=True, **kwargs):
    """Save `model` to `filepath` (`.keras` or `.h5`)."""
    model.save(filepath, overwrite=overwrite, **kwargs)


__all__ = [
    "Model", "Sequential", "clone_model", "load_model", "model_from_config", "model_from_json",
    "save_model",
]
