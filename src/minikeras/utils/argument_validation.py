"""Validation of layers' tuple arguments (`padding`, `cropping`, sizes), with Keras' messages."""


def standardize_tuple(value, n, name, allow_zero=False):
    """`value` (an int, or an iterable of `n` ints) as a tuple of `n` ints, each > 0 (>= 0 with
    `allow_zero`); else Keras' ValueError naming the argument."""
    message = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
    if isinstance(value, int):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(message) from None
        if len(values) != n:
            raise ValueError(message)
        for single in values:
            try:
                int(single)
            except (ValueError, TypeError):
                raise ValueError(
                    f"{message}including element {single} of type {type(single)}") from None
        values = tuple(int(v) for v in values)
    bad = {v for v in values if (v < 0 if allow_zero else v <= 0)}
    if bad:
        requirement = ">= 0" if allow_zero else "> 0"
        raise ValueError(
            f"{message}, including values {bad} that do not satisfy `value {requirement}`")
    return values
