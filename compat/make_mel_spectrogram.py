"""Reference numbers for `MelSpectrogram`, read off Keras 3 (TF backend).

Run under the oracle: `/tmp/oracle/bin/python compat/make_mel_spectrogram.py`.
Writes compat/data/mel_spectrogram.npz: the signals, each case's output (`out/<name>`), its
output shape from `compute_output_shape` and its config (in `meta`, JSON), and one mel weight
matrix (`matrix`).
"""

import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

OUT = pathlib.Path(__file__).parent / "data" / "mel_spectrogram.npz"
rng = np.random.default_rng(7)
t = np.arange(4000) / 8000.0
SIGNALS = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 1000 * t) * 0.3,
                    rng.normal(size=t.shape) * 0.1]).astype("float32")
# name -> (options, input: "batch" or "one")
CASES = {
    "defaults_small_fft": ({"fft_length": 256, "sequence_stride": 128, "sampling_rate": 8000,
                            "num_mel_bins": 40}, "batch"),
    "window_shorter_than_fft": ({"fft_length": 512, "sequence_length": 400,
                                 "sequence_stride": 160, "sampling_rate": 8000,
                                 "num_mel_bins": 32, "min_freq": 60.0, "max_freq": 3800.0,
                                 "window": "hamming"}, "batch"),
    "magnitude_no_db": ({"fft_length": 128, "sequence_stride": 64, "sampling_rate": 8000,
                         "num_mel_bins": 16, "power_to_db": False, "mag_exp": 1.0}, "batch"),
    "db_options_one_signal": ({"fft_length": 256, "sequence_stride": 100, "sampling_rate": 8000,
                               "num_mel_bins": 24, "top_db": 40.0, "ref_power": 2.0,
                               "min_power": 1e-6, "window": None}, "one"),
}


def main():
    arrays = {"signals": SIGNALS}
    meta = {"cases": {}}
    for name, (options, kind) in CASES.items():
        layer = keras.layers.MelSpectrogram(**options)
        x = SIGNALS if kind == "batch" else SIGNALS[0]
        arrays[f"out/{name}"] = np.asarray(layer(x))
        meta["cases"][name] = {"options": options, "input": kind, "config": layer.get_config(),
                               "shape": list(layer.compute_output_shape(x.shape))}
    arrays["matrix"] = np.asarray(keras.layers.MelSpectrogram().linear_to_mel_weight_matrix(
        num_mel_bins=10, num_spectrogram_bins=33, sampling_rate=16000, lower_edge_hertz=50.0,
        upper_edge_hertz=7000.0))
    meta["default_config"] = keras.layers.MelSpectrogram(name="mel").get_config()
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
