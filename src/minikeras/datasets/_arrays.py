"""Shuffling, splitting and word-index re-encoding shared by the loaders, in Keras' exact order.

Keras shuffles with `np.random.RandomState(seed)` permuting `arange(n)`; the same draws in the
same order give the same arrays as Keras for the same file.
"""

import warnings

import numpy as np


def permute(rng, *arrays):
    """The arrays reordered by one permutation drawn from the `RandomState` `rng`."""
    order = np.arange(len(arrays[0]))
    rng.shuffle(order)
    return [array[order] for array in arrays]


def check_test_split(test_split):
    """Raise Keras' ValueError unless 0 <= test_split < 1."""
    if not 0 <= test_split < 1:
        raise ValueError(
            f"Invalid `test_split` argument: {test_split}. "
            "It must be between 0 and 1 (exclusive of 1)."
        )


def shuffle_split(x, y, test_split, seed):
    """`(x_train, y_train), (x_test, y_test)`: shuffled by `seed`, last `test_split` held out."""
    x, y = permute(np.random.RandomState(seed), x, y)
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))


def legacy_num_words(num_words, kwargs):
    """Keras 2 accepted `nb_words` for `num_words`; any other extra keyword is an error."""
    if "nb_words" in kwargs:
        warnings.warn(
            "The `nb_words` argument in `load_data` has been renamed `num_words`.", stacklevel=3
        )
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {kwargs}.")
    return num_words


def shift(sequences, start_char, index_from):
    """Word ranks moved up by `index_from` to free small ids; each sequence led by `start_char`."""
    lead = [] if start_char is None else [start_char]
    return [lead + [w + index_from for w in s] for s in sequences]


def drop_long(maxlen, sequences, labels):
    """The sequences shorter than `maxlen` (all if `maxlen` is falsy), with their labels."""
    if not maxlen:
        return sequences, labels
    kept = [i for i, s in enumerate(sequences) if len(s) < maxlen]
    return [sequences[i] for i in kept], [labels[i] for i in kept]


def limit_vocabulary(sequences, num_words, skip_top, oov_char):
    """Ids outside `[skip_top, num_words)` become `oov_char`, or are dropped if it is None.

    `num_words` defaults to the largest id present, so that id itself becomes `oov_char` (as in
    Keras).
    """
    num_words = num_words or max(max(s) for s in sequences)
    if oov_char is None:
        return [[w for w in s if skip_top <= w < num_words] for s in sequences]
    return [[w if skip_top <= w < num_words else oov_char for w in s] for s in sequences]


def split_sequences(sequences, labels, cut):
    """`((x_train, y_train), (x_test, y_test))` with the first `cut` samples for training.

    `x` is `np.array(sequences, dtype=object)`: 1-D of lists, or 2-D if all lengths agree (as in
    Keras).
    """
    return tuple(
        (np.array(sequences[part], dtype=object), np.array(labels[part]))
        for part in (slice(None, cut), slice(cut, None))
    )
