"""Reference numbers for the spectrogram layers, `MelSpectrogram` and `STFTSpectrogram`, read
off Keras 3 (TF backend).

Run under the oracle: `/tmp/oracle/bin/python compat/make_spectrograms.py`.
Writes compat/data/spectrograms.npz: `signals/<layer>` (MelSpectrogram: (batch, time);
STFTSpectrogram: (batch, time, channels)), each case's output `out/<layer>/<case>`, one mel
weight matrix (`mel_matrix`), and in `meta` (JSON), by layer and case: the options, whether the
input is one unbatched signal or channels-first, the output shape by `compute_output_shape`,
the config and the weight names; and each layer's default config.
"""

import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

OUT = pathlib.Path(__file__).parent / "data" / "spectrograms.npz"
rng = np.random.default_rng(7)
_t = np.arange(4000) / 8000.0
_s = np.arange(300) / 1000.0
SIGNALS = {
    "MelSpectrogram": np.stack([np.sin(2 * np.pi * 440 * _t), np.sin(2 * np.pi * 1000 * _t) * 0.3,
                                rng.normal(size=_t.shape) * 0.1]).astype("float32"),
    "STFTSpectrogram": np.stack([
        np.stack([np.sin(2 * np.pi * 50 * _s), rng.normal(size=_s.shape) * 0.2], -1),
        np.stack([np.cos(2 * np.pi * 120 * _s) * 0.5, np.sin(2 * np.pi * 7 * _s)], -1),
    ]).astype("float32"),
}
# layer -> case -> (options, input: "batch", "one" (the first signal alone) or "channels_first")
CASES = {
    "MelSpectrogram": {
        "defaults_small_fft": ({"fft_length": 256, "sequence_stride": 128,
                                "sampling_rate": 8000, "num_mel_bins": 40}, "batch"),
        "window_shorter_than_fft": ({"fft_length": 512, "sequence_length": 400,
                                     "sequence_stride": 160, "sampling_rate": 8000,
                                     "num_mel_bins": 32, "min_freq": 60.0, "max_freq": 3800.0,
                                     "window": "hamming"}, "batch"),
        "magnitude_no_db": ({"fft_length": 128, "sequence_stride": 64, "sampling_rate": 8000,
                             "num_mel_bins": 16, "power_to_db": False, "mag_exp": 1.0},
                            "batch"),
        "db_options_one_signal": ({"fft_length": 256, "sequence_stride": 100,
                                   "sampling_rate": 8000, "num_mel_bins": 24, "top_db": 40.0,
                                   "ref_power": 2.0, "min_power": 1e-6, "window": None}, "one"),
    },
    "STFTSpectrogram": {
        "log": ({"frame_length": 64}, "batch"),
        "magnitude_same_step": ({"mode": "magnitude", "frame_length": 48, "frame_step": 20,
                                 "padding": "same", "fft_length": 64}, "batch"),
        "psd_spectrum_periodic": ({"mode": "psd", "frame_length": 32, "scaling": "spectrum",
                                   "periodic": True, "window": "hamming"}, "batch"),
        "real_no_scaling": ({"mode": "real", "frame_length": 30, "frame_step": 15,
                             "scaling": None}, "batch"),
        "imag_expanded": ({"mode": "imag", "frame_length": 32, "expand_dims": True}, "batch"),
        "angle": ({"mode": "angle", "frame_length": 32, "window": None}, "batch"),
        "stft_channels_first": ({"mode": "stft", "frame_length": 32,
                                 "data_format": "channels_first"}, "channels_first"),
        "log_channels_first_expanded": ({"frame_length": 40, "frame_step": 25,
                                         "expand_dims": True, "data_format": "channels_first",
                                         "fft_length": 64}, "channels_first"),
    },
}


def case_input(signals, kind):
    """The input a case takes (tests/test_spectrogram_layers.py takes the same)."""
    if kind == "one":
        return signals[0]
    return signals.transpose(0, 2, 1) if kind == "channels_first" else signals


def main():
    arrays = {f"signals/{layer}": signals for layer, signals in SIGNALS.items()}
    meta = {"cases": {}, "default_config": {}}
    for class_name, cases in CASES.items():
        cls = getattr(keras.layers, class_name)
        meta["default_config"][class_name] = cls(name="spectrogram").get_config()
        for name, (options, kind) in cases.items():
            layer = cls(**options)
            x = case_input(SIGNALS[class_name], kind)
            arrays[f"out/{class_name}/{name}"] = np.asarray(layer(x))
            meta["cases"].setdefault(class_name, {})[name] = {
                "options": options, "input": kind, "config": layer.get_config(),
                "shape": list(layer.compute_output_shape(x.shape)),
                "weights": [w.name for w in layer.weights]}
    arrays["mel_matrix"] = np.asarray(keras.layers.MelSpectrogram().linear_to_mel_weight_matrix(
        num_mel_bins=10, num_spectrogram_bins=33, sampling_rate=16000, lower_edge_hertz=50.0,
        upper_edge_hertz=7000.0))
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
