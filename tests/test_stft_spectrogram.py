"""`STFTSpectrogram` against Keras 3 (compat/data/stft_spectrogram.npz, written by
compat/make_stft_spectrogram.py)."""

import json

import numpy as np
import pytest
from conftest import COMPAT_DATA

import minikeras as mk
from minikeras import layers

REFERENCE = np.load(COMPAT_DATA / "stft_spectrogram.npz")
META = json.loads(str(REFERENCE["meta"]))
SIGNALS = REFERENCE["signals"]


@pytest.mark.parametrize("name", sorted(META["cases"]))
def test_spectrograms_shapes_configs_and_weights_match_keras(name):
    case = META["cases"][name]
    layer = layers.STFTSpectrogram(**case["options"])
    x = SIGNALS.transpose(0, 2, 1) if case["options"].get("data_format") == "channels_first" \
        else SIGNALS
    out = np.asarray(layer(x))
    expected = REFERENCE[f"out/{name}"]
    assert out.dtype == np.float32 and out.shape == expected.shape
    mode = case["options"].get("mode", "log")
    if mode == "angle":  # the angles of bins that are not tiny, modulo a turn
        magnitude = np.asarray(layers.STFTSpectrogram(**{**case["options"],
                                                          "mode": "magnitude"})(x))
        turn = np.angle(np.exp(1j * (out - expected)))[magnitude > 1e-3]
        np.testing.assert_allclose(turn, 0, atol=1e-3)
    else:
        if mode == "log":  # float32's rounding, relative to the largest magnitude
            out, expected = np.exp(out), np.exp(expected)
        scale = max(1.0, float(np.max(np.abs(expected))))
        np.testing.assert_allclose(out / scale, expected / scale, atol=2e-5)
    assert list(layer.compute_output_shape(x.shape)) == case["shape"]
    config = {k: v for k, v in layer.get_config().items() if k != "name"}
    assert config == {k: v for k, v in case["config"].items() if k != "name"}
    assert [w.name for w in layer.weights] == case["weights"]


def test_default_config_and_errors():
    assert layers.STFTSpectrogram(name="stft").get_config() == META["default_config"]
    for kwargs, message in [({"mode": "power"}, "Output mode is invalid"),
                            ({"frame_step": 300}, "`frame_step` should be a positive integer"),
                            ({"fft_length": 100}, "`fft_length` should be not less than"),
                            ({"padding": "causal"}, "Padding is invalid"),
                            ({"scaling": "x"}, "Scaling is invalid")]:
        with pytest.raises(ValueError, match=message):
            layers.STFTSpectrogram(**kwargs)
    with pytest.warns(UserWarning, match="recommended to be a power of two"):
        layers.STFTSpectrogram(frame_length=200, fft_length=300)


def test_a_spectrogram_model_trains_its_kernels_and_reloads(tmp_path):
    signals = mk.Input((300, 2))
    spectra = layers.STFTSpectrogram(mode="magnitude", frame_length=32, trainable=True)(signals)
    model = mk.Model(signals, layers.Dense(1)(layers.GlobalAveragePooling1D()(spectra)))
    model.compile("adam", "mse")
    kernels = [w.numpy().copy() for w in model.layers[1].weights]
    model.fit(SIGNALS, np.array([[1.0], [-1.0]]), epochs=2, verbose=0)
    assert all(np.any(k != w.numpy()) for k, w in zip(kernels, model.layers[1].weights))
    model.save(tmp_path / "stft.keras")
    loaded = mk.models.load_model(tmp_path / "stft.keras")
    np.testing.assert_allclose(loaded.predict(SIGNALS, verbose=0),
                               model.predict(SIGNALS, verbose=0), rtol=1e-6)
