"""Layers (`minikeras.layers`), as in `keras.layers`."""

from minikeras.layers.activation import Activation, Softmax
from minikeras.layers.activations import ELU, LeakyReLU, PReLU, ReLU, ThresholdedReLU
from minikeras.layers.attention.additive_attention import AdditiveAttention
from minikeras.layers.attention.attention import Attention
from minikeras.layers.attention.grouped_query_attention import GroupQueryAttention
from minikeras.layers.attention.multi_head_attention import MultiHeadAttention
from minikeras.layers.base import Layer, Variable
from minikeras.layers.core import Embedding, Identity, Lambda, Masking
from minikeras.layers.normalization import (
    BatchNormalization, GroupNormalization, LayerNormalization, UnitNormalization,
)
from minikeras.layers.regularization import (
    ActivityRegularization, AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D,
    SpatialDropout2D, SpatialDropout3D,
)
from minikeras.layers.convolutional import (
    Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose, Convolution1D,
    Convolution1DTranspose, Convolution2D, Convolution2DTranspose, Convolution3D,
    Convolution3DTranspose, DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D,
    SeparableConv2D, SeparableConvolution1D, SeparableConvolution2D,
)
from minikeras.layers.dense import Dense
from minikeras.layers.dropout import Dropout
from minikeras.layers.input_layer import Input, InputLayer, KerasTensor
from minikeras.layers.pooling import (
    GlobalAveragePooling1D, GlobalMaxPooling1D,
    AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D, AvgPool2D, AvgPool3D,
    GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalAvgPool2D, GlobalAvgPool3D,
    GlobalMaxPool2D, GlobalMaxPool3D, GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPool1D,
    MaxPool2D, MaxPool3D, MaxPooling1D, MaxPooling2D, MaxPooling3D,
)
from minikeras.layers.reshaping import (
    Cropping1D, Permute, RepeatVector, UpSampling1D, ZeroPadding1D,
    Cropping2D, Cropping3D, Flatten, Reshape, UpSampling2D, UpSampling3D, ZeroPadding2D,
    ZeroPadding3D,
)
from minikeras.layers.preprocessing import (
    CategoryEncoding, Discretization, Hashing, IntegerLookup, Normalization, Rescaling,
    StringLookup, TextVectorization,
)
from minikeras.layers.preprocessing.image_preprocessing import (
    CenterCrop, RandomBrightness, RandomContrast, RandomCrop, RandomFlip, RandomRotation,
    RandomTranslation, RandomZoom, Resizing,
)
from minikeras.layers.rnn.bidirectional import Bidirectional
from minikeras.layers.rnn.gru import GRU, GRUCell
from minikeras.layers.rnn.lstm import LSTM, LSTMCell
from minikeras.layers.rnn.rnn import RNN
from minikeras.layers.rnn.simple_rnn import SimpleRNN, SimpleRNNCell
from minikeras.layers.rnn.stacked_rnn_cells import StackedRNNCells
from minikeras.layers.rnn.time_distributed import TimeDistributed
from minikeras.layers.merging import (
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
    concatenate, dot, maximum, minimum, multiply, subtract,
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
    "Activation", "ActivityRegularization", "Add", "AdditiveAttention", "AlphaDropout", "Attention",
    "Average", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "AvgPool1D", "AvgPool2D",
    "AvgPool3D", "BatchNormalization", "Bidirectional", "CategoryEncoding", "Concatenate", "Conv1D",
    "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose", "Convolution1D",
    "Convolution1DTranspose", "Convolution2D", "Convolution2DTranspose", "Convolution3D", "Convolution3DTranspose", "Cropping1D",
    "Cropping2D", "Cropping3D", "Dense", "DepthwiseConv1D", "DepthwiseConv2D", "Discretization",
    "Dot", "Dropout", "ELU", "Embedding", "Flatten", "GRU",
    "GRUCell", "GaussianDropout", "GaussianNoise", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GroupNormalization", "GroupQueryAttention", "Hashing", "Identity",
    "Input", "InputLayer", "IntegerLookup", "KerasTensor", "LSTM", "LSTMCell",
    "Lambda", "Layer", "LayerNormalization", "LeakyReLU", "Masking", "MaxPool1D",
    "MaxPool2D", "MaxPool3D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "Maximum",
    "Minimum", "MultiHeadAttention", "Multiply", "Normalization", "PReLU", "Permute",
    "RNN", "ReLU", "RepeatVector", "Rescaling", "Reshape", "SeparableConv1D",
    "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D", "SimpleRNN", "SimpleRNNCell", "Softmax",
    "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "StackedRNNCells", "StringLookup", "Subtract",
    "TextVectorization", "ThresholdedReLU", "TimeDistributed", "UnitNormalization", "UpSampling1D", "UpSampling2D",
    "UpSampling3D", "Variable", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "add",
    "average", "concatenate", "deserialize", "dot", "maximum", "minimum",
    "multiply", "serialize", "subtract",
    "CenterCrop", "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip",
    "RandomRotation", "RandomTranslation", "RandomZoom", "Resizing",
]
