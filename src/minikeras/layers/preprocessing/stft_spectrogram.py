"""`STFTSpectrogram`: signals to short-time Fourier spectrograms by convolution with the DFT's
windowed kernels (trainable, as in Keras), channel by channel."""

import math
import warnings

from minikeras import backend, initializers, ops
from minikeras.layers.base import Layer
from minikeras.layers.input_spec import InputSpec
from minikeras.saving import registry

_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


@registry.register("layer", module="keras.layers")
class STFTSpectrogram(Layer):
    """The spectrogram of `(batch, time, channels)` signals (`(batch, channels, time)` with
    `data_format="channels_first"`): each channel convolved with `real_kernel` and
    `imag_kernel`, `(frame_length, 1, fft_length // 2 + 1)`, the windowed DFT's parts (the
    `STFT` initializer), every `frame_step` samples.

    Args:
        mode: "log" (log magnitude), "magnitude", "psd" (power, the one-sided density),
            "real", "imag", "angle" or "stft" (real then imaginary parts).
        frame_length: the window's length; frame_step: samples between frames (default half
            a window); fft_length: the DFT size (default the power of two at or above the
            window).
        window, periodic, scaling: the `STFT` initializer's.
        padding: "valid" or "same", as a convolution's.
        expand_dims: give `(batch, time, frequencies, channels)` instead of the channels'
            frequencies side by side.
        data_format: "channels_last" or "channels_first".
    """

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None,
                 window="hann", periodic=False, scaling="density", padding="valid",
                 expand_dims=False, data_format=None, **kwargs):
        if frame_step is not None and (frame_step > frame_length or frame_step < 1):
            raise ValueError(
                "`frame_step` should be a positive integer not greater than `frame_length`. "
                f"Received frame_step={frame_step}, frame_length={frame_length}")
        if fft_length is not None and fft_length < frame_length:
            raise ValueError("`fft_length` should be not less than `frame_length`. Received "
                             f"fft_length={fft_length}, frame_length={frame_length}")
        if fft_length is not None and fft_length & -fft_length != fft_length:
            warnings.warn("`fft_length` is recommended to be a power of two. Received "
                          f"fft_length={fft_length}", stacklevel=2)
        if mode not in _MODES:
            raise ValueError(f"Output mode is invalid, it must be one of {', '.join(_MODES)}. "
                             f"Received: mode={mode}")
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError("Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                             f"Received scaling={scaling}")
        if padding not in ("valid", "same"):
            raise ValueError("Padding is invalid, it should be 'valid', 'same'. Received: "
                             f"padding={padding}")
        initializers.STFT("real", window, scaling, periodic)  # an unknown window fails now
        super().__init__(**kwargs)
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window = window
        self.periodic = periodic
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = expand_dims
        self.data_format = backend.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        for side in ("real", "imag"):
            if self.mode != ("imag" if side == "real" else "real"):
                setattr(self, f"{side}_kernel", self.add_weight(
                    name=f"{side}_kernel", shape=shape,
                    initializer=initializers.STFT(side, self.window, self.scaling,
                                                  self.periodic)))

    def call(self, inputs):
        dtype = backend.standardize_dtype(inputs.dtype)
        if dtype not in ("float16", "float32", "float64"):
            raise TypeError("Invalid input type. Expected `float16`, `float32` or `float64`. "
                            f"Received: input type={dtype}")
        real = None if self.mode == "imag" else self._convolve(inputs, self.real_kernel)
        imag = None if self.mode == "real" else self._convolve(inputs, self.imag_kernel)
        if self.mode in ("real", "imag"):
            return self._arranged(real if self.mode == "real" else imag)
        if self.mode == "angle":
            return self._arranged(ops.arctan2(imag, real))
        if self.mode == "stft":
            return self._arranged(ops.concatenate([real, imag], axis=2))
        power = ops.square(real) + ops.square(imag)
        if self.mode == "psd":  # the bins between DC and Nyquist count twice (one-sided)
            return self._arranged(power + ops.pad(power[:, :, 1:-1, :],
                                                  [[0, 0], [0, 0], [1, 1], [0, 0]]))
        epsilon = backend.epsilon()
        magnitude = self._arranged(ops.sqrt(ops.maximum(power, epsilon)))
        return magnitude if self.mode == "magnitude" else ops.log(
            ops.maximum(magnitude, epsilon))

    def _convolve(self, inputs, kernel):
        """`(batch, channels, frequencies, frames)`: each channel convolved on its own."""
        channels_last = self.data_format == "channels_last"
        if channels_last:
            _, steps, channels = inputs.shape
            signals = ops.reshape(ops.transpose(inputs, [0, 2, 1]), [-1, steps, 1])
        else:
            _, channels, steps = inputs.shape
            signals = ops.reshape(inputs, [-1, 1, steps])
        out = ops.conv(signals, ops.cast(kernel, inputs.dtype), strides=self._frame_step,
                       padding=self.padding, data_format=self.data_format)
        if channels_last:
            out = ops.transpose(out, [0, 2, 1])
        return ops.reshape(out, [-1, channels, out.shape[1], out.shape[2]])

    def _arranged(self, outputs):
        """`(batch, channels, frequencies, frames)` as the layer gives it."""
        _, channels, frequencies, frames = outputs.shape
        if self.expand_dims:
            return ops.transpose(outputs, [0, 3, 2, 1] if self.data_format == "channels_last"
                                 else [0, 1, 3, 2])
        outputs = ops.reshape(outputs, [-1, channels * frequencies, frames])
        return ops.transpose(outputs, [0, 2, 1]) if self.data_format == "channels_last" \
            else outputs

    def compute_output_shape(self, input_shape):
        channels_last = self.data_format == "channels_last"
        batch = input_shape[0]
        steps, channels = (input_shape[1], input_shape[2]) if channels_last else (
            input_shape[2], input_shape[1])
        frequencies = (self._fft_length // 2 + 1) * (2 if self.mode == "stft" else 1)
        if steps is None:
            frames = None
        elif self.padding == "same":
            frames = -(-steps // self._frame_step)
        else:
            frames = (steps - self.frame_length) // self._frame_step + 1
        if self.expand_dims:
            return ((batch, frames, frequencies, channels) if channels_last
                    else (batch, channels, frames, frequencies))
        width = None if channels is None else frequencies * channels
        return (batch, frames, width) if channels_last else (batch, width, frames)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "frame_length": self.frame_length,
                "frame_step": self.frame_step, "fft_length": self.fft_length,
                "window": self.window, "periodic": self.periodic, "scaling": self.scaling,
                "padding": self.padding, "data_format": self.data_format,
                "expand_dims": self.expand_dims}
