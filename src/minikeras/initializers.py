"""Initializers: what fills a new weight (`keras.initializers`).

An initializer is called as `initializer(shape, dtype=None)` and returns a numpy array. Random
initializers draw in float64 and cast to `dtype` (default `backend.floatx()`). Their random stream
is `np.random.default_rng(seed)`, the one Keras' numpy backend uses, so a seeded minikeras
initializer returns the very numbers Keras 3 returns on that backend. An unseeded one fixes a seed
once, at construction: the same instance always returns the same values, and
`backend.set_random_seed()` makes construction repeatable.
"""

import functools
import math

import numpy as np

from minikeras import backend
from minikeras.saving import registry


_export = functools.partial(registry.register_class, "initializer", module="keras.initializers")


@_export()
class Initializer:
    """Base class of every initializer. Subclasses define `__call__(shape, dtype=None)` and, when
    they take arguments, `get_config()`."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError("Initializer subclasses must implement the `__call__()` method.")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        return self.__class__.from_config(self.get_config())


# ----------------------------------------------------------------------------------------------
# Deterministic initializers


@_export("zero")
class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return np.zeros(shape, dtype=backend.standardize_dtype(dtype))


@_export("one")
class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return np.ones(shape, dtype=backend.standardize_dtype(dtype))


@_export()
class Constant(Initializer):
    """Every entry equal to `value` (a scalar, or an array broadcast to the shape)."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        dtype = backend.standardize_dtype(dtype)
        return np.full(shape, np.asarray(self.value, dtype=dtype), dtype=dtype)

    def get_config(self):
        return {"value": _serialize_value(self.value)}

    @classmethod
    def from_config(cls, config):
        value = config.get("value", 0.0)  # Keras 3 requires the key; `get('constant')` gives {}
        if isinstance(value, dict):
            value = registry.deserialize("other", value)
        return cls(value)


def _serialize_value(value):
    # Keras writes arrays as `__numpy__` dicts and numpy scalars as plain numbers.
    if isinstance(value, (np.ndarray, np.generic)):
        if value.ndim == 0:
            return value.item()
        config = {"value": value.tolist(), "dtype": value.dtype.name}
        return {"class_name": "__numpy__", "config": config}
    if isinstance(value, (list, tuple)):
        return [_serialize_value(item) for item in value]
    return value


@_export("IdentityInitializer")
class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only; rectangular allowed)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D matrices. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        return (self.gain * np.eye(*shape)).astype(backend.standardize_dtype(dtype))

    # Keras 3 leaves `gain` out of the config (Keras 2 wrote it; from_config accepts both).


@_export("STFTInitializer")
class STFT(Initializer):
    """The real (`side="real"`) or imaginary part of a windowed DFT, for shape
    `(frame_length, input_channels, fft_length)`. Args: side, window (a scipy window name,
    an array or None; the common windows need no scipy), scaling ("density", "spectrum" or
    None), periodic."""

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str):
            _window(window, 1, periodic)  # an unknown window name fails now, not at build time
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(
                "Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                f"Received scaling={scaling}"
            )
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape, dtype=None):
        frame_length, _, fft_length = shape
        time = np.arange(frame_length).reshape(frame_length, 1, 1)
        frequency = np.arange(fft_length).reshape(1, 1, fft_length) / ((fft_length - 1) * 2)
        angle = -2.0 * np.pi * time * frequency
        kernel = np.cos(angle) if self.side == "real" else np.sin(angle)
        if self.window is not None:
            window = self.window
            if isinstance(window, str):
                window = _window(window, frame_length, self.periodic)
            window = np.asarray(window, dtype="float64")
            if window.ndim != 1 or window.shape[-1] != frame_length:
                raise ValueError(
                    "The shape of `window` must be equal to [frame_length]."
                    f"Received: window shape={window.shape}"
                )
            kernel = kernel * window.reshape(frame_length, 1, 1)
            if self.scaling == "density":
                kernel = kernel / np.sqrt(np.sum(window**2))
            elif self.scaling == "spectrum":
                kernel = kernel / np.sum(np.abs(window))
        return kernel.astype(backend.standardize_dtype(dtype))

    def get_config(self):
        return {
            "side": self.side,
            "window": self.window,
            "periodic": self.periodic,
            "scaling": self.scaling,
        }


def _window(name, length, periodic):
    """scipy's `get_window(name, length, fftbins=periodic)`: computed with numpy for the windows
    named in `_COSINE_SUMS` and `_OTHER_WINDOWS` (the ones STFT layers use), through scipy for
    the rest of scipy's windows."""
    key = _WINDOW_ALIASES.get(name, name)
    if key not in _COSINE_SUMS and key not in _OTHER_WINDOWS:
        try:
            from scipy import signal
        except ImportError:
            known = sorted(set(_WINDOW_ALIASES.values()))
            raise ImportError(
                f"The STFT window {name!r} needs scipy: `pip install minikeras-numpy[scipy]`. "
                f"Without scipy minikeras computes these windows: {', '.join(known)}."
            ) from None
        return signal.get_window(name, length, periodic)
    if length <= 1:
        return np.ones(length)
    size = length + 1 if periodic else length  # a periodic window is a longer one, truncated
    if key in _COSINE_SUMS:
        angle = np.linspace(-np.pi, np.pi, size)
        window = sum(a * np.cos(k * angle) for k, a in enumerate(_COSINE_SUMS[key]))
    else:
        window = _OTHER_WINDOWS[key](size)
    return window[:length]


# The cosine-sum windows, by their coefficients (scipy's `general_cosine`).
_COSINE_SUMS = {
    "hann": (0.5, 0.5),
    "hamming": (0.54, 0.46),
    "blackman": (0.42, 0.50, 0.08),
    "blackmanharris": (0.35875, 0.48829, 0.14128, 0.01168),
    "nuttall": (0.3635819, 0.4891775, 0.1365995, 0.0106411),
    "flattop": (0.21557895, 0.41663158, 0.277263158, 0.083578947, 0.006947368),
}
_OTHER_WINDOWS = {
    "boxcar": np.ones,
    "bartlett": lambda size: 1.0 - np.abs(2.0 * np.arange(size) / (size - 1) - 1.0),
}
_WINDOW_ALIASES = {
    **{alias: "hann" for alias in ("hann", "han")},
    **{alias: "hamming" for alias in ("hamming", "hamm", "ham")},
    **{alias: "blackman" for alias in ("blackman", "black", "blk")},
    **{alias: "blackmanharris" for alias in ("blackmanharris", "blackharr", "bkh")},
    **{alias: "nuttall" for alias in ("nuttall", "nutl", "nut")},
    **{alias: "flattop" for alias in ("flattop", "flat", "flt")},
    **{alias: "boxcar" for alias in ("boxcar", "box", "ones", "rect", "rectangular")},
    **{alias: "bartlett" for alias in ("bartlett", "bart", "brt")},
}


# ----------------------------------------------------------------------------------------------
# Random initializers


class RandomInitializer(Initializer):
    """Base of the random initializers: holds the seed. Subclasses define `_draw(rng, shape)`,
    returning float64 values; the cast to the requested dtype happens here."""

    def __init__(self, seed=None):
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise ValueError(
                "`seed` argument should be an instance of `keras.random.SeedGenerator()` or an "
                f"integer. Received: seed={seed}"
            )
        self._init_seed = None if seed is None else int(seed)  # what the config reports
        self.seed = backend.draw_seed() if seed is None else self._init_seed

    def __call__(self, shape, dtype=None):
        values = self._draw(np.random.default_rng(self.seed), tuple(int(dim) for dim in shape))
        return np.asarray(values).astype(backend.standardize_dtype(dtype))

    def get_config(self):
        return {"seed": self._init_seed}


def _truncated_normal(rng, shape, mean, stddev):
    """The first `prod(shape)` draws of N(mean, stddev) lying within 2 stddev of the mean.

    Keras' numpy backend keeps exactly these draws, but redraws the full size each round; drawing
    only what is still missing gives the same numbers, because the stream does not depend on
    how it is chunked.
    """
    size = math.prod(shape)
    low, high = mean - 2 * stddev, mean + 2 * stddev
    kept, count, chunk = [np.empty(0)], 0, size
    while count < size:
        batch = rng.normal(loc=mean, scale=stddev, size=chunk)
        batch = batch[(batch >= low) & (batch <= high)]
        kept.append(batch)
        count += batch.size
        chunk = int(1.1 * (size - count)) + 16  # 95.4% land inside; the margin avoids a 3rd round
    return np.concatenate(kept)[:size].reshape(shape)


class _MeanStddev(RandomInitializer):
    """Shared arguments of the two normal initializers (which, as in Keras, are not subclasses of
    each other)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed=seed)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@_export("normal")
class RandomNormal(_MeanStddev):
    """Normal draws. Args: mean=0.0, stddev=0.05, seed=None."""

    def _draw(self, rng, shape):
        return rng.normal(loc=self.mean, scale=self.stddev, size=shape)


@_export()
class TruncatedNormal(_MeanStddev):
    """Normal draws, redrawn when more than 2 stddev from the mean. Args: mean=0.0, stddev=0.05,
    seed=None."""

    def _draw(self, rng, shape):
        return _truncated_normal(rng, shape, self.mean, self.stddev)


@_export("uniform")
class RandomUniform(RandomInitializer):
    """Uniform draws in [minval, maxval). Args: minval=-0.05, maxval=0.05, seed=None."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval = minval, maxval
        super().__init__(seed=seed)

    def _draw(self, rng, shape):
        return rng.uniform(low=self.minval, high=self.maxval, size=shape)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


def compute_fans(shape, input_axes=None, output_axes=None):
    """`(fan_in, fan_out)` of a weight shape.

    1-D: both are the length. 2-D: `(rows, columns)`. N-D (convolution kernels
    `(*spatial, in, out)`): the last two dims times the receptive field (product of the others).
    With `input_axes` and `output_axes`, the products of those dims.
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        fan_in = math.prod(shape[axis] for axis in input_axes)
        return int(fan_in), int(math.prod(shape[axis] for axis in output_axes))
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive_field = math.prod(shape[:-2])
    return int(shape[-2] * receptive_field), int(shape[-1] * receptive_field)


# Std of a unit normal truncated at +-2: dividing by it gives truncated draws the asked variance.
_TRUNCATED_STD = 0.87962566103423978
_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("uniform", "truncated_normal", "untruncated_normal")


@_export()
class VarianceScaling(RandomInitializer):
    """Draws with variance `scale / n`, n = fan_in, fan_out or their mean (`mode`).

    Args: scale=1.0, mode="fan_in", distribution="truncated_normal" ("normal" is its old name;
    "untruncated_normal", "uniform"), seed=None, input_axes=None, output_axes=None (dims whose
    product gives the fans, instead of the shape rule of `compute_fans`).
    """

    def __init__(
        self,
        scale=1.0,
        mode="fan_in",
        distribution="truncated_normal",
        seed=None,
        input_axes=None,
        output_axes=None,
    ):
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        if mode not in _MODES:
            raise ValueError(
                f"Invalid `mode` argument: {mode}. Please use one of {_as_set(_MODES)}"
            )
        distribution = distribution.lower()
        distribution = "truncated_normal" if distribution == "normal" else distribution
        if distribution not in _DISTRIBUTIONS:
            raise ValueError(
                f"Invalid `distribution` argument: {distribution}."
                f"Please use one of {_as_set(_DISTRIBUTIONS)}"
            )
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes
        super().__init__(seed=seed)

    def _draw(self, rng, shape):
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, fan)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return rng.uniform(low=-limit, high=limit, size=shape)
        if self.distribution == "truncated_normal":
            return _truncated_normal(rng, shape, 0.0, math.sqrt(variance) / _TRUNCATED_STD)
        return rng.normal(loc=0.0, scale=math.sqrt(variance), size=shape)

    def get_config(self):
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


def _as_set(names):
    return "{" + ", ".join(repr(name) for name in names) + "}"


class _NamedVarianceScaling(VarianceScaling):
    """A VarianceScaling with a fixed `(scale, mode, distribution)`: only the seed and axes vary."""

    preset = None

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(*self.preset, seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self):
        return {
            "seed": self._init_seed,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


@_export()
class GlorotUniform(_NamedVarianceScaling):
    """Glorot (Xavier) uniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out)). Args: seed, input_axes,
    output_axes."""

    preset = (1.0, "fan_avg", "uniform")


@_export()
class GlorotNormal(_NamedVarianceScaling):
    """Glorot (Xavier) normal: truncated normal, variance 2 / (fan_in + fan_out). Args: seed,
    input_axes, output_axes."""

    preset = (1.0, "fan_avg", "truncated_normal")


@_export()
class HeUniform(_NamedVarianceScaling):
    """He uniform: U(-l, l), l = sqrt(6 / fan_in). Args: seed, input_axes, output_axes."""

    preset = (2.0, "fan_in", "uniform")


@_export()
class HeNormal(_NamedVarianceScaling):
    """He normal: truncated normal, variance 2 / fan_in. Args: seed, input_axes, output_axes."""

    preset = (2.0, "fan_in", "truncated_normal")


@_export()
class LecunUniform(_NamedVarianceScaling):
    """LeCun uniform: U(-l, l), l = sqrt(3 / fan_in). Args: seed, input_axes, output_axes."""

    preset = (1.0, "fan_in", "uniform")


@_export()
class LecunNormal(_NamedVarianceScaling):
    """LeCun normal: truncated normal, variance 1 / fan_in. Args: seed, input_axes, output_axes."""

    preset = (1.0, "fan_in", "truncated_normal")


@_export("OrthogonalInitializer")
class Orthogonal(RandomInitializer):
    """`gain` times a random orthogonal matrix: the Q of the QR of a normal matrix, its columns'
    signs fixed so the distribution is uniform. Shapes of rank > 2 are flattened to
    `(prod(shape[:-1]), shape[-1])`. Args: gain=1.0, seed=None."""

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def _draw(self, rng, shape):
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        rows, columns = math.prod(shape[:-1]), shape[-1]
        q, r = np.linalg.qr(rng.normal(size=(max(rows, columns), min(rows, columns))))
        q = q * np.sign(np.diag(r))
        return self.gain * (q.T if rows < columns else q).reshape(shape)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}


# ----------------------------------------------------------------------------------------------
# snake_case names, as `keras.initializers` exports them

zeros, ones, constant, identity, stft = Zeros, Ones, Constant, Identity, STFT
IdentityInitializer, OrthogonalInitializer, STFTInitializer = Identity, Orthogonal, STFT
random_normal, truncated_normal, random_uniform = RandomNormal, TruncatedNormal, RandomUniform
variance_scaling, orthogonal = VarianceScaling, Orthogonal
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_uniform, he_normal, lecun_uniform, lecun_normal = HeUniform, HeNormal, LecunUniform, LecunNormal


def serialize(initializer):
    """An initializer as a Keras 3 config dict."""
    return registry.serialize(initializer)


def deserialize(config, custom_objects=None):
    """An initializer from a name or a Keras 2 / Keras 3 config dict."""
    return registry.deserialize("initializer", config, custom_objects)


def get(identifier):
    """An initializer from None, a name, a config dict, an instance, a class, a callable
    `(shape, dtype=None)`, or an array (returned as is, for exactly its own shape)."""
    if isinstance(identifier, (np.ndarray, np.generic)):
        return _fixed_values(identifier)
    return registry.get("initializer", identifier)


def _fixed_values(values):
    def initialize_fn(shape, dtype=None):
        if tuple(shape) != values.shape:
            raise ValueError(
                f"Expected `shape` to be {values.shape} for direct tensor as initializer. "
                f"Received shape={shape}"
            )
        return values.astype(backend.standardize_dtype(dtype))

    return initialize_fn
