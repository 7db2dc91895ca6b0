"""`StringLookup`: strings to vocabulary indices (or, inverted, indices to strings)."""

from minikeras.layers.preprocessing.index_lookup import IndexLookup
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class StringLookup(IndexLookup):
    """Map strings to integer indices from a vocabulary, given or adapted.

    Args:
        max_tokens: the most indices (special tokens included) `adapt` keeps; None for all.
        num_oov_indices: the indices of out-of-vocabulary strings (hashed among them when more
            than one; with 0 an unknown string is an error).
        mask_token: a string mapped to index 0 (with `output_mode="int"`), or None.
        oov_token: the token `get_vocabulary` and inverted lookups give OOV indices.
        vocabulary: a list of strings (optionally led by the special tokens).
        idf_weights: the TF-IDF weights of the vocabulary, with `output_mode="tf_idf"`.
        invert: map indices back to strings.
        output_mode: "int" (int64 indices), "one_hot", "multi_hot", "count" or "tf_idf".
        pad_to_max_tokens: encode over `max_tokens` rather than the vocabulary's size.
        sparse: accepted for Keras' configs; outputs are dense.
        encoding: the text encoding of byte inputs (utf-8).
        salt: a key for hashing OOV strings with SipHash instead of FarmHash.
    """

    _takes_strings = True

    _token_kind = "string"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, salt=None,
                 **kwargs):
        self.encoding = encoding
        super().__init__(
            max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
            oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
            output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse,
            name=name, salt=salt, **kwargs)

    def get_config(self):
        return {**super().get_config(), "encoding": self.encoding}
