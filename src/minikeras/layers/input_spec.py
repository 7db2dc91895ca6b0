"""Checks of a call's input against what a layer takes (Keras' `InputSpec`), with Keras'
incompatible-input message."""


def check_ndim(layer, x, ndim):
    """`x`, if it has rank `ndim`; else Keras' error naming `layer`."""
    if x.ndim != ndim:
        raise layer._incompatible(
            f"expected ndim={ndim}, found ndim={x.ndim}. Full shape received: {tuple(x.shape)}",
            x)
    return x
