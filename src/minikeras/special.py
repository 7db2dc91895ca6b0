"""The error function and its complement in numpy, so that the core install needs no scipy.

Both are good to float32 precision (a relative error below 2e-7 over the whole real line, tails
included): what Keras computes exact `gelu` and `ops.erf` with. They work in float64 and return
the dtype of their input.
"""

import math

import numpy as np

# Chebyshev fit of erfc(z) / (t exp(-z^2)) in t = 1 / (1 + z/2), z >= 0 (Press et al., Numerical
# Recipes, "erfcc"): a fractional error under 1.2e-7 for every z, so the tails keep their digits.
_ERFC_FIT = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807,
             -1.13520398, 1.48851587, -0.82215223, 0.17087277)

# Below this |x| the Maclaurin series of erf is used: 1 - erfc would lose erf's relative
# precision as erf(x) goes to 0.
_SERIES_LIMIT = 0.5
_SERIES_TERMS = 12  # the 12th term is below 1e-17 at |x| = 0.5


def erfc(x):
    """The complementary error function `1 - erf(x)`, element-wise."""
    x = np.asarray(x)
    z = np.abs(x.astype(np.float64))
    t = 1.0 / (1.0 + 0.5 * z)
    poly = np.zeros_like(t)
    for coefficient in reversed(_ERFC_FIT):
        poly = poly * t + coefficient
    tail = t * np.exp(poly - z * z)
    out = np.where(x < 0, 2.0 - tail, tail)
    return out.astype(_result_dtype(x), copy=False)


def erf(x):
    """The Gauss error function `2/sqrt(pi) * integral from 0 to x of exp(-t^2) dt`."""
    x = np.asarray(x)
    wide = x.astype(np.float64)
    square = wide * wide
    term, series = wide.copy(), wide.copy()
    for n in range(1, _SERIES_TERMS):
        term *= -square / n  # (-1)^n x^(2n+1) / n!
        series += term / (2 * n + 1)
    series *= 2.0 / math.sqrt(math.pi)
    far = np.sign(wide) * (1.0 - erfc(np.abs(wide)))
    out = np.where(np.abs(wide) < _SERIES_LIMIT, series, far)
    return out.astype(_result_dtype(x), copy=False)


def _result_dtype(x):
    return x.dtype if x.dtype.kind == "f" else np.float64
