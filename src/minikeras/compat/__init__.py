"""Run Keras scripts unmodified: `import keras`, `tensorflow.keras`, `tf_keras` give minikeras.

    >>> from minikeras import compat
    >>> compat.install()          # in a notebook or a program, before the script's imports
    >>> import tensorflow as tf   # a small stand-in: tf.keras, tf.constant, tf.reduce_sum, ...
    >>> from keras.layers import Dense

`python -m minikeras run script.py [args...]` does the same for a whole script.

- `importer`: the import hook that maps Keras 3 and Keras 2 module paths onto minikeras.
- `tensorflow`: the non-Keras TensorFlow names Keras scripts commonly touch, on numpy.
- `keras_backend`: `keras.backend` as Keras 2 scripts use it (`K.sum`, `K.epsilon`, ...).
- `legacy`: Keras 1 and 2 argument spellings, accepted with a warning.
- `coverage`: what minikeras does not provide, and the error that says so.
- `api_doc`: writes docs/api.md from all of the above.
"""


def install():
    """Make `keras`, `keras.*`, `tf_keras.*`, `tensorflow` and `tensorflow.keras.*` import
    minikeras (until `uninstall()`). Modules of those names imported before are set aside."""
    from minikeras.compat import importer

    importer.install()


def uninstall():
    """Undo `install()`: the aliases leave `sys.modules` and anything set aside comes back."""
    from minikeras.compat import importer

    importer.uninstall()


def is_installed():
    """Whether `install()` is in effect."""
    import sys

    from minikeras.compat import importer

    return importer.FINDER in sys.meta_path


__all__ = ["install", "is_installed", "uninstall"]
