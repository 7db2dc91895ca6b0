"""`keras.preprocessing`: Keras 3's `image` and `sequence` functions, and the Keras 2 spellings
old scripts still use (`text.Tokenizer`, `image.ImageDataGenerator`)."""

from minikeras.preprocessing import image, sequence, text

__all__ = ["image", "sequence", "text"]
