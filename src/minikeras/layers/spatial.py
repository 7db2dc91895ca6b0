"""What every layer over spatial axes shares: Keras' checks of its tuple, padding and data
format arguments, and the move between its data format and the channels-last order the
window core (`layers.windows`) computes in."""

import numpy as np

from minikeras import backend
from minikeras.layers.base import Layer
from minikeras.utils.argument_validation import standardize_tuple  # noqa: F401 (spatial.*)


def standardize_padding(value, allow_causal=False):
    padding = str(value).lower()
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if padding not in allowed:
        listed = ", ".join(repr(a) for a in allowed)  # Keras prints a set, in no set order
        raise ValueError(
            f"The `padding` argument must be a list/tuple or one of {{{listed}}}. "
            f"Received: {value}")
    return padding


def standardize_data_format(data_format):
    if data_format is None:
        return backend.image_data_format()
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    return data_format


def to_channels_last(x, data_format):
    return np.moveaxis(x, 1, -1) if data_format == "channels_first" else x


def from_channels_last(x, data_format):
    """`x` (channels-last) in `data_format`, contiguous."""
    if data_format == "channels_first":
        return np.ascontiguousarray(np.moveaxis(x, -1, 1))
    return x


def spatial_axes(rank, data_format):
    """The axes of a batch of `rank`-d images that are spatial."""
    return tuple(range(2, rank + 2)) if data_format == "channels_first" else tuple(
        range(1, rank + 1))


def channel_axis(data_format):
    return 1 if data_format == "channels_first" else -1


def split_shape(input_shape, data_format):
    """`(batch, spatial tuple, channels)` of a full input shape."""
    if data_format == "channels_first":
        return input_shape[0], tuple(input_shape[2:]), input_shape[1]
    return input_shape[0], tuple(input_shape[1:-1]), input_shape[-1]


def join_shape(batch, spatial, channels, data_format):
    if data_format == "channels_first":
        return (batch, channels, *spatial)
    return (batch, *spatial, channels)


class SpatialLayer(Layer):
    """A layer over `rank` spatial axes in a `data_format`, with one input of known rank and
    channel count (Keras' input spec) once built."""

    _single_input = True
    rank = None

    def _conform_input(self, x):
        if x.ndim != self.rank + 2:
            raise self._incompatible(
                f"expected ndim={self.rank + 2}, found ndim={x.ndim}. "
                f"Full shape received: {x.shape}", x)
        expected = getattr(self, "_input_channels", None)
        axis = channel_axis(self.data_format)
        if expected is not None and x.shape[axis] != expected:
            raise self._incompatible(
                f"expected axis {axis} of input shape to have value {expected}, but received "
                f"input with shape {x.shape}", x)
        return x

    def _channels_of(self, input_shape):
        channels = split_shape(input_shape, self.data_format)[2]
        if channels is None:
            raise ValueError(
                "The channel dimension of the inputs should be defined. The input_shape "
                f"received is {tuple(input_shape)}, where axis "
                f"{channel_axis(self.data_format)} (0-based) is the channel dimension, "
                "which found to be `None`.")
        return channels


_ORDINALS = ("1st", "2nd", "3rd")


def standardize_margins(value, rank, name):
    """Keras' `padding`/`cropping` of a layer with `rank` spatial axes: an int, `rank` ints
    (symmetric) or `rank` pairs, as `rank` pairs `(before, after)`."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"`{name}` cannot be negative. Received: {name}={value}.")
        return ((int(value),) * 2,) * rank
    if not hasattr(value, "__len__"):
        raise ValueError(
            f"`{name}` should be either an int, a tuple of {rank} ints, or a tuple of {rank} "
            f"tuples of 2 ints. Received: {name}={value}.")
    if len(value) != rank:
        raise ValueError(f"`{name}` should have {rank} elements. Received: {name}={value}.")
    return tuple(
        standardize_tuple(entry, 2, f"{_ORDINALS[i]} entry of {name}", allow_zero=True)
        for i, entry in enumerate(value))


def spatial_index(slices, data_format):
    """The index applying `slices` (one per spatial axis) to a batch in `data_format`."""
    if data_format == "channels_first":
        return (slice(None), slice(None), *slices)
    return (slice(None), *slices, slice(None))
