"""Layers (`minikeras.layers`), as in `keras.layers`."""

from minikeras.layers.activation import Activation, Softmax
from minikeras.layers.base import Layer, Variable
from minikeras.layers.dense import Dense
from minikeras.layers.dropout import Dropout
from minikeras.layers.input_layer import Input, InputLayer, KerasTensor
from minikeras.layers.merging import (
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
    concatenate, dot, maximum, minimum, multiply, subtract,
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
    "Activation", "Add", "Average", "Concatenate", "Dense", "Dot", "Dropout", "Flatten", "Input",
    "InputLayer", "KerasTensor", "Layer", "Maximum", "Minimum", "Multiply", "Reshape", "Softmax",
    "Subtract", "Variable", "add", "average", "concatenate", "deserialize", "dot", "maximum",
    "minimum", "multiply", "serialize", "subtract",
]
