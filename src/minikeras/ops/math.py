"""`keras.ops.math`: the special functions, segment reductions, top-k and framing Keras keeps
apart from numpy's."""

import numpy as np

from minikeras.autodiff import apply
from minikeras.ops._dtypes import _axis, _promote, _unary, _value
from minikeras.ops._public import publish
from minikeras.ops.numpy import take, take_along_axis

erf = _unary("erf", "Gauss error function", True, __name__)
rsqrt = _unary("rsqrt", "reciprocal square root", True, __name__)
erfinv = _unary("erfinv", "inverse of the Gauss error function", True, __name__)


def logsumexp(x, axis=None, keepdims=False):
    """`log(sum(exp(x), axis))`, computed stably."""
    (x,) = _promote(x, floating=True)
    return apply("logsumexp", x, axis=_axis(axis), keepdims=keepdims)


def top_k(x, k, sorted=True):
    """`(values, indices)` of the `k` largest entries of `x` along its last axis, largest first."""
    (x,) = _promote(x)
    indices = np.argsort(-_value(x), axis=-1, kind="stable")[..., :k].astype("int32")
    return take_along_axis(x, indices, axis=-1), indices


def _segments(data, segment_ids, num_segments):
    """`data` promoted, the integer segment ids, and how many segments there are; ids of -1
    (and other negatives) are dropped, as Keras drops them."""
    (data,) = _promote(data)
    ids = _value(segment_ids).astype("int64")
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if ids.size else 0
    kept = ids >= 0
    if not kept.all():
        data, ids = data[kept], ids[kept]
    return data, ids, int(num_segments)


def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sums of the slices of `data` (along its first axis) that share a segment id."""
    data, ids, count = _segments(data, segment_ids, num_segments)
    return apply("scatter_add", data, index=ids, shape=(count,) + tuple(data.shape[1:]))


def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """Maxima of the slices of `data` (along its first axis) that share a segment id; an empty
    segment gives the dtype's lowest value (TensorFlow's answer; Keras on JAX gives -inf)."""
    data, ids, count = _segments(data, segment_ids, num_segments)
    if data.dtype.kind in "biu":
        lowest = np.iinfo(data.dtype).min if data.dtype.kind != "b" else False
        out = np.full((count,) + tuple(data.shape[1:]), lowest, data.dtype)
        np.maximum.at(out, ids, _value(data))
        return out
    return apply("segment_max", data, segment_ids=ids, num_segments=count)


def in_top_k(targets, predictions, k):
    """Whether each target class is among the `k` largest `predictions` of its row (ties with
    the k-th count as in)."""
    predictions = _value(predictions)
    targets = _value(targets).astype("int64")
    kth = -np.sort(-predictions, axis=-1)[..., k - 1:k]
    return np.take_along_axis(predictions, targets[:, None], axis=-1)[:, 0] >= kth[:, 0]


def extract_sequences(x, sequence_length, sequence_stride):
    """The frames of `sequence_length` along the last axis of `x`, every `sequence_stride`
    (a new second-to-last axis of frames)."""
    (x,) = _promote(x)
    count = 1 + (x.shape[-1] - sequence_length) // sequence_stride
    starts = np.arange(count)[:, None] * sequence_stride
    return take(x, starts + np.arange(sequence_length), axis=-1)


__all__ = publish(globals())
