"""`TextVectorization`: strings to token indices or bag-of-words vectors, as Keras on
TensorFlow makes them (ASCII lower-casing, ASCII punctuation and whitespace)."""

import re

import numpy as np

from minikeras import backend
from minikeras.layers.base import Layer
from minikeras.layers.node import KerasTensor
from minikeras.layers.preprocessing import adapting
from minikeras.layers.preprocessing.encoding import OUTPUT_MODES
from minikeras.layers.preprocessing.index_lookup import _listed
from minikeras.layers.preprocessing.string_lookup import StringLookup
from minikeras.saving import registry

_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
# TensorFlow's `tf.strings.lower` changes only ASCII letters; the punctuation Keras strips and
# the whitespace `tf.strings.split` splits on are ASCII too.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_PUNCTUATION = re.compile(r"""[!"#$%&()*+,\-./:;<=>?@\[\\\]^_`{|}~']""")
_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")


@registry.register("layer", module="keras.layers")
class TextVectorization(Layer):
    """Standardize, split and n-gram strings, then look the tokens up in a vocabulary.

    Args:
        max_tokens: the vocabulary's size at most (the mask "" and the OOV token included).
        standardize: "lower_and_strip_punctuation" (default), "lower", "strip_punctuation",
            None, or a function of an array of strings.
        split: "whitespace" (default), "character", None, or a function of one string
            giving its tokens.
        ngrams: None, an integer n (1- to n-grams), or a tuple of n-gram widths.
        output_mode: "int" (int64 token indices, 0 padding), "multi_hot", "count", "tf_idf"
            (float vectors over the vocabulary) or "one_hot" (with `split=None`).
        output_sequence_length: with "int", pad or cut each row to this many tokens (else
            rows are padded to the batch's longest).
        pad_to_max_tokens: bag-of-words vectors of `max_tokens` whatever the vocabulary.
        vocabulary, idf_weights: a given vocabulary (and TF-IDF weights) instead of `adapt`.
        sparse, ragged: accepted for Keras' configs as False (outputs are dense).
        encoding: the text encoding of byte inputs (utf-8).
    """

    _takes_strings = True

    _single_input = True

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int", output_sequence_length=None,
                 pad_to_max_tokens=False, vocabulary=None, idf_weights=None, sparse=False,
                 ragged=False, encoding="utf-8", name=None, **kwargs):
        _check_choice(standardize, "standardize", _STANDARDIZE)
        _check_choice(split, "split", _SPLIT)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        _check_choice(output_mode, "output_mode", (*OUTPUT_MODES, "tf_idf"),
                      allow_none=False)
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (ngrams is None or isinstance(ngrams, int) or (
                isinstance(ngrams, tuple) and all(isinstance(n, int) for n in ngrams))):
            raise ValueError(
                f"`ngrams` must be None, an integer, or a tuple of integers. Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None or isinstance(
                output_sequence_length, int)):
            raise ValueError(
                "`output_sequence_length` must be either None or an integer when `output_mode` "
                f"is 'int'. Received: output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(
                "`output_sequence_length` must not be set if `output_mode` is not 'int'. "
                f"Received output_sequence_length={output_sequence_length}.")
        if ragged or sparse:
            raise ValueError("minikeras' TextVectorization gives dense outputs "
                             "(`ragged=False`, `sparse=False`).")
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        kwargs.pop("dtype", None)  # tf_keras wrote "string"; the outputs' dtypes are fixed
        super().__init__(name=name, **kwargs)
        self.dtype = "string"  # Keras reports the dtype of what it takes; its config says float32
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            encoding=encoding, has_input_vocabulary=has_input_vocabulary,
            vocabulary_size=vocabulary_size)
        self.built = True

    # ------------------------------------------------------------------------------------------
    # The vocabulary (the inner StringLookup's)

    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary from `data`: an array or list of strings, or an iterable of
        batches of them (`steps` batches at most)."""
        self.reset_state()
        for batch in adapting.batches(data, steps=steps, batch_size=batch_size):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        lookup = self._lookup_layer
        if lookup._has_input_vocabulary:
            lookup.update_state(data)  # Keras' error
        if not hasattr(lookup, "_token_counts"):
            lookup.reset_state()
        tokens = self._tokenize(adapting.as_array(data))
        lookup._count(tokens if isinstance(tokens, list) else tokens.reshape(len(tokens), -1))

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    # ------------------------------------------------------------------------------------------
    # Computation

    def _tokenize(self, inputs):
        """The token rows of `inputs` (one row per string): a list of arrays of strings, or,
        without `split`, the standardized strings' array itself."""
        strings = self._lookup_layer._standardize_tokens(np.asarray(inputs))
        if strings.ndim == 0:
            strings = strings.reshape(1)
        strings = self._standardized(strings)
        if self._split is None:
            return strings if self._ngrams is None else [
                self._with_ngrams(row) for row in strings.reshape(len(strings), -1)]
        if strings.ndim > 1:
            if strings.shape[-1] != 1:
                raise ValueError(
                    "When using `TextVectorization` to tokenize strings, the input rank must be "
                    f"1 or the last shape dimension must be 1. Received: inputs.shape="
                    f"{strings.shape} with rank={strings.ndim}")
            strings = strings[..., 0]
        return [self._with_ngrams(self._split_one(s)) for s in strings.reshape(-1).tolist()]

    def _standardized(self, strings):
        if callable(self._standardize):
            return np.asarray(self._standardize(strings))
        if self._standardize is None:
            return strings
        lower = self._standardize in ("lower", "lower_and_strip_punctuation")
        strip = self._standardize in ("strip_punctuation", "lower_and_strip_punctuation")

        def standardize(text):
            if lower:
                text = text.translate(_ASCII_LOWER)
            return _PUNCTUATION.sub("", text) if strip else text

        flat = [standardize(str(s)) for s in strings.reshape(-1).tolist()]
        return np.array(flat, dtype=object).reshape(strings.shape)

    def _split_one(self, text):
        if self._split == "whitespace":
            return [token for token in _WHITESPACE.split(text) if token]
        if self._split == "character":
            return list(text)
        return [str(token) for token in np.asarray(self._split(text)).reshape(-1).tolist()]

    def _with_ngrams(self, tokens):
        tokens = list(tokens) if not isinstance(tokens, list) else tokens
        if self._ngrams is None:
            return np.array(tokens, dtype=object)
        grams = [" ".join(tokens[i:i + n]) for n in self._ngrams
                 for i in range(len(tokens) - n + 1)]
        return np.array(grams, dtype=object)

    def forward(self, inputs, training=False):
        tokens = self._tokenize(inputs)
        lookup = self._lookup_layer
        if not isinstance(tokens, list):  # no split: one token per string
            indices = lookup._lookup(tokens)
            if self._output_mode != "int":
                return lookup._encode(indices), None
            return self._fit_length(indices), None
        rows = [lookup._lookup(row) if len(row) else np.zeros(0, np.int64) for row in tokens]
        if self._output_mode != "int":
            if self._output_mode == "one_hot":
                raise ValueError("minikeras' TextVectorization encodes `one_hot` only with "
                                 "`split=None` (one token per string).")
            return lookup._encode(rows), None
        return self._padded(rows), None

    def _padded(self, rows):
        """Rows of indices as one int64 matrix, 0-padded (or cut) to the output length."""
        length = self._output_sequence_length
        if length is None:
            length = max((len(row) for row in rows), default=0)
        out = np.zeros((len(rows), length), np.int64)
        for i, row in enumerate(rows):
            row = row[:length]
            out[i, :len(row)] = row
        return out

    def _fit_length(self, indices):
        length = self._output_sequence_length
        if length is None:
            return indices
        indices = indices[..., :length]
        pad = length - indices.shape[-1]
        return np.pad(indices, [(0, 0)] * (indices.ndim - 1) + [(0, pad)]) if pad else indices

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        length = self._output_sequence_length
        if self._output_mode == "int" and self._split is None:
            return input_shape if length is None else (*input_shape[:-1], length)
        if self._output_mode == "int":
            return (input_shape[0], length)
        lookup = self._lookup_layer
        depth = lookup.max_tokens if lookup.pad_to_max_tokens else lookup._frozen_vocab_size
        return (input_shape[0], depth)

    def compute_output_spec(self, inputs):
        dtype = "int64" if self._output_mode == "int" else backend.floatx()
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    # ------------------------------------------------------------------------------------------
    # Saving: the vocabulary and TF-IDF weights are the inner lookup's, saved where Keras does

    def get_config(self):
        lookup = self._lookup_layer
        return {
            **super().get_config(),
            "max_tokens": lookup.max_tokens,
            "standardize": self._standardize if not callable(self._standardize)
            else registry.serialize(self._standardize),
            "split": self._split if not callable(self._split) else registry.serialize(self._split),
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": lookup.pad_to_max_tokens,
            "sparse": False,
            "ragged": False,
            "vocabulary": _listed(lookup.input_vocabulary),
            "idf_weights": _listed(lookup.input_idf_weights),
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("standardize", "split"):
            if config.get(key) is not None and not isinstance(config[key], str):
                config[key] = registry.deserialize("function", config[key])
        return cls(**config)

    def _legacy_config(self, config):
        """The legacy `.h5` config: the vocabulary given (see `IndexLookup._legacy_config`),
        and the "string" dtype tf_keras requires."""
        lookup_config = self._lookup_layer._legacy_config({})
        config = {**config, "dtype": "string"}
        for key in ("vocabulary", "idf_weights"):
            if key in lookup_config:
                config[key] = lookup_config[key]
        return config

    def save_own_variables(self, store):
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store):
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path):
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        self._lookup_layer.load_assets(dir_path)


def _check_choice(value, name, allowed, allow_none=True):
    if (value is None and allow_none) or (callable(value) and name != "output_mode"):
        return
    if value not in allowed:
        raise ValueError(
            f"The `{name}` argument of TextVectorization must be one of "
            f"{', '.join(repr(a) for a in allowed)}"
            f"{', None or a callable' if name != 'output_mode' else ''}. "
            f"Received: {name}={value!r}")
