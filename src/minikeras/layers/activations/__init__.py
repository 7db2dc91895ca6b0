"""Activation layers, as in `keras.layers` (Activation and Softmax are
`minikeras.layers.activation`)."""

from minikeras.layers.activations.elu import ELU
from minikeras.layers.activations.leaky_relu import LeakyReLU
from minikeras.layers.activations.prelu import PReLU
from minikeras.layers.activations.relu import ReLU
from minikeras.layers.activations.thresholded_relu import ThresholdedReLU

__all__ = ["ELU", "LeakyReLU", "PReLU", "ReLU", "ThresholdedReLU"]
