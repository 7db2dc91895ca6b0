"""`MelSpectrogram`: audio signals to (log-)mel spectrograms, as Keras computes them."""

import numpy as np

from minikeras import ops
from minikeras.layers.base import Layer
from minikeras.saving import registry

_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def hertz_to_mel(frequencies):
    """The mel scale of HTK (and TensorFlow): `1127 * log(1 + f / 700)`."""
    return _MEL_HIGH_FREQUENCY_Q * np.log(1.0 + frequencies / _MEL_BREAK_FREQUENCY_HERTZ)


def linear_to_mel_weight_matrix(num_mel_bins=20, num_spectrogram_bins=129, sampling_rate=8000,
                                lower_edge_hertz=125.0, upper_edge_hertz=3800.0,
                                dtype="float32"):
    """`(num_spectrogram_bins, num_mel_bins)`: each mel band a triangle over the linear
    frequency bins, from the band below's centre to the band above's (TensorFlow's matrix:
    the DC bin gets no weight)."""
    dtype = np.dtype(dtype)
    nyquist = dtype.type(sampling_rate) / 2
    linear = np.linspace(0, nyquist, num_spectrogram_bins, dtype=dtype)[1:]
    bins_mel = hertz_to_mel(linear)[:, None]
    edges = np.linspace(hertz_to_mel(dtype.type(lower_edge_hertz)),
                        hertz_to_mel(dtype.type(upper_edge_hertz)), num_mel_bins + 2,
                        dtype=dtype)
    lower, center, upper = edges[None, :-2], edges[None, 1:-1], edges[None, 2:]
    rising = (bins_mel - lower) / (center - lower)
    falling = (upper - bins_mel) / (upper - center)
    weights = np.maximum(0, np.minimum(rising, falling)).astype(dtype)
    return np.pad(weights, [[1, 0], [0, 0]])


@registry.register("layer", module="keras.layers")
class MelSpectrogram(Layer):
    """The mel spectrogram of 1-D signals `(samples,)` or `(batch, samples)`:
    `(num_mel_bins, frames)` or `(batch, num_mel_bins, frames)`, frames every
    `sequence_stride` samples (the signal padded by reflection to centre them).

    Args:
        fft_length: the FFT size (the frequency bins are `fft_length // 2 + 1`).
        sequence_stride: samples between frames.
        sequence_length: each frame's window length (default `fft_length`).
        window: "hann", "hamming" or None.
        sampling_rate: the signals' sampling rate in Hz.
        num_mel_bins: the mel bands.
        min_freq, max_freq: the bands' range in Hz (default max: `sampling_rate / 2`).
        power_to_db: whether to give decibels, `10 log10(power / ref_power)`, at most `top_db`
            below the largest value of the whole input (as Keras takes it).
        top_db, mag_exp, min_power, ref_power: the magnitude's exponent (2: power) and the
            decibel conversion's floor, reference and range.
    """

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None,
                 window="hann", sampling_rate=16000, num_mel_bins=128, min_freq=20.0,
                 max_freq=None, power_to_db=True, top_db=80.0, mag_exp=2.0, min_power=1e-10,
                 ref_power=1.0, **kwargs):
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError(
                "`fft_length` must be greater than or equal to   `sequence_length`. Received: "
                f"`sequence_length`={self.sequence_length}, `fft_length`={self.fft_length}.")
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db = power_to_db
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power
        super().__init__(**kwargs)

    def build(self, input_shape=None):
        """No weights."""

    def call(self, inputs):
        dtype = self.dtype if self.dtype in ("float32", "float64") else "float32"
        signal = ops.cast(inputs, dtype)
        real, imag = ops.stft(signal, self.sequence_length, self.sequence_stride,
                              self.fft_length, window=self.window, center=True)
        spectrum = ops.power(ops.sqrt(real * real + imag * imag), self.mag_exp)
        matrix = linear_to_mel_weight_matrix(
            self.num_mel_bins, spectrum.shape[-1], self.sampling_rate, self.min_freq,
            self.max_freq, dtype)
        mel = ops.tensordot(spectrum, matrix, axes=1)
        if self.power_to_db:
            mel = self._decibels(mel)
        return ops.swapaxes(mel, -1, -2)

    def _decibels(self, power):
        decibels = 10.0 * ops.log10(ops.maximum(power, self.min_power))
        decibels = decibels - 10.0 * float(np.log10(max(abs(self.ref_power), self.min_power)))
        return ops.maximum(decibels, ops.max(decibels) - self.top_db)

    def compute_output_shape(self, input_shape):
        *batch, samples = input_shape
        frames = None if samples is None else (
            (samples + self.sequence_stride + 1) // self.sequence_stride)
        return (*batch, self.num_mel_bins, frames)

    def get_config(self):
        return {**super().get_config(), "fft_length": self.fft_length,
                "sequence_stride": self.sequence_stride, "sequence_length": self.sequence_length,
                "window": self.window, "sampling_rate": self.sampling_rate,
                "num_mel_bins": self.num_mel_bins, "min_freq": self.min_freq,
                "max_freq": self.max_freq, "power_to_db": self.power_to_db,
                "top_db": self.top_db, "mag_exp": self.mag_exp, "min_power": self.min_power,
                "ref_power": self.ref_power}
