"""The preprocessing-layer cases that compat/make_preprocessing_layers.py runs under Keras 3
and tests/test_preprocessing_layers.py runs under minikeras: plain data, no imports of either.

Each case: the layer's class and arguments, what `adapt` reads (`data`, given as one array or
cut into `batches` yielded by a generator), and the inputs it is called on.
"""

import random

_rng = random.Random(7)
_WORDS = ["cat", "dog", "sat", "ran", "the", "a", "mat", "on", "big", "red", "Cat", "éclair",
          "naïve", "ÉCOLE", "don't", "x-ray", "e-mail", "U.S.A."]
TEXTS = [" ".join(_rng.choice(_WORDS) for _ in range(_rng.randint(0, 9))) +
         _rng.choice(["", ".", "!", "?", " ,", "\t"]) for _ in range(40)]
TEXTS[3] = ""
TEXTS[5] = "  Several   spaces\tand\ttabs\nand a newline  "
TEXTS[7] = "A" * 80 + " long"
QUERIES = TEXTS[:6] + ["unseen words here", "THE CAT!", "cat cat cat dog", "日本語 テキスト"]
TOKENS = [[_rng.choice(["red", "green", "blue", "cyan", "teal", "gold"])] for _ in range(50)]
TOKEN_QUERIES = [["red"], ["gold"], ["purple"], [""], ["blue"], ["violet"], ["x" * 70]]
INTS = [[_rng.choice([3, 7, 7, 11, 42, 42, 42, 1000000007])] for _ in range(40)]
INT_QUERIES = [[3], [7], [0], [5], [42], [-9], [1000000007], [123456789012]]
FLOATS = [[round(_rng.gauss(2.0, 3.0), 4), round(_rng.uniform(-1, 1), 4)] for _ in range(60)]
VALUES = [round(_rng.expovariate(0.5), 4) for _ in range(500)]

CASES = {
    # Normalization
    "norm_adapt": ("Normalization", {}, {"data": FLOATS}, FLOATS[:8]),
    "norm_adapt_batches": ("Normalization", {}, {"data": FLOATS, "batches": 4}, FLOATS[:8]),
    "norm_axis_none": ("Normalization", {"axis": None}, {"data": FLOATS}, FLOATS[:5]),
    "norm_axis_0": ("Normalization", {"axis": 0}, {"data": FLOATS[:6]}, FLOATS[:6]),
    "norm_given": ("Normalization", {"mean": [1.0, -2.0], "variance": [4.0, 0.25]}, None,
                   FLOATS[:5]),
    "norm_given_scalar": ("Normalization", {"mean": 3.0, "variance": 2.0}, None, FLOATS[:5]),
    "norm_invert": ("Normalization", {"invert": True}, {"data": FLOATS}, FLOATS[:5]),
    # Rescaling
    "rescaling": ("Rescaling", {"scale": 1 / 127.5, "offset": -1.0}, None,
                  [[0.0, 127.5], [255.0, 3.0]]),
    # Discretization
    "disc_bins": ("Discretization", {"bin_boundaries": [0.0, 1.0, 2.5]}, None,
                  [[-1.0, 0.0], [0.5, 1.0], [2.5, 9.0]]),
    "disc_one_hot": ("Discretization", {"bin_boundaries": [0.0, 1.0], "output_mode": "one_hot"},
                     None, [[-1.0], [0.5], [3.0]]),
    "disc_multi_hot": ("Discretization", {"bin_boundaries": [0.0, 1.0],
                                          "output_mode": "multi_hot"}, None,
                       [[-1.0, -2.0], [0.5, 3.0]]),
    "disc_count": ("Discretization", {"bin_boundaries": [0.0, 1.0], "output_mode": "count"},
                   None, [[-1.0, -2.0, 0.1], [0.5, 3.0, 3.0]]),
    "disc_adapt": ("Discretization", {"num_bins": 4}, {"data": VALUES}, [[v] for v in VALUES[:12]]),
    "disc_adapt_eps": ("Discretization", {"num_bins": 5, "epsilon": 0.1}, {"data": VALUES},
                       [[v] for v in VALUES[:12]]),
    "disc_adapt_batches": ("Discretization", {"num_bins": 3}, {"data": VALUES, "batches": 5},
                           [[v] for v in VALUES[:12]]),
    # CategoryEncoding
    "cat_one_hot": ("CategoryEncoding", {"num_tokens": 4, "output_mode": "one_hot"}, None,
                    [[0], [3], [1], [5]]),
    "cat_one_hot_rank1": ("CategoryEncoding", {"num_tokens": 4, "output_mode": "one_hot"}, None,
                          [0, 3, 1]),
    "cat_multi_hot": ("CategoryEncoding", {"num_tokens": 5}, None, [[0, 1, 1], [4, 4, 2]]),
    "cat_count": ("CategoryEncoding", {"num_tokens": 5, "output_mode": "count"}, None,
                  [[0, 1, 1], [4, 4, 2]]),
    "cat_multi_hot_rank1": ("CategoryEncoding", {"num_tokens": 5}, None, [0, 1, 3]),
    # Hashing
    "hash_strings": ("Hashing", {"num_bins": 7}, None, TOKEN_QUERIES),
    "hash_many_bins": ("Hashing", {"num_bins": 1000003}, None, [[t] for t in TEXTS[:20]]),
    "hash_ints": ("Hashing", {"num_bins": 11}, None, INT_QUERIES),
    "hash_mask": ("Hashing", {"num_bins": 5, "mask_value": "red"}, None, TOKEN_QUERIES),
    "hash_salt": ("Hashing", {"num_bins": 9, "salt": 1337}, None, TOKEN_QUERIES),
    "hash_salt_pair": ("Hashing", {"num_bins": 9, "salt": [12, 34]}, None, INT_QUERIES),
    "hash_one_hot": ("Hashing", {"num_bins": 4, "output_mode": "one_hot"}, None, TOKEN_QUERIES),
    "hash_multi_hot": ("Hashing", {"num_bins": 4, "output_mode": "multi_hot"}, None,
                       [["red", "gold"], ["blue", "blue"]]),
    # IntegerLookup
    "int_adapt": ("IntegerLookup", {}, {"data": INTS}, INT_QUERIES),
    "int_adapt_batches": ("IntegerLookup", {}, {"data": INTS, "batches": 3}, INT_QUERIES),
    "int_vocab": ("IntegerLookup", {"vocabulary": [12, 36, 1138, 42]}, None,
                  [[12], [1138], [42], [7], [72]]),
    "int_oov2": ("IntegerLookup", {"num_oov_indices": 2}, {"data": INTS}, INT_QUERIES),
    "int_farmhash": ("IntegerLookup", {"num_oov_indices": 3, "oov_method": "farmhash"},
                     {"data": INTS}, INT_QUERIES),
    "int_mask": ("IntegerLookup", {"mask_token": 0}, {"data": INTS}, INT_QUERIES),
    "int_max_tokens": ("IntegerLookup", {"max_tokens": 3}, {"data": INTS}, INT_QUERIES),
    "int_invert": ("IntegerLookup", {"vocabulary": [12, 36, 1138, 42], "invert": True}, None,
                   [[0], [1], [4], [9]]),
    "int_multi_hot": ("IntegerLookup", {"output_mode": "multi_hot"}, {"data": INTS},
                      [[3, 7], [42, 5]]),
    "int_count": ("IntegerLookup", {"output_mode": "count"}, {"data": INTS}, [[3, 7, 7], [42, 5, 5]]),
    "int_one_hot": ("IntegerLookup", {"output_mode": "one_hot"}, {"data": INTS}, INT_QUERIES),
    "int_tf_idf": ("IntegerLookup", {"output_mode": "tf_idf"}, {"data": [[3, 7, 7], [42, 3, 3]]},
                   [[3, 7, 7], [42, 5, 5]]),
    # StringLookup
    "str_adapt": ("StringLookup", {}, {"data": TOKENS}, TOKEN_QUERIES),
    "str_adapt_batches": ("StringLookup", {}, {"data": TOKENS, "batches": 4}, TOKEN_QUERIES),
    "str_adapt_rank1": ("StringLookup", {}, {"data": [t[0] for t in TOKENS]},
                        [t[0] for t in TOKEN_QUERIES]),
    "str_vocab": ("StringLookup", {"vocabulary": ["a", "b", "c"]}, None, [["a"], ["c"], ["z"]]),
    "str_vocab_with_specials": ("StringLookup", {"vocabulary": ["[UNK]", "a", "b"]}, None,
                                [["a"], ["b"], ["z"]]),
    "str_oov3": ("StringLookup", {"num_oov_indices": 3}, {"data": TOKENS}, TOKEN_QUERIES),
    "str_oov3_salt": ("StringLookup", {"num_oov_indices": 3, "salt": 99}, {"data": TOKENS},
                      TOKEN_QUERIES),
    "str_no_oov": ("StringLookup", {"num_oov_indices": 0}, {"data": TOKENS},
                   [["red"], ["gold"], ["blue"]]),
    "str_mask": ("StringLookup", {"mask_token": ""}, {"data": TOKENS}, TOKEN_QUERIES),
    "str_max_tokens": ("StringLookup", {"max_tokens": 4}, {"data": TOKENS}, TOKEN_QUERIES),
    "str_invert": ("StringLookup", {"vocabulary": ["a", "b", "c"], "invert": True}, None,
                   [[0], [1], [3], [7]]),
    "str_invert_mask": ("StringLookup", {"vocabulary": ["a", "b"], "invert": True,
                                         "mask_token": "[MASK]"}, None, [[0], [1], [2], [3]]),
    "str_one_hot": ("StringLookup", {"output_mode": "one_hot"}, {"data": TOKENS}, TOKEN_QUERIES),
    "str_multi_hot": ("StringLookup", {"output_mode": "multi_hot"}, {"data": TOKENS},
                      [["red", "gold"], ["blue", "blue"], ["purple", "red"]]),
    "str_multi_hot_mask": ("StringLookup", {"output_mode": "multi_hot", "mask_token": ""},
                           {"data": TOKENS}, [["red", ""], ["", ""]]),
    "str_count_pad": ("StringLookup", {"output_mode": "count", "max_tokens": 10,
                                       "pad_to_max_tokens": True}, {"data": TOKENS},
                      [["red", "red"], ["blue", "violet"]]),
    "str_tf_idf": ("StringLookup", {"output_mode": "tf_idf"},
                   {"data": [["red", "red", "blue"], ["gold", "red", "teal"]]},
                   [["red", "red"], ["blue", "violet"]]),
    "str_tf_idf_vocab": ("StringLookup", {"output_mode": "tf_idf", "vocabulary": ["a", "b"],
                                          "idf_weights": [0.5, 2.0]}, None,
                         [["a", "a", "b"], ["b", "z", "z"]]),
    # TextVectorization
    "text_int": ("TextVectorization", {}, {"data": TEXTS}, QUERIES),
    "text_int_batches": ("TextVectorization", {}, {"data": TEXTS, "batches": 5}, QUERIES),
    "text_sequence_length": ("TextVectorization", {"output_sequence_length": 4},
                             {"data": TEXTS}, QUERIES),
    "text_max_tokens": ("TextVectorization", {"max_tokens": 8, "output_sequence_length": 12},
                        {"data": TEXTS}, QUERIES),
    "text_ngrams": ("TextVectorization", {"ngrams": 2}, {"data": TEXTS}, QUERIES),
    "text_ngrams_tuple": ("TextVectorization", {"ngrams": (1, 3), "max_tokens": 30},
                          {"data": TEXTS}, QUERIES),
    "text_character": ("TextVectorization", {"split": "character",
                                             "output_sequence_length": 16},
                       {"data": TEXTS}, QUERIES),
    "text_lower": ("TextVectorization", {"standardize": "lower"}, {"data": TEXTS}, QUERIES),
    "text_strip": ("TextVectorization", {"standardize": "strip_punctuation"}, {"data": TEXTS},
                   QUERIES),
    "text_no_standardize": ("TextVectorization", {"standardize": None}, {"data": TEXTS},
                            QUERIES),
    "text_no_split": ("TextVectorization", {"split": None}, {"data": TEXTS}, QUERIES),
    "text_multi_hot": ("TextVectorization", {"output_mode": "multi_hot"}, {"data": TEXTS},
                       QUERIES),
    "text_count": ("TextVectorization", {"output_mode": "count", "max_tokens": 12},
                   {"data": TEXTS}, QUERIES),
    "text_tf_idf": ("TextVectorization", {"output_mode": "tf_idf"}, {"data": TEXTS}, QUERIES),
    "text_tf_idf_pad": ("TextVectorization", {"output_mode": "tf_idf", "max_tokens": 40,
                                              "pad_to_max_tokens": True}, {"data": TEXTS},
                        QUERIES),
    "text_vocab": ("TextVectorization", {"vocabulary": ["the", "cat", "sat"],
                                         "output_sequence_length": 5}, None, QUERIES),
    "text_column": ("TextVectorization", {"output_mode": "count"},
                    {"data": [[t] for t in TEXTS]}, [[q] for q in QUERIES]),
}


def adapt_batches(spec):
    """The batches a case's `adapt` reads: None for the whole array, else `batches` lists."""
    data, count = spec["data"], spec.get("batches")
    if not count:
        return None
    size = -(-len(data) // count)
    return [data[i:i + size] for i in range(0, len(data), size)]
