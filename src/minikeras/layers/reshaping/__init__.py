"""Reshaping layers, as in `keras.layers`: Flatten, Reshape, and the padding, cropping,
upsampling, permuting and repeating ones."""

from minikeras.layers.reshaping.cropping import Cropping2D, Cropping3D
from minikeras.layers.reshaping.cropping1d import Cropping1D
from minikeras.layers.reshaping.flatten import Flatten
from minikeras.layers.reshaping.permute import Permute
from minikeras.layers.reshaping.repeat_vector import RepeatVector
from minikeras.layers.reshaping.reshape import Reshape
from minikeras.layers.reshaping.up_sampling import UpSampling2D, UpSampling3D
from minikeras.layers.reshaping.up_sampling1d import UpSampling1D
from minikeras.layers.reshaping.zero_padding import ZeroPadding2D, ZeroPadding3D
from minikeras.layers.reshaping.zero_padding1d import ZeroPadding1D

__all__ = [
    "Cropping1D", "Cropping2D", "Cropping3D", "Flatten", "Permute", "RepeatVector", "Reshape",
    "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D",
    "ZeroPadding3D",
]
