"""Reshaping layers: `Flatten`, `Reshape`, and the spatial ones (padding, cropping,
upsampling)."""

from minikeras.layers.reshaping.cropping import Cropping2D, Cropping3D
from minikeras.layers.reshaping.reshape import Flatten, Reshape
from minikeras.layers.reshaping.up_sampling import UpSampling2D, UpSampling3D
from minikeras.layers.reshaping.zero_padding import ZeroPadding2D, ZeroPadding3D

__all__ = [
    "Cropping2D", "Cropping3D", "Flatten", "Reshape", "UpSampling2D", "UpSampling3D",
    "ZeroPadding2D", "ZeroPadding3D",
]
