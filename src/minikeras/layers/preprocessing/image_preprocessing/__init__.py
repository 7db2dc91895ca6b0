"""Keras 3's image preprocessing and augmentation layers (one module each): Resizing and
CenterCrop always transform; the random layers transform in training only (seeded, one draw
per call) and are the identity at inference (RandomCrop then resizes its centre). Their
gradients are the transforms' adjoints (every one is linear in the pixels, or clipped), so
they may sit anywhere in a model; Keras 3 on TensorFlow differentiates through them too."""

from minikeras.layers.preprocessing.image_preprocessing.center_crop import CenterCrop
from minikeras.layers.preprocessing.image_preprocessing.random_brightness import (
    RandomBrightness,
)
from minikeras.layers.preprocessing.image_preprocessing.random_contrast import RandomContrast
from minikeras.layers.preprocessing.image_preprocessing.random_crop import RandomCrop
from minikeras.layers.preprocessing.image_preprocessing.random_flip import RandomFlip
from minikeras.layers.preprocessing.image_preprocessing.random_rotation import RandomRotation
from minikeras.layers.preprocessing.image_preprocessing.random_translation import (
    RandomTranslation,
)
from minikeras.layers.preprocessing.image_preprocessing.random_zoom import RandomZoom
from minikeras.layers.preprocessing.image_preprocessing.resizing import Resizing

__all__ = [
    "CenterCrop", "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip",
    "RandomRotation", "RandomTranslation", "RandomZoom", "Resizing",
]
