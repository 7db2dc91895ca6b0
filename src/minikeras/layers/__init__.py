"""Layers (`minikeras.layers`), as in `keras.layers`."""

from minikeras.layers.activation import Activation, Softmax
from minikeras.layers.attention.additive_attention import AdditiveAttention
from minikeras.layers.attention.attention import Attention
from minikeras.layers.attention.multi_head_attention import MultiHeadAttention
from minikeras.layers.base import Layer, Variable
from minikeras.layers.dense import Dense
from minikeras.layers.dropout import Dropout
from minikeras.layers.input_layer import Input, InputLayer, KerasTensor
from minikeras.layers.reshaping import Flatten, Reshape
from minikeras.layers.rnn.bidirectional import Bidirectional
from minikeras.layers.rnn.gru import GRU, GRUCell
from minikeras.layers.rnn.lstm import LSTM, LSTMCell
from minikeras.layers.rnn.rnn import RNN
from minikeras.layers.rnn.simple_rnn import SimpleRNN, SimpleRNNCell
from minikeras.layers.rnn.stacked_rnn_cells import StackedRNNCells
from minikeras.layers.rnn.time_distributed import TimeDistributed
from minikeras.saving import registry


def serialize(layer):
    """A layer's Keras 3 config dict."""
    return registry.serialize(layer)


def deserialize(config, custom_objects=None):
    """A layer from its Keras 2 or Keras 3 config dict."""
    from minikeras import models  # noqa: F401  (registers Sequential for nested configs)

    return registry.deserialize("layer", config, custom_objects)


__all__ = [
    "Activation", "AdditiveAttention", "Attention", "Bidirectional", "Dense", "Dropout", "Flatten", "GRU", "GRUCell", "Input",
    "InputLayer", "KerasTensor", "LSTM", "LSTMCell", "Layer", "MultiHeadAttention", "RNN", "Reshape", "SimpleRNN",
    "SimpleRNNCell", "Softmax", "StackedRNNCells", "TimeDistributed", "Variable", "deserialize",
    "serialize",
]
