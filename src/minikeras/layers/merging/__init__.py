"""The merge layers: several inputs into one (`keras.layers.Add`, `Concatenate`, `Dot`, ...),
and their function forms.

Imported up front, unlike the other families: the functions `concatenate` and `dot` have the
names of their modules, and a lazy name would lose to the module once that is imported."""

from minikeras.layers.merging.base_merge import Merge
from minikeras.layers.merging.concatenate import Concatenate, concatenate
from minikeras.layers.merging.dot import Dot, dot
from minikeras.layers.merging.elementwise import (
    Add, Average, Maximum, Minimum, Multiply, Subtract, add, average, maximum, minimum,
    multiply, subtract,
)

__all__ = [
    "Add", "Average", "Concatenate", "Dot", "Maximum", "Merge", "Minimum", "Multiply",
    "Subtract", "add", "average", "concatenate", "dot", "maximum", "minimum", "multiply",
    "subtract",
]
