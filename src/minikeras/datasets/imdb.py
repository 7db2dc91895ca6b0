"""IMDB movie reviews: 50,000 reviews labelled positive (1) or negative (0), as word ranks."""

import json

import numpy as np

from minikeras.datasets import _arrays, _files


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1,
              oov_char=2, index_from=3, cache_dir=None, **kwargs):
    """Load IMDB (25,000 train, 25,000 test reviews) from the Keras cache (fetched on first use).

    Word `k` (the k-th most frequent) is stored as `k + index_from`; ids 0 (padding),
    `start_char` and `oov_char` are reserved. The file holds ragged `dtype=object` arrays, which
    numpy keeps as pickles: as in Keras 3, they are unpickled with only numpy arrays allowed, never
    with `np.load(allow_pickle=True)`.

    Args:
        path: file name inside the cache folder `~/.keras/datasets`.
        num_words: keep ids below this (default: all but the largest id); others become `oov_char`.
        skip_top: ids below this also become `oov_char`.
        maxlen: drop (not truncate) reviews of `maxlen` ids or more; None keeps all.
        seed: seed of the shuffles of the train and test sets.
        start_char: id put at the start of every review; None for none.
        oov_char: id replacing dropped words; None removes them instead.
        index_from: offset added to every word rank.
        cache_dir: another cache root (Keras 2's argument); `nb_words` is accepted for `num_words`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: object arrays of lists of ints, int64 labels.
    """
    num_words = _arrays.legacy_num_words(num_words, kwargs)
    f = _files.read_npz(_files.get_file(path, "imdb.npz", cache_dir=cache_dir))
    rng = np.random.RandomState(seed)
    splits = []
    for part in ("train", "test"):  # one generator: the train set is shuffled first, as in Keras
        x, y = _arrays.permute(rng, f[f"x_{part}"], f[f"y_{part}"])
        splits.append(_arrays.drop_long(maxlen, _arrays.shift(x, start_char, index_from), y))
    (x_train, y_train), (x_test, y_test) = splits
    if maxlen and not (x_train and x_test):
        raise ValueError(
            f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. "
            "Increase maxlen."
        )
    xs = _arrays.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    return _arrays.split_sequences(xs, np.concatenate([y_train, y_test]), len(x_train))


def get_word_index(path="imdb_word_index.json"):
    """The dict word -> rank (1 = most frequent); add `index_from` to get `load_data`'s ids."""
    with open(_files.get_file(path, "imdb_word_index.json")) as f:
        return json.load(f)
