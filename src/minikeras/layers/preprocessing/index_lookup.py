"""`IndexLookup`, what `StringLookup` and `IntegerLookup` share: a vocabulary and its indices.

Indices, in Keras' order: the mask token's 0 (with `mask_token` and `output_mode="int"`),
then `num_oov_indices` out-of-vocabulary indices, then the vocabulary's tokens. `adapt` keeps
the most frequent tokens (ties: the greater token first), up to `max_tokens` indices in all.

The vocabulary is state, not weights (`get_weights()` is empty, as in Keras 3). A `.keras`
file keeps an adapted vocabulary in `assets/.../vocabulary.txt` (`save_assets`/`load_assets`)
and TF-IDF weights in the layer's `vars/idf_weights` (`save_own_variables`); a legacy `.h5`
file, which has neither, keeps both in the layer's config (`_legacy_config`), where tf_keras
and Keras 3 read a given vocabulary.
"""

import collections
import math
import os

import numpy as np

from minikeras import backend
from minikeras.layers.base import Layer
from minikeras.layers.node import KerasTensor
from minikeras.layers.preprocessing import adapting, encoding, tf_hashes

VOCABULARY_FILE = "vocabulary.txt"
_INT64_MAX = np.iinfo(np.int64).max


class IndexLookup(Layer):
    """The lookup shared by `StringLookup` and `IntegerLookup` (see their arguments)."""

    _keeps_integer_inputs = True
    _single_input = True
    _token_kind = None  # "string" or "int64": what the vocabulary holds

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, name=None,
                 **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(
                f"If set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(
                f"If pad_to_max_tokens is True, must set `max_tokens`. Received: "
                f"max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(
                "`num_oov_indices` must be greater than or equal to 0. Received: "
                f"num_oov_indices={num_oov_indices}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(
                f"The `oov_method` argument of {type(self).__name__} must be one of "
                f"'floormod', 'farmhash'. Received: oov_method={oov_method!r}")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        encoding.check_output_mode(output_mode, type(self).__name__,
                                   (*encoding.OUTPUT_MODES, "tf_idf"))
        if invert and output_mode != "int":
            raise ValueError(
                "`output_mode` must be `'int'` when `invert` is true. Received: "
                f"output_mode={output_mode}")
        if sparse:
            raise ValueError(f"minikeras' {type(self).__name__} gives dense outputs "
                             "(`sparse=False`).")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(
                "`idf_weights` should only be set if `output_mode` is `'tf_idf'`. Received: "
                f"idf_weights={idf_weights} and output_mode={output_mode}")
        self._frozen_vocab_size = kwargs.pop("vocabulary_size", None)
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("dtype", None)  # Keras' lookups ignore it (tf_keras wrote "int64")
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(name=name, **kwargs)
        # Keras reports a lookup's dtypes as its vocabulary's; its config keeps the policy's.
        self.dtype = self.vocabulary_dtype = self._token_kind
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = bool(invert)
        self.output_mode = output_mode
        self.sparse = False
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.oov_method = oov_method
        self.salt = tf_hashes.salt_key(salt, "IndexLookup", "a tuple of 2 integers")
        if isinstance(vocabulary, str):
            raise ValueError(
                "minikeras reads no vocabulary file outside a model archive; pass the "
                f"vocabulary as a list. Received: vocabulary={vocabulary!r}")
        self.input_vocabulary = vocabulary
        self.input_idf_weights = idf_weights
        self._tokens = []  # the vocabulary without its special tokens
        self._index = {}  # token -> index
        self.idf_weights = None
        if output_mode == "tf_idf" and self._has_input_vocabulary and idf_weights is None:
            raise ValueError(
                "When specifying the `vocabulary` argument, in TF-IDF output mode, the "
                "`idf_weights` argument must also be provided.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.built = True

    # ------------------------------------------------------------------------------------------
    # The vocabulary

    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """The number of indices: special tokens included."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The tokens in index order (mask, OOV tokens, then the vocabulary)."""
        specials = [self.mask_token] * self._oov_start_index() + \
            [self.oov_token] * self.num_oov_indices
        return (specials if include_special_tokens else []) + list(self._tokens)

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (with or without its leading special tokens) and, in TF-IDF
        mode, the weights of its tokens."""
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(
                "`idf_weights` should only be set if output_mode is `'tf_idf'`. Received: "
                f"output_mode={self.output_mode} and idf_weights={idf_weights}")
        vocabulary = [self._as_token(token) for token in np.asarray(vocabulary).tolist()]
        if not vocabulary:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        specials = self.get_vocabulary()[: self._token_start_index()]
        found_specials = vocabulary[: len(specials)] == specials
        tokens = vocabulary[len(specials):] if found_specials else vocabulary
        self._check_tokens(tokens, specials, vocabulary)
        if self.max_tokens is not None and len(specials) + len(tokens) > self.max_tokens:
            raise ValueError(
                "Attempted to set a vocabulary larger than the maximum vocab size. Received "
                f"vocabulary size is {len(specials) + len(tokens)}; `max_tokens` is "
                f"{self.max_tokens}.")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            self.idf_weights = self._pad_idf(np.asarray(idf_weights, np.float32), len(vocabulary),
                                             found_specials)

    def _check_tokens(self, tokens, specials, vocabulary):
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(
                "The passed vocabulary has at least one repeated term. Please uniquify your "
                f"dataset. The repeated terms are: {repeated}")
        for token, what in ((self.mask_token, "mask"), (self.oov_token if self.invert else None,
                                                          "OOV")):
            if token is not None and token in tokens:
                raise ValueError(
                    f"Found reserved {what} token at unexpected location in `vocabulary`. Note "
                    "that passed `vocabulary` does not need to include the OOV and mask tokens. "
                    "Either remove all mask and OOV tokens, or include them only at the start "
                    f"of the vocabulary in precisely this order: {specials}. Received: "
                    f"{what.lower()}_token={token} at vocabulary index "
                    f"{[len(vocabulary) - 1 - vocabulary[::-1].index(token)]}")

    def _pad_idf(self, weights, vocabulary_length, found_specials):
        if weights.ndim != 1:
            raise ValueError(
                f"TF-IDF data must be a 1-index array. Received: type(idf_weights)={type(weights)}")
        if len(weights) != vocabulary_length:
            raise ValueError(
                "`idf_weights` must be the same length as vocabulary. len(idf_weights) is "
                f"{len(weights)}; len(vocabulary) is {vocabulary_length}")
        front = 0 if found_specials else self._token_start_index()
        front_value = 0 if found_specials else np.average(weights)
        back = 0
        if self.pad_to_max_tokens and self.max_tokens is not None:
            back = self.max_tokens - front - len(weights)
        return np.pad(weights, (front, back), constant_values=(front_value, 0)).astype(np.float32)

    def _set_tokens(self, tokens):
        self._tokens = list(tokens)
        start = self._token_start_index()
        self._index = {token: start + i for i, token in enumerate(self._tokens)}
        self._frozen_vocab_size = self.vocabulary_size()

    def _as_token(self, value):
        return str(value) if self._token_kind == "string" else int(value)

    # ------------------------------------------------------------------------------------------
    # Adapting

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and TF-IDF weights) from `data`: an array, or an iterable of
        batches (`steps` of them at most)."""
        self.reset_state()
        for batch in adapting.batches(data, steps=steps):
            self.update_state(batch)
        self.finalize_state()

    def reset_state(self):
        self._token_counts = collections.Counter()
        self._document_counts = collections.Counter()
        self._num_documents = 0

    def update_state(self, data):
        if self._has_input_vocabulary:
            raise ValueError(
                f"Cannot adapt layer '{self.name}' after setting a static vocabulary via "
                "`vocabulary` argument or `set_vocabulary()` method.")
        if not hasattr(self, "_token_counts"):
            self.reset_state()
        self._count(self._adapt_rows(data))

    def _adapt_rows(self, data):
        """`data` as rows of tokens (the documents TF-IDF counts)."""
        data = self._standardize_tokens(adapting.as_array(data))
        if data.ndim == 0:
            data = data.reshape(1, 1)
        return data.reshape(1, -1) if data.ndim == 1 else data.reshape(len(data), -1)

    def _count(self, rows):
        """Add the tokens of `rows` (a 2-D array, or a list of 1-D arrays) to the counts."""
        for row in rows:
            tokens = np.asarray(row).tolist()
            self._token_counts.update(tokens)
            if self.output_mode == "tf_idf":
                self._document_counts.update(set(tokens))
        if self.output_mode == "tf_idf":
            self._num_documents += len(rows)

    def finalize_state(self):
        if self._has_input_vocabulary or not getattr(self, "_token_counts", None):
            return
        counts = self._token_counts
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        # Most frequent first; among equal counts, the greater token first (Keras' order).
        tokens = sorted(counts, key=lambda token: (counts[token], token), reverse=True)
        if self.max_tokens:
            tokens = tokens[: self.max_tokens - self._token_start_index()]
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            self.idf_weights = self._adapted_idf(tokens)
        self.reset_state()

    def _adapted_idf(self, tokens):
        """`log(1 + documents / (1 + documents with the token))`, the OOV indices weighted by
        the mean (and zeros up to `max_tokens` when padding)."""
        documents = self._num_documents
        weights = np.array(
            [math.log(1 + documents / (1 + self._document_counts[t])) for t in tokens],
            np.float64).astype(np.float32)
        front = np.mean(weights, dtype=np.float32) if len(weights) else np.float32(0)
        weights = np.concatenate([np.full(self._token_start_index(), front, np.float32), weights])
        if self.pad_to_max_tokens and self.max_tokens is not None:
            weights = np.pad(weights, (0, self.max_tokens - len(weights)))
        return weights.astype(np.float32)

    # ------------------------------------------------------------------------------------------
    # Computation

    def _standardize_tokens(self, values):
        """Inputs as the vocabulary's kind: text (bytes decoded), or int64."""
        if self._token_kind == "string":
            if values.dtype.kind == "S":
                return np.char.decode(values, "utf-8")
            if values.dtype.kind == "O":
                return np.vectorize(_as_text, otypes=[object])(values) if values.size else values
            return values.astype(str) if values.dtype.kind != "U" else values
        return values.astype(np.int64, copy=False)

    def forward(self, inputs, training=False):
        if self.invert:
            return self._invert(np.asarray(inputs).astype(np.int64, copy=False)), None
        values = self._standardize_tokens(np.asarray(inputs))
        indices = self._lookup(values)
        if self.output_mode == "int":
            return indices, None
        return self._encode(indices), None

    def _lookup(self, values):
        """The index of each token: its vocabulary index, an OOV index, or the mask's."""
        uniques, inverse = np.unique(values, return_inverse=True)
        unknown = -1 if self.num_oov_indices != 1 else self._oov_start_index()
        found = np.fromiter((self._index.get(token, unknown) for token in uniques.tolist()),
                            np.int64, len(uniques))
        indices = found[inverse].reshape(values.shape)
        if self.mask_token is not None:
            mask_index = 0 if self.output_mode == "int" else _INT64_MAX
            indices = np.where(values == self.mask_token, mask_index, indices)
        if self.num_oov_indices == 0:
            if (indices == -1).any():
                raise ValueError(
                    "When `num_oov_indices=0` all inputs should be in vocabulary, found OOV "
                    f"values {np.unique(values[indices == -1]).tolist()}, consider setting "
                    "`num_oov_indices=1`.")
        elif self.num_oov_indices > 1:
            oov = indices == -1
            if oov.any():
                indices[oov] = self._oov_indices(values[oov]) + self._oov_start_index()
        return indices

    def _oov_indices(self, values):
        if self._token_kind != "string" and self.oov_method != "farmhash":
            return np.mod(values, self.num_oov_indices)
        return tf_hashes.hash_buckets(values, self.num_oov_indices, self.salt)

    def _invert(self, indices):
        table = np.array(self.get_vocabulary(), dtype=object)
        table[: self._token_start_index()] = self.oov_token
        valid = (indices >= 0) & (indices < len(table))
        tokens = np.where(valid, table[np.where(valid, indices, 0)] if len(table) else None,
                          self.oov_token)
        if self.mask_token is not None:
            tokens = np.where(indices == 0, self.mask_token, tokens)
        return tokens.astype(str) if self._token_kind == "string" else tokens.astype(np.int64)

    def _depth(self):
        if self.pad_to_max_tokens:
            return self.max_tokens
        if self._frozen_vocab_size is None:
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                "you must set the layer's vocabulary before calling it. Either pass a "
                "`vocabulary` argument to the layer, or call `adapt` with some sample data.")
        return self._frozen_vocab_size

    def _encode(self, indices):
        """Indices (a 2-D array, or a list of 1-D rows for text) as `output_mode` vectors."""
        depth = self._depth()
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        if isinstance(indices, list):  # ragged rows of tokens
            out = np.stack([encoding.encode(row, mode, depth, np.int64) for row in indices]) \
                if indices else np.zeros((0, depth), np.int64)
        else:
            out = encoding.encode(indices, mode, depth, np.int64)
        if self.output_mode == "tf_idf":
            return out.astype(np.float32) * self.idf_weights[:depth]
        return out

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        if self.output_mode == "one_hot" and not (len(input_shape) > 1 and input_shape[-1] == 1):
            return (*input_shape, depth)
        return (*input_shape[:-1], depth)

    def compute_output_spec(self, inputs):
        """Indices as int64 (an inverted lookup's tokens as the vocabulary's dtype, where
        Keras' spec says int64 for both), encodings as floats."""
        if self.output_mode != "int":
            dtype = backend.floatx()
        else:
            dtype = self.vocabulary_dtype if self.invert else "int64"
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    # ------------------------------------------------------------------------------------------
    # Saving

    def get_config(self):
        return {
            **super().get_config(),
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "idf_weights": _listed(self.input_idf_weights),
            "vocabulary": _listed(self.input_vocabulary),
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method,
            "salt": self.salt,
        }

    def _legacy_config(self, config):
        """`config` as a legacy `.h5` file keeps it, for tf_keras and Keras 3: with the adapted
        vocabulary (and TF-IDF weights) given, as the file has no assets, the int64 dtype
        tf_keras wants of indices, and without the Keras 3-only arguments tf_keras rejects
        when they have their defaults."""
        config = dict(config)
        if self.input_vocabulary is None and self._tokens:
            config["vocabulary"] = self.get_vocabulary()
            if self.output_mode == "tf_idf":
                config["idf_weights"] = self.idf_weights[: self.vocabulary_size()].tolist()
        for key, default in (("oov_method", "floormod"), ("salt", None)):
            if config.get(key) == default:
                config.pop(key, None)
        if self.output_mode == "int" and "dtype" in config:
            config["dtype"] = "int64"  # tf_keras requires it; Keras 3 ignores it
        return config

    def get_build_config(self):
        return {}

    def build_from_config(self, config):
        pass

    def save_own_variables(self, store):
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            store["idf_weights"] = self.idf_weights

    def load_own_variables(self, store):
        if self.output_mode == "tf_idf" and "idf_weights" in store:
            self.idf_weights = np.asarray(store["idf_weights"], np.float32)

    def save_assets(self, dir_path):
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, VOCABULARY_FILE), "w", encoding="utf-8") as f:
            f.write("\n".join(str(token) for token in self.get_vocabulary()))

    def load_assets(self, dir_path):
        path = None if dir_path is None else os.path.join(dir_path, VOCABULARY_FILE)
        if self.input_vocabulary is not None or path is None or not os.path.isfile(path):
            return
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        if not lines:
            return
        weights = self.idf_weights if self.output_mode == "tf_idf" else None
        if self.output_mode == "tf_idf" and weights is None:
            return
        has_input = self._has_input_vocabulary
        self.set_vocabulary(lines, idf_weights=None if weights is None
                            else weights[: len(lines)])
        self._has_input_vocabulary = has_input


def _as_text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _listed(value):
    return value.tolist() if isinstance(value, np.ndarray) else value
