"""Reuters newswires: 11,228 stories labelled with one of 46 topics, as word-rank sequences."""

import json

import numpy as np

from minikeras.datasets import _arrays, _files

_LABEL_NAMES = (
    "cocoa grain veg-oil earn acq wheat copper housing money-supply coffee sugar trade reserves "
    "ship cotton carcass crude nat-gas cpi money-fx interest gnp meal-feed alum oilseed gold tin "
    "strategic-metal livestock retail ipi iron-steel rubber heat jobs lei bop zinc orange pet-chem "
    "dlr gas silver wpi hog lead"
).split()


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
              start_char=1, oov_char=2, index_from=3, cache_dir=None, **kwargs):
    """Load Reuters from the Keras cache (downloading it on first use), shuffled and split.

    Word `k` (the k-th most frequent) is stored as `k + index_from`; ids 0 (padding),
    `start_char` and `oov_char` are reserved. The file holds ragged `dtype=object` arrays, which
    numpy keeps as pickles: as in Keras 3, they are unpickled with only numpy arrays allowed, never
    with `np.load(allow_pickle=True)`.

    Args:
        path: file name inside the cache folder `~/.keras/datasets`.
        num_words: keep ids below this (default: all but the largest id); others become `oov_char`.
        skip_top: ids below this also become `oov_char`.
        maxlen: drop (not truncate) stories of `maxlen` ids or more; None keeps all.
        test_split: fraction of the stories held out as the test set.
        seed: seed of the shuffle done before splitting.
        start_char: id put at the start of every story; None for none.
        oov_char: id replacing dropped words; None removes them instead.
        index_from: offset added to every word rank.
        cache_dir: another cache root (Keras 2's argument); `nb_words` is accepted for `num_words`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: object arrays of lists of ints, int64 labels 0..45.
    """
    num_words = _arrays.legacy_num_words(num_words, kwargs)
    f = _files.read_npz(_files.get_file(path, "reuters.npz", cache_dir=cache_dir))
    xs, labels = _arrays.permute(np.random.RandomState(seed), f["x"], f["y"])
    xs, labels = _arrays.drop_long(maxlen, _arrays.shift(xs, start_char, index_from), labels)
    xs = _arrays.limit_vocabulary(xs, num_words, skip_top, oov_char)
    return _arrays.split_sequences(xs, labels, int(len(xs) * (1 - test_split)))


def get_word_index(path="reuters_word_index.json"):
    """The dict word -> rank (1 = most frequent); add `index_from` to get `load_data`'s ids."""
    with open(_files.get_file(path, "reuters_word_index.json")) as f:
        return json.load(f)


def get_label_names():
    """The 46 topic names, as a tuple indexed by label."""
    return tuple(_LABEL_NAMES)
