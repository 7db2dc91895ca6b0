"""Layers (`minikeras.layers`), as in `keras.layers`."""

from minikeras.layers.activation import Activation, Softmax
from minikeras.layers.activations import ELU, LeakyReLU, PReLU, ReLU, ThresholdedReLU
from minikeras.layers.base import Layer, Variable
from minikeras.layers.core import Embedding, Identity, Masking
from minikeras.layers.dense import Dense
from minikeras.layers.dropout import Dropout
from minikeras.layers.input_layer import Input, InputLayer, KerasTensor
from minikeras.layers.normalization import (
    BatchNormalization, GroupNormalization, LayerNormalization, UnitNormalization,
)
from minikeras.layers.pooling import GlobalAveragePooling1D, GlobalMaxPooling1D
from minikeras.layers.regularization import (
    ActivityRegularization, AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D,
    SpatialDropout2D, SpatialDropout3D,
)
from minikeras.layers.reshaping import (
    Cropping1D, Flatten, Permute, RepeatVector, Reshape, UpSampling1D, ZeroPadding1D,
)
from minikeras.saving import registry

# Keras' other spellings of the same classes.
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalMaxPool1D = GlobalMaxPooling1D


def serialize(layer):
    """A layer's Keras 3 config dict."""
    return registry.serialize(layer)


def deserialize(config, custom_objects=None):
    """A layer from its Keras 2 or Keras 3 config dict."""
    from minikeras import models  # noqa: F401  (registers Sequential for nested configs)

    return registry.deserialize("layer", config, custom_objects)


__all__ = [
    "Activation", "ActivityRegularization", "AlphaDropout", "BatchNormalization", "Cropping1D",
    "Dense", "Dropout", "ELU", "Embedding", "Flatten", "GaussianDropout", "GaussianNoise",
    "GlobalAveragePooling1D", "GlobalAvgPool1D", "GlobalMaxPool1D", "GlobalMaxPooling1D",
    "GroupNormalization", "Identity", "Input", "InputLayer", "KerasTensor", "Layer",
    "LayerNormalization", "LeakyReLU", "Masking", "PReLU", "ReLU", "RepeatVector", "Reshape",
    "Softmax", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "ThresholdedReLU",
    "UnitNormalization", "UpSampling1D", "Variable", "ZeroPadding1D", "deserialize",
    "serialize",
]
