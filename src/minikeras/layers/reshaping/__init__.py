"""Reshaping layers, as in `keras.layers`."""

from minikeras.layers.reshaping.cropping1d import Cropping1D
from minikeras.layers.reshaping.flatten import Flatten
from minikeras.layers.reshaping.permute import Permute
from minikeras.layers.reshaping.repeat_vector import RepeatVector
from minikeras.layers.reshaping.reshape import Reshape
from minikeras.layers.reshaping.up_sampling1d import UpSampling1D
from minikeras.layers.reshaping.zero_padding1d import ZeroPadding1D

__all__ = ["Cropping1D", "Flatten", "Permute", "RepeatVector", "Reshape", "UpSampling1D",
           "ZeroPadding1D"]
