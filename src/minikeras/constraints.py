"""Constraints: projections applied to a weight after each optimizer step (`keras.constraints`).

`constraint(w)` returns the projected array, in w's dtype. The norm constraints act on the
vectors along `axis` (an int or a list of ints): with the default `axis=0`, each column of a
Dense kernel `(inputs, units)`, i.e. each unit's incoming weights.
"""

import functools

import numpy as np

from minikeras import backend
from minikeras.saving import registry


_export = functools.partial(registry.register_class, "constraint", module="keras.constraints")


@_export()
class Constraint:
    """Base class of every constraint: subclasses define `__call__(w)` returning the projected w,
    and `get_config()` when they take arguments."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norms(w, axis):
    """Euclidean norms of w's vectors along `axis`, kept broadcastable against w."""
    axis = tuple(axis) if isinstance(axis, list) else axis
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


def _rescale(w, norms, desired):
    # epsilon keeps an all-zero vector at zero instead of 0/0.
    return w * (desired / (backend.epsilon() + norms))


@_export("maxnorm")
class MaxNorm(Constraint):
    """Scales down every vector whose norm exceeds `max_value`. Args: max_value=2, axis=0."""

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w = np.asarray(w)
        norms = _norms(w, self.axis)
        return _rescale(w, norms, np.clip(norms, 0, self.max_value))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


@_export()
class MinMaxNorm(Constraint):
    """Moves every vector's norm towards [min_value, max_value]: the new norm is
    `rate * clip(norm, min_value, max_value) + (1 - rate) * norm`.
    Args: min_value=0.0, max_value=1.0, rate=1.0, axis=0."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        w = np.asarray(w)
        norms = _norms(w, self.axis)
        clipped = np.clip(norms, self.min_value, self.max_value)
        desired = self.rate * clipped + (1 - self.rate) * norms
        return _rescale(w, norms, desired)

    def get_config(self):
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


@_export("nonneg")
class NonNeg(Constraint):
    """Sets negative entries to zero."""

    def __call__(self, w):
        return np.maximum(np.asarray(w), 0)


@_export("unitnorm")
class UnitNorm(Constraint):
    """Scales every vector to unit norm. Args: axis=0."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = np.asarray(w)
        return w / (backend.epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


# snake_case names, as `keras.constraints` exports them (the short ones are Keras 2's).
max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm
maxnorm, nonneg, unitnorm = MaxNorm, NonNeg, UnitNorm


def serialize(constraint):
    """A constraint as a Keras 3 config dict."""
    return registry.serialize(constraint)


def deserialize(config, custom_objects=None):
    """A constraint from a name or a Keras 2 / Keras 3 config dict."""
    return registry.deserialize("constraint", config, custom_objects)


def get(identifier):
    """A constraint from None, a name, a config dict, an instance, a class or a callable."""
    return registry.get("constraint", identifier)
