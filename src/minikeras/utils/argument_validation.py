"""Validation of layers' tuple arguments (`padding`, `cropping`, sizes), with Keras' messages."""

import numpy as np


def standardize_tuple(value, n, name, allow_zero=False):
    """`value` (an int, or `n` ints) as a tuple of `n` ints, with Keras' error otherwise."""
    message = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(message) from None
        if len(values) != n:
            raise ValueError(message)
        for entry in values:
            try:
                int(entry)
            except (ValueError, TypeError):
                raise ValueError(
                    f"{message}including element {entry} of type {type(entry)}") from None
        values = tuple(int(v) for v in values)
    bad = {v for v in values if (v < 0 if allow_zero else v <= 0)}
    if bad:
        requirement = ">= 0" if allow_zero else "> 0"
        raise ValueError(
            f"{message}, including values {bad} that do not satisfy `value {requirement}`")
    return values
