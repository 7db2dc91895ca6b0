"""Reference numbers for `STFTSpectrogram`, read off Keras 3 (TF backend).

Run under the oracle: `/tmp/oracle/bin/python compat/make_stft_spectrogram.py`.
Writes compat/data/stft_spectrogram.npz: the signals (`signals`, (batch, time, channels)),
each case's output (`out/<name>`), and in `meta` (JSON) each case's options, data format,
output shape by `compute_output_shape`, config and weight names.
"""

import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

OUT = pathlib.Path(__file__).parent / "data" / "stft_spectrogram.npz"
rng = np.random.default_rng(11)
t = np.arange(300) / 1000.0
SIGNALS = np.stack([np.stack([np.sin(2 * np.pi * 50 * t), rng.normal(size=t.shape) * 0.2], -1),
                    np.stack([np.cos(2 * np.pi * 120 * t) * 0.5, np.sin(2 * np.pi * 7 * t)], -1)]
                   ).astype("float32")  # (2, 300, 2)
CASES = {
    "log": {"frame_length": 64},
    "magnitude_same_step": {"mode": "magnitude", "frame_length": 48, "frame_step": 20,
                            "padding": "same", "fft_length": 64},
    "psd_spectrum_periodic": {"mode": "psd", "frame_length": 32, "scaling": "spectrum",
                              "periodic": True, "window": "hamming"},
    "real_no_scaling": {"mode": "real", "frame_length": 30, "frame_step": 15, "scaling": None},
    "imag_expanded": {"mode": "imag", "frame_length": 32, "expand_dims": True},
    "angle": {"mode": "angle", "frame_length": 32, "window": None},
    "stft_channels_first": {"mode": "stft", "frame_length": 32, "data_format": "channels_first"},
    "log_channels_first_expanded": {"frame_length": 40, "frame_step": 25, "expand_dims": True,
                                    "data_format": "channels_first", "fft_length": 64},
}


def main():
    arrays = {"signals": SIGNALS}
    meta = {"cases": {}}
    for name, options in CASES.items():
        layer = keras.layers.STFTSpectrogram(**options)
        x = SIGNALS if options.get("data_format") != "channels_first" else \
            SIGNALS.transpose(0, 2, 1)
        arrays[f"out/{name}"] = np.asarray(layer(x))
        meta["cases"][name] = {"options": options, "config": layer.get_config(),
                               "shape": list(layer.compute_output_shape(x.shape)),
                               "weights": [w.name for w in layer.weights]}
    meta["default_config"] = keras.layers.STFTSpectrogram(name="stft").get_config()
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
