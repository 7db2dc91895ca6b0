"""Regularizers: penalties added to the loss for a weight or an activation (`keras.regularizers`).

`regularizer(x)` returns the penalty as a numpy scalar of x's dtype (float32 for float32 weights).
Every built-in also has `gradient(x)`, the derivative of the penalty with respect to x (same shape
and dtype), which training adds to the weight's gradient; other penalties get theirs from the
autodiff tape.
"""

import functools
import math

import numpy as np

from minikeras import backend
from minikeras.saving import registry


_export = functools.partial(registry.register_class, "regularizer", module="keras.regularizers")


def validate_float_arg(value, name):
    """`value` as a float, or the Keras error when it is not a finite non-negative number."""
    if not isinstance(value, (int, float, np.number)) or not math.isfinite(value) or value < 0:
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float."
            f"Received: {name}={value}"
        )
    return float(value)


def _float32(value):
    # Keras 3 keeps some factors as float32 tensors, so their configs show the rounded value.
    return float(np.float32(value))


@_export()
class Regularizer:
    """Base class of every regularizer. Subclasses define `__call__(x)` returning a scalar and
    `get_config()`. Built-in regularizers also define `gradient(x)`; a subclass without one
    is differentiated by minikeras' autodiff tape, so write it with `minikeras.ops`."""

    def __call__(self, x):
        return 0.0

    def gradient(self, x):
        """d(self(x))/dx, an array shaped like x."""
        if type(self).__call__ is Regularizer.__call__:
            return np.zeros_like(np.asarray(x))
        return _tape_gradient(self, x)

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self):
        raise NotImplementedError(f"{self} does not implement get_config()")


def _tape_gradient(penalty, x):
    """d(penalty(x))/dx from the autodiff tape, for a penalty without its own rule (a function,
    or a `Regularizer` subclass written with `minikeras.ops`): an array shaped like x, in x's
    dtype when x is a float array (zeros of `floatx` for integers, which carry no gradient)."""
    from minikeras import autodiff  # on first use, as `import minikeras` needs no tape

    _, (grad,) = autodiff.value_and_grad(penalty, x)
    return grad


def _elementwise_penalty(x, l1, l2):
    """l1 * sum(|x|) + l2 * sum(x**2), leaving out a zero term (as Keras does, so 0 * inf is not
    nan), computed in x's dtype."""
    x = np.asarray(x)
    cast = x.dtype.type
    total = cast(0.0)
    if l1:
        total = total + cast(l1) * np.sum(np.abs(x))
    if l2:
        total = total + cast(l2) * np.sum(np.square(x))
    return total


def _elementwise_penalty_gradient(x, l1, l2):
    """l1 * sign(x) + 2 * l2 * x, in x's dtype, from the terms present only (one array per
    term, the sum made in place). Bit for bit the sum of both terms added to zeros: adding to
    zeros only turns -0.0 into 0.0, which only the l2 term can hold (`np.sign(-0.0)` is 0.0)."""
    x = np.asarray(x)
    cast = x.dtype.type
    if not (l1 or l2):
        return np.zeros_like(x)
    if l1:
        gradient = np.sign(x)  # |x| has slope 0 at 0, as in TF
        gradient *= cast(l1)
        if l2:
            gradient += cast(2 * l2) * x
        return gradient
    gradient = cast(2 * l2) * x
    gradient += cast(0.0)  # -0.0 -> 0.0
    return gradient


@_export()
class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x**2). Args: l1=0.0, l2=0.0 (None counts as 0)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = validate_float_arg(0.0 if l1 is None else l1, name="l1")
        self.l2 = validate_float_arg(0.0 if l2 is None else l2, name="l2")

    def __call__(self, x):
        return _elementwise_penalty(x, self.l1, self.l2)

    def gradient(self, x):
        return _elementwise_penalty_gradient(x, self.l1, self.l2)

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


@_export()
class L1(Regularizer):
    """l1 * sum(|x|). Args: l1=0.01 (stored rounded to float32, as Keras does)."""

    def __init__(self, l1=0.01):
        self.l1 = _float32(validate_float_arg(0.01 if l1 is None else l1, name="l1"))

    def __call__(self, x):
        return _elementwise_penalty(x, self.l1, 0.0)

    def gradient(self, x):
        return _elementwise_penalty_gradient(x, self.l1, 0.0)

    def get_config(self):
        return {"l1": self.l1}


@_export()
class L2(Regularizer):
    """l2 * sum(x**2). Args: l2=0.01."""

    def __init__(self, l2=0.01):
        self.l2 = validate_float_arg(0.01 if l2 is None else l2, name="l2")

    def __call__(self, x):
        return _elementwise_penalty(x, 0.0, self.l2)

    def gradient(self, x):
        return _elementwise_penalty_gradient(x, 0.0, self.l2)

    def get_config(self):
        return {"l2": self.l2}


@_export()
class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (`mode="rows"`) or columns (`"columns"`) of a 2-D weight to be orthogonal:
    factor * 0.5 * sum(|off-diagonal cosines|) / number of pairs. Args: factor=0.01 (stored
    rounded to float32), mode="rows"."""

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _float32(validate_float_arg(factor, name="factor"))
        if mode not in ("rows", "columns"):
            raise ValueError(
                'Invalid value for argument `mode`. Expected one of {"rows", "columns"}. '
                f"Received: mode={mode}"
            )
        self.mode = mode

    def _cosines(self, x):
        """The vectors to decorrelate (as rows) made unit length, their inverse norms, where those
        were capped, and the matrix of pairwise cosines with a zero diagonal."""
        x = np.asarray(x)
        if x.ndim != 2:
            raise ValueError(
                "Inputs to OrthogonalRegularizer must have rank 2. "
                f"Received: inputs.shape={x.shape}"
            )
        vectors = x if self.mode == "rows" else x.T
        # Keras' normalize: x * rsqrt(sum x**2), the inverse norm capped at 1/epsilon so that a
        # zero vector stays zero.
        with np.errstate(divide="ignore"):
            inverse_norm = 1.0 / np.sqrt(np.sum(np.square(vectors), axis=1, keepdims=True))
        cap = x.dtype.type(1.0 / backend.epsilon())
        capped = inverse_norm >= cap
        inverse_norm = np.minimum(inverse_norm, cap)
        unit = vectors * inverse_norm
        cosines = unit @ unit.T
        np.fill_diagonal(cosines, 0.0)
        return unit, inverse_norm, capped, cosines

    def _scale(self, x, size):
        cast = np.asarray(x).dtype.type  # numpy division: one vector gives nan, as in Keras
        return cast(self.factor * 0.5) / cast(size * (size - 1.0) / 2.0)

    def __call__(self, x):
        cosines = self._cosines(x)[-1]
        return self._scale(x, len(cosines)) * np.sum(np.abs(cosines))

    def gradient(self, x):
        unit, inverse_norm, capped, cosines = self._cosines(x)
        d_cosines = self._scale(x, len(cosines)) * np.sign(cosines)
        d_unit = (d_cosines + d_cosines.T) @ unit
        # Through u = v / |v|: du/dv = (I - u u^T) / |v|. Where the inverse norm was capped,
        # u = v * constant instead.
        radial = np.where(capped, 0.0, np.sum(unit * d_unit, axis=1, keepdims=True))
        d_vectors = inverse_norm * (d_unit - unit * radial)
        return d_vectors if self.mode == "rows" else d_vectors.T

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# snake_case names, as `keras.regularizers` exports them. Keras 3's `l1_l2` is the class itself
# (defaults 0.0); Keras 2's was a function with defaults 0.01 (see `get`).
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer

# Names only Keras 2 accepted, with the object it built. Keras 3 rejects the string 'l1_l2', so
# no Keras 3 script relies on it; Keras 2 scripts get their own numbers back.
_KERAS2_NAMES = {"l1_l2": lambda: L1L2(l1=0.01, l2=0.01)}


def serialize(regularizer):
    """A regularizer as a Keras 3 config dict."""
    return registry.serialize(regularizer)


def deserialize(config, custom_objects=None):
    """A regularizer from a name or a Keras 2 / Keras 3 config dict."""
    return registry.deserialize("regularizer", config, custom_objects)


def get(identifier):
    """A regularizer from None, a name, a config dict, an instance, a class or a callable."""
    if isinstance(identifier, str) and identifier in _KERAS2_NAMES:
        return _KERAS2_NAMES[identifier]()
    return registry.get("regularizer", identifier)
