"""Normalization layers, as in `keras.layers`."""

from minikeras.layers.normalization.batch_normalization import BatchNormalization
from minikeras.layers.normalization.group_normalization import GroupNormalization
from minikeras.layers.normalization.layer_normalization import LayerNormalization
from minikeras.layers.normalization.unit_normalization import UnitNormalization

__all__ = ["BatchNormalization", "GroupNormalization", "LayerNormalization", "UnitNormalization"]
