"""Transformations made of `minikeras.ops` (a blur, an elastic warp): their output and, when a
tape records the call, the pullback of its images, so such a layer's gradient is the ops'."""

import numpy as np

from minikeras import autodiff
from minikeras.core import tape


def traced(function, images):
    """`function(images)` as an array, and the gradient of `images` given the output's (None
    when no tape records: then nothing asks for it)."""
    if not tape.recording():
        return np.asarray(function(images)), None
    value, pullback = autodiff.vjp(function, images)
    return value, lambda grad: pullback(grad)[0]
