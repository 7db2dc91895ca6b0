"""`audio_dataset_from_directory`: a `tf.data.Dataset` of the WAV files in class folders."""

import wave

import numpy as np

from minikeras.utils import dataset_utils


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, batch_size=32, sampling_rate=None,
                                 output_sequence_length=None, ragged=False, shuffle=True,
                                 seed=None, validation_split=None, subset=None,
                                 follow_links=False, verbose=True):
    """The `.wav` files under `directory` as a dataset of `(audio, label)` batches, each audio
    float32 `(samples, channels)` in [-1, 1) as TensorFlow's `decode_wav` gives it, cut or
    zero-padded to `output_sequence_length` samples if given, else each batch padded to its
    longest; the labels from the sub-folders (see Keras 3's documentation for the arguments).
    Files are read as the pipeline reaches them."""
    if labels not in ("inferred", None) and class_names:
        raise ValueError('You can only pass `class_names` if `labels="inferred"`. Received: '
                         f"labels={labels}, and class_names={class_names}")
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`")
    if sampling_rate is not None:
        if not isinstance(sampling_rate, int):
            raise ValueError("`sampling_rate` should have an integer value. Received: "
                             f"sampling_rate={sampling_rate}")
        if sampling_rate <= 0:
            raise ValueError("`sampling_rate` should be higher than 0. Received: "
                             f"sampling_rate={sampling_rate}")
        raise NotImplementedError(
            "minikeras does not resample audio (Keras does it with tensorflow_io): pass "
            "`sampling_rate=None` and give files of one rate.")
    if ragged:
        raise NotImplementedError("minikeras has no ragged tensors: pass `ragged=False` (each "
                                  "batch is then padded to its longest audio).")
    return dataset_utils.files_dataset(
        directory, labels, label_mode, class_names, batch_size, shuffle, seed,
        validation_split, subset, follow_links, verbose, (".wav",),
        lambda path: read_wav(path, output_sequence_length),
        f"No audio files found in directory {directory}. Allowed format(s): ('.wav',)",
        padded_shape=(None, None) if output_sequence_length is None else None)


def read_wav(path, samples=None):
    """A 16-bit PCM WAV file as float32 `(samples, channels)`, each value the sample / 32768
    (TensorFlow's `decode_wav`), cut or zero-padded to `samples` if given."""
    with wave.open(path, "rb") as file:
        if file.getsampwidth() != 2:
            raise ValueError(f"Can only read 16-bit WAV files, but received "
                             f"{8 * file.getsampwidth()}: {path}")
        channels = file.getnchannels()
        frames = file.readframes(file.getnframes() if samples is None
                                 else min(samples, file.getnframes()))
    audio = np.frombuffer(frames, "<i2").reshape(-1, channels).astype("float32") / 32768.0
    if samples is not None and len(audio) < samples:
        audio = np.concatenate([audio, np.zeros((samples - len(audio), channels), "float32")])
    return audio
