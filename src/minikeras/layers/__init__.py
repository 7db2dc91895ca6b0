"""Layers (`minikeras.layers`), as in `keras.layers`."""

from minikeras.layers.activation import Activation, Softmax
from minikeras.layers.base import Layer, Variable
from minikeras.layers.dense import Dense
from minikeras.layers.dropout import Dropout
from minikeras.layers.input_layer import Input, InputLayer, KerasTensor
from minikeras.layers.preprocessing import (
    CategoryEncoding, Discretization, Hashing, IntegerLookup, Normalization, Rescaling,
    StringLookup, TextVectorization,
)
from minikeras.layers.reshaping import Flatten, Reshape
from minikeras.saving import registry


def serialize(layer):
    """A layer's Keras 3 config dict."""
    return registry.serialize(layer)


def deserialize(config, custom_objects=None):
    """A layer from its Keras 2 or Keras 3 config dict."""
    from minikeras import models  # noqa: F401  (registers Sequential for nested configs)

    return registry.deserialize("layer", config, custom_objects)


__all__ = [
    "Activation", "CategoryEncoding", "Dense", "Discretization", "Dropout", "Flatten", "Hashing",
    "Input", "InputLayer", "IntegerLookup", "KerasTensor", "Layer", "Normalization", "Rescaling",
    "Reshape", "Softmax", "StringLookup", "TextVectorization", "Variable", "deserialize",
    "serialize",
]
