"""What minikeras does not provide, and the error that tells a script so.

A Keras name missing from minikeras is either not there yet or never will be (a class that can
only run code stored in a model file). The same table groups the names in docs/api.md.
"""

import re

from minikeras.saving.registry import FORBIDDEN_CLASSES

API_DOC = "docs/api.md"

# Not there yet, by kind: (what, a pattern over the Keras-relative name "module.Name").
NOT_YET = [
    ("image preprocessing and augmentation layers",
     r"layers\.(Random\w+|Resizing|CenterCrop|AutoContrast|Equalization|\w*Solarization|"
     r"MixUp|CutMix|RandAugment|AugMix|Pipeline)$"),
    ("convolutional recurrent layers", r"layers\.(ConvLSTM\dD)$"),
    ("pretrained models", r"applications(\.|$)"),
]

_NOT_YET = [(what, re.compile(pattern)) for what, pattern in NOT_YET]


def never(keras_name):
    """Why minikeras will never provide `keras_name` ("layers.Lambda"), or None."""
    if keras_name.rpartition(".")[2] in FORBIDDEN_CLASSES:
        return ("it runs Python code stored in the model file, and minikeras never executes "
                "code a file holds; write a Layer subclass instead")
    return None


def kind(keras_name):
    """The `NOT_YET` group of a Keras-relative name, or None."""
    return next((what for what, pattern in _NOT_YET if pattern.match(keras_name)), None)


def message(symbol, keras_name=None):
    """The error text for a missing `symbol`, as the script spelled it ("tf.keras.layers.LSTM");
    `keras_name` is its Keras-relative name ("layers.LSTM"), None for a TensorFlow name."""
    if keras_name is None:
        return (f"minikeras does not provide {symbol}: its `tensorflow` stand-in has only the "
                f"non-Keras names Keras scripts commonly use ({API_DOC} lists them). Run this "
                "script under TensorFlow, or rewrite that part with numpy or keras.ops.")
    reason = never(keras_name)
    if reason:
        return f"minikeras does not provide {symbol}, and never will: {reason}."
    group = kind(keras_name)
    what = f" ({group} are not there yet)" if group else ""
    return (f"minikeras does not provide {symbol}{what}; {API_DOC} lists what it provides.")
