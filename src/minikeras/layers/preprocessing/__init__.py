"""Keras' preprocessing layers: they map raw features (numbers, integers, strings) to what
the trainable layers after them take, and learn their state (statistics, bins, vocabularies)
from data with `adapt`, not by training. Only `Normalization` and `Rescaling` carry gradients."""

from minikeras.layers.preprocessing.category_encoding import CategoryEncoding
from minikeras.layers.preprocessing.discretization import Discretization
from minikeras.layers.preprocessing.hashing import Hashing
from minikeras.layers.preprocessing.integer_lookup import IntegerLookup
from minikeras.layers.preprocessing.normalization import Normalization
from minikeras.layers.preprocessing.rescaling import Rescaling
from minikeras.layers.preprocessing.string_lookup import StringLookup
from minikeras.layers.preprocessing.text_vectorization import TextVectorization

__all__ = [
    "CategoryEncoding", "Discretization", "Hashing", "IntegerLookup", "Normalization",
    "Rescaling", "StringLookup", "TextVectorization",
]
