"""`IntegerLookup`: integers to vocabulary indices (or, inverted, indices to integers)."""

from minikeras.layers.preprocessing.index_lookup import IndexLookup
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class IntegerLookup(IndexLookup):
    """Map integers to indices from a vocabulary, given or adapted (int64 throughout).

    Args: as `StringLookup`'s, with integer tokens: `oov_token` (default -1) and `mask_token`
    are integers, and `oov_method` chooses how unknown integers share several OOV indices:
    "floormod" (`value % num_oov_indices`, the default) or "farmhash" (their decimal strings
    hashed; keyed by `salt` when given). `vocabulary_dtype` must be "int64".
    """

    _takes_strings = True

    _token_kind = "int64"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", salt=None, name=None, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(
                "If `max_tokens` is set for `IntegerLookup`, it must be greater than 1. "
                f"Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(
                "The value of `num_oov_indices` argument for `IntegerLookup` must >= 0. "
                f"Received: num_oov_indices={num_oov_indices}")
        if vocabulary_dtype != "int64":
            raise ValueError(
                "Only `vocabulary_dtype='int64'` is supported at this time. Received: "
                f"vocabulary_dtype={vocabulary_dtype}")
        if salt is not None and oov_method != "farmhash":
            raise ValueError(
                "`salt` can only be used when `oov_method='farmhash'`. Received: "
                f"oov_method={oov_method}")
        super().__init__(
            max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
            oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
            output_mode=output_mode, sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
            oov_method=oov_method, salt=salt, name=name, **kwargs)

    def get_config(self):
        config = super().get_config()
        for key in ("oov_token", "mask_token"):
            if config[key] is not None:
                config[key] = int(config[key])
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        config["vocabulary_dtype"] = "int64"
        return config
