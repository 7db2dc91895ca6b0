"""`keras.preprocessing.sequence`: `pad_sequences` (Keras 3 keeps it here and in `utils`)."""

from minikeras.utils.sequence_utils import pad_sequences

__all__ = ["pad_sequences"]
