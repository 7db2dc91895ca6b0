"""`keras.ops.math`: the special functions, segment reductions, top-k, framing and Fourier
transforms Keras keeps apart from numpy's."""

import numpy as np

from minikeras.autodiff import apply
from minikeras.ops._dtypes import _axis, _promote, _unary, _value
from minikeras.ops._public import publish
from minikeras.ops.numpy import (
    expand_dims, log, moveaxis, pad, sqrt, square, sum, take, take_along_axis,
)

erf = _unary("erf", "Gauss error function", True, __name__)
rsqrt = _unary("rsqrt", "reciprocal square root", True, __name__)
erfinv = _unary("erfinv", "inverse of the Gauss error function", True, __name__)
erfc = _unary("erfc", "complementary error function `1 - erf(x)`", True, __name__)


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


def _integer_extremum(data, ids, count, combine):
    """`segment_max` (`combine` np.maximum) or `segment_min` of integers or booleans: no
    gradient; an empty segment holds the dtype's limit on the other side."""
    limits = (False, True) if data.dtype == bool else (np.iinfo(data.dtype).min,
                                                       np.iinfo(data.dtype).max)
    out = np.full((count,) + tuple(data.shape[1:]), limits[combine is np.minimum], data.dtype)
    combine.at(out, ids, _value(data))
    return out


def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """Maxima of the slices of `data` (along its first axis) that share a segment id; an empty
    segment gives the dtype's lowest value (TensorFlow's answer; Keras on JAX gives -inf)."""
    data, ids, count = _segments(data, segment_ids, num_segments)
    if data.dtype.kind in "biu":
        return _integer_extremum(data, ids, count, np.maximum)
    return apply("segment_max", data, segment_ids=ids, num_segments=count)


def segment_min(data, segment_ids, num_segments=None, sorted=False):
    """Minima of the slices of `data` (along its first axis) that share a segment id; an empty
    segment gives the dtype's largest value."""
    data, ids, count = _segments(data, segment_ids, num_segments)
    if data.dtype.kind in "biu":
        return _integer_extremum(data, ids, count, np.minimum)
    return -apply("segment_max", -data, segment_ids=ids, num_segments=count)


def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    """Products of the slices of `data` (along its first axis) that share a segment id; an
    empty segment gives 1."""
    data, ids, count = _segments(data, segment_ids, num_segments)
    return apply("segment_prod", data, segment_ids=ids, num_segments=count)


def logdet(x):
    """The log-determinant of the symmetric positive definite matrix `x`."""
    from minikeras.ops.linalg import det

    return log(det(x))


def cdist(x, y):
    """The Euclidean distance between each row of `x` and each row of `y` (over leading batch
    axes)."""
    x, y = _promote(x, y, floating=True)
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError("`cdist` inputs must have rank >= 2")
    if x.shape[-1] != y.shape[-1]:
        raise ValueError("Last dimension of inputs to `cdist` must match")
    differences = expand_dims(x, -2) - expand_dims(y, -3)
    return sqrt(sum(square(differences), axis=-1))


def view_as_real(x):
    """The complex `x` as a real array with a last axis of (real, imaginary) (no gradient)."""
    values = np.asarray(_value(x))
    return np.stack([values.real, values.imag], axis=-1)


def view_as_complex(x):
    """The real `x` whose last axis holds (real, imaginary) pairs, as complex numbers (no
    gradient)."""
    values = np.asarray(_value(x))
    if values.shape[-1] != 2:
        raise ValueError(f"Last dimension of input must be size 2 (real and imaginary). "
                         f"Received shape: {values.shape}")
    return values[..., 0] + 1j * values[..., 1]


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


# ----------------------------------------------------------------------------------------------
# Fourier transforms: complex values as (real, imaginary) pairs, as Keras passes them


def _complex_pair(x):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError("Input `x` should be a tuple of two tensors - real and imaginary."
                         f"Received: x={x}")
    real, imag = _promote(*x, floating=True)
    if real.shape != imag.shape:
        raise ValueError(
            "Input `x` should be a tuple of two tensors - real and imaginary.Both the real and "
            "imaginary parts should have the same shape. "
            f"Received: x[0].shape = {real.shape}, x[1].shape = {imag.shape}")
    return real, imag


def _parts(stacked):
    return stacked[0], stacked[1]


def fft(x):
    """The discrete Fourier transform of the complex `x = (real, imag)` along its last axis,
    as `(real, imag)`."""
    return _parts(apply("fft", *_complex_pair(x), axes=(-1,)))


def fft2(x):
    """The 2-D discrete Fourier transform of `x = (real, imag)` over its last two axes."""
    return _parts(apply("fft", *_complex_pair(x), axes=(-2, -1)))


def ifft2(x):
    """The inverse of `fft2`."""
    return _parts(apply("fft", *_complex_pair(x), axes=(-2, -1), inverse=True))


def rfft(x, fft_length=None):
    """The Fourier transform of the real `x` along its last axis (cut or zero-padded to
    `fft_length`): its `fft_length // 2 + 1` non-negative frequencies, as `(real, imag)`."""
    (x,) = _promote(x, floating=True)
    return _parts(apply("rfft", x, n=fft_length))


def irfft(x, fft_length=None):
    """The inverse of `rfft`: the real signal of `fft_length` samples (`2 * (bins - 1)` by
    default) whose non-negative frequencies are `x = (real, imag)`."""
    return apply("irfft", *_complex_pair(x), n=fft_length)


def _window(window, length, dtype):
    """The periodic Hann or Hamming window (scipy's `get_window`), or the given one."""
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError('If a string is passed to `window`, it must be one of `"hann"`, '
                             f'`"hamming"`. Received: window={window}')
        a = 0.5 if window == "hann" else 0.54
        return (a - (1 - a) * np.cos(2 * np.pi * np.arange(length) / length)).astype(dtype)
    window = np.asarray(_value(window), dtype)
    if window.ndim != 1 or window.shape[-1] != length:
        raise ValueError("The shape of `window` must be equal to [sequence_length].Received: "
                         f"window shape={window.shape}")
    return window


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """The short-time Fourier transform of the real `x` along its last axis: frames of
    `sequence_length` every `sequence_stride`, windowed (centered in `fft_length`; without a
    window, frames of `fft_length`), each transformed by `rfft`; `(real, imag)` of shape (..., frames, fft_length // 2 + 1).
    `center` pads `x` by reflection so that frame t is centered on sample t * stride."""
    (x,) = _promote(x)
    if x.dtype not in (np.float32, np.float64):
        raise TypeError("Invalid input type. Expected `float32` or `float64`. "
                        f"Received: input type={x.dtype}")
    if fft_length < sequence_length:
        raise ValueError("`fft_length` must equal or larger than `sequence_length`. Received: "
                         f"sequence_length={sequence_length}, fft_length={fft_length}")
    if center:
        x = pad(x, [(0, 0)] * (x.ndim - 1) + [(fft_length // 2, fft_length // 2)],
                mode="reflect")
    if window is None:  # the whole frame of fft_length, as Keras frames it
        taper = np.ones(fft_length, x.dtype)
    else:
        before = (fft_length - sequence_length) // 2
        taper = np.pad(_window(window, sequence_length, x.dtype),
                       (before, fft_length - sequence_length - before))
    frames = extract_sequences(x, fft_length, sequence_stride) * taper
    return rfft(frames, fft_length)



def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """The inverse of `stft`: each frame of `x = (real, imag)` (..., frames, bins) back to
    samples by `irfft`, windowed and overlap-added, divided by the overlap-added squared
    window (scipy's `istft`, as Keras calls it); `length` samples (all, less the centering
    padding if `center`)."""
    real, _ = _complex_pair(x)
    frames_count = real.shape[-2]
    if window is None:
        taper = np.ones(fft_length, real.dtype)
    else:
        before = (fft_length - sequence_length) // 2
        taper = np.pad(_window(window, sequence_length, real.dtype),
                       (before, fft_length - sequence_length - before))
    frames = irfft(x, fft_length)[..., :fft_length] * taper  # (..., frames, fft_length)
    total = fft_length + sequence_stride * (frames_count - 1)
    positions = np.arange(frames_count)[:, None] * sequence_stride + np.arange(fft_length)
    moved = moveaxis(moveaxis(frames, -2, 0), -1, 1)  # (frames, fft_length, ...)
    summed = apply("scatter_add", moved, index=(positions,),
                   shape=(total,) + tuple(moved.shape[2:]))
    norm = np.zeros(total, real.dtype)
    # values of the index's full shape: numpy 2.4's add.at misreads values it must broadcast
    np.add.at(norm, positions, np.broadcast_to(taper**2, positions.shape))
    # scipy undoes stft's 1 / sum(window) scaling, which Keras then divides out again; with
    # no window, Keras divides by the stride
    scale = 1.0 if window is not None else fft_length / sequence_stride
    signal = moveaxis(summed, 0, -1) * (scale / np.where(norm > 1e-10, norm, 1.0)).astype(
        real.dtype)
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + length
    else:
        end = total - fft_length // 2 if center else total
    return signal[..., start:end]


__all__ = publish(globals())
