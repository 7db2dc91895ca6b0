"""`MelSpectrogram` and `STFTSpectrogram` against Keras 3 (compat/data/spectrograms.npz,
written by compat/make_spectrograms.py), and models through them."""

import json

import numpy as np
import pytest
from conftest import COMPAT_DATA

import minikeras as mk
from minikeras import layers
from minikeras.layers.preprocessing import mel_spectrogram

REFERENCE = np.load(COMPAT_DATA / "spectrograms.npz")
META = json.loads(str(REFERENCE["meta"]))
CASES = [(layer, name) for layer, cases in META["cases"].items() for name in cases]


def case_input(class_name, kind):
    signals = REFERENCE[f"signals/{class_name}"]
    if kind == "one":
        return signals[0]
    return signals.transpose(0, 2, 1) if kind == "channels_first" else signals


def assert_spectra_close(out, expected, mode, layer_of_mode):
    """Within float32's rounding, relative to the largest value: log magnitudes as
    magnitudes, decibels to 1e-3 dB, angles modulo a turn where the bin is not tiny."""
    if mode == "angle":
        magnitude = np.asarray(layer_of_mode("magnitude"))
        turn = np.angle(np.exp(1j * (out - expected)))[magnitude > 1e-3]
        np.testing.assert_allclose(turn, 0, atol=1e-3)
        return
    if mode == "db":
        np.testing.assert_allclose(out, expected, rtol=2e-4, atol=1e-3)
        return
    if mode == "log":
        out, expected = np.exp(out), np.exp(expected)
    scale = max(1.0, float(np.max(np.abs(expected))))
    np.testing.assert_allclose(out / scale, expected / scale, atol=2e-5)


@pytest.mark.parametrize("class_name, name", CASES, ids=[f"{c}-{n}" for c, n in CASES])
def test_outputs_shapes_configs_and_weights_match_keras(class_name, name):
    case = META["cases"][class_name][name]
    cls = getattr(layers, class_name)
    layer = cls(**case["options"])
    x = case_input(class_name, case["input"])
    out = np.asarray(layer(x))
    expected = REFERENCE[f"out/{class_name}/{name}"]
    assert out.dtype == np.float32 and out.shape == expected.shape
    if class_name == "MelSpectrogram":
        mode = "db" if layer.power_to_db else "power"
    else:
        mode = layer.mode
    assert_spectra_close(out, expected, mode,
                         lambda other: cls(**{**case["options"], "mode": other})(x))
    assert list(layer.compute_output_shape(x.shape)) == case["shape"]
    config = {k: v for k, v in layer.get_config().items() if k != "name"}
    assert config == {k: v for k, v in case["config"].items() if k != "name"}
    assert [w.name for w in layer.weights] == case["weights"]


@pytest.mark.parametrize("class_name", sorted(META["default_config"]))
def test_default_configs_are_keras(class_name):
    config = getattr(layers, class_name)(name="spectrogram").get_config()
    assert config == META["default_config"][class_name]


def test_the_mel_matrix_is_tensorflows():
    matrix = mel_spectrogram.linear_to_mel_weight_matrix(10, 33, 16000, 50.0, 7000.0)
    np.testing.assert_allclose(matrix, REFERENCE["mel_matrix"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make, message", [
    (lambda: layers.MelSpectrogram(fft_length=256, sequence_length=512),
     "`fft_length` must be greater than or equal to"),
    (lambda: layers.STFTSpectrogram(mode="power"), "Output mode is invalid"),
    (lambda: layers.STFTSpectrogram(frame_step=300), "`frame_step` should be a positive integer"),
    (lambda: layers.STFTSpectrogram(fft_length=100), "`fft_length` should be not less than"),
    (lambda: layers.STFTSpectrogram(padding="causal"), "Padding is invalid"),
    (lambda: layers.STFTSpectrogram(scaling="x"), "Scaling is invalid"),
])
def test_bad_arguments_raise_keras_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_an_fft_length_not_a_power_of_two_is_warned_of():
    with pytest.warns(UserWarning, match="recommended to be a power of two"):
        layers.STFTSpectrogram(frame_length=200, fft_length=300)


def test_mel_spectrograms_feed_a_model_that_saves_and_predicts(tmp_path):
    signals = REFERENCE["signals/MelSpectrogram"]
    signal = mk.Input((4000,))
    mel = layers.MelSpectrogram(fft_length=256, sequence_stride=128, sampling_rate=8000,
                                num_mel_bins=20)(signal)
    model = mk.Model(signal, layers.Dense(3)(layers.GlobalAveragePooling1D()(mel)))
    assert model.output_shape == (None, 3) and mel.shape == (None, 20, 32)
    model.save(tmp_path / "mel.keras")
    loaded = mk.models.load_model(tmp_path / "mel.keras")
    np.testing.assert_allclose(loaded.predict(signals, verbose=0),
                               model.predict(signals, verbose=0), rtol=1e-6)


def test_stft_kernels_train_and_reload(tmp_path):
    signals = REFERENCE["signals/STFTSpectrogram"]
    inputs = mk.Input((300, 2))
    spectra = layers.STFTSpectrogram(mode="magnitude", frame_length=32, trainable=True)(inputs)
    model = mk.Model(inputs, layers.Dense(1)(layers.GlobalAveragePooling1D()(spectra)))
    model.compile("adam", "mse")
    kernels = [w.numpy().copy() for w in model.layers[1].weights]
    model.fit(signals, np.array([[1.0], [-1.0]]), epochs=2, verbose=0)
    assert all(np.any(k != w.numpy()) for k, w in zip(kernels, model.layers[1].weights))
    model.save(tmp_path / "stft.keras")
    loaded = mk.models.load_model(tmp_path / "stft.keras")
    np.testing.assert_allclose(loaded.predict(signals, verbose=0),
                               model.predict(signals, verbose=0), rtol=1e-6)
