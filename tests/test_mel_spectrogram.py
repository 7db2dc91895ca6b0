"""`MelSpectrogram` against Keras 3 (compat/data/mel_spectrogram.npz, written by
compat/make_mel_spectrogram.py)."""

import json

import numpy as np
import pytest
from conftest import COMPAT_DATA

import minikeras as mk
from minikeras import layers
from minikeras.layers.preprocessing import mel_spectrogram

REFERENCE = np.load(COMPAT_DATA / "mel_spectrogram.npz")
META = json.loads(str(REFERENCE["meta"]))
SIGNALS = REFERENCE["signals"]


@pytest.mark.parametrize("name", sorted(META["cases"]))
def test_spectrograms_shapes_and_configs_match_keras(name):
    case = META["cases"][name]
    layer = layers.MelSpectrogram(**case["options"])
    x = SIGNALS if case["input"] == "batch" else SIGNALS[0]
    out = np.asarray(layer(x))
    expected = REFERENCE[f"out/{name}"]
    assert out.dtype == np.float32 and out.shape == expected.shape
    # decibels to 1e-3 dB; powers relative to the largest
    np.testing.assert_allclose(out, expected, rtol=2e-4, atol=1e-3 if layer.power_to_db
                               else 2e-5 * float(np.max(np.abs(expected))))
    assert list(layer.compute_output_shape(x.shape)) == case["shape"]
    config = {k: v for k, v in layer.get_config().items() if k != "name"}
    assert config == {k: v for k, v in case["config"].items() if k != "name"}


def test_the_mel_matrix_is_tensorflows():
    matrix = mel_spectrogram.linear_to_mel_weight_matrix(10, 33, 16000, 50.0, 7000.0)
    np.testing.assert_allclose(matrix, REFERENCE["matrix"], rtol=1e-5, atol=1e-6)


def test_default_config_and_errors():
    assert layers.MelSpectrogram(name="mel").get_config() == META["default_config"]
    with pytest.raises(ValueError, match="`fft_length` must be greater than or equal to"):
        layers.MelSpectrogram(fft_length=256, sequence_length=512)


def test_a_model_of_spectrograms_saves_and_predicts(tmp_path):
    signal = mk.Input((4000,))
    mel = layers.MelSpectrogram(fft_length=256, sequence_stride=128, sampling_rate=8000,
                                num_mel_bins=20)(signal)
    model = mk.Model(signal, layers.Dense(3)(layers.GlobalAveragePooling1D()(mel)))
    assert model.output_shape == (None, 3) and mel.shape == (None, 20, 32)
    model.save(tmp_path / "mel.keras")
    loaded = mk.models.load_model(tmp_path / "mel.keras")
    np.testing.assert_allclose(loaded.predict(SIGNALS, verbose=0), model.predict(SIGNALS, verbose=0),
                               rtol=1e-6)
