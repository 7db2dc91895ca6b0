"""Keras 2's text preprocessing (`keras.preprocessing.text`): `Tokenizer` and word hashing.

Keras 3 keeps these for old scripts (its `TextVectorization` layer replaces them); a tokenizer
saved with `to_json` by either Keras loads here with `tokenizer_from_json`, and back.
"""

import collections
import hashlib
import json
import warnings

import numpy as np

FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_MODES = ("binary", "count", "tfidf", "freq")

__all__ = ["Tokenizer", "hashing_trick", "one_hot", "text_to_word_sequence",
           "tokenizer_from_json"]


def text_to_word_sequence(input_text, filters=FILTERS, lower=True, split=" "):
    """The words of `input_text`: lower-cased, each character of `filters` made a separator,
    split at `split`, empty words dropped."""
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(str.maketrans({c: split for c in filters}))
    return [word for word in input_text.split(split) if word]


def _md5(word):
    return int(hashlib.md5(word.encode()).hexdigest(), 16)


def hashing_trick(text, n, hash_function=None, filters=FILTERS, lower=True, split=" ",
                  analyzer=None):
    """Each word of `text` as an integer in `[1, n)`: `hash_function(word) % (n - 1) + 1`.

    `hash_function` is Python's `hash` by default (which differs between runs unless
    PYTHONHASHSEED is set), or `"md5"`, or any function of a string.
    """
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        hash_function = _md5
    words = analyzer(text) if analyzer is not None else text_to_word_sequence(
        text, filters=filters, lower=lower, split=split)
    return [hash_function(word) % (n - 1) + 1 for word in words]


def one_hot(input_text, n, filters=FILTERS, lower=True, split=" ", analyzer=None):
    """`hashing_trick` with Python's `hash` (despite the name, integers, not one-hot vectors)."""
    return hashing_trick(input_text, n, hash_function=hash, filters=filters, lower=lower,
                         split=split, analyzer=analyzer)


class Tokenizer:
    """Words (or characters) to integer indices, most frequent first; texts to count matrices.

    Args:
        num_words: keep only the `num_words - 1` most frequent words when converting (all are
            still counted and indexed); None keeps all.
        filters: characters removed from texts (each made a word separator).
        lower: lower-case texts first.
        split: the word separator.
        char_level: every character is a token.
        oov_token: if given, index 1, which words out of the vocabulary (or beyond `num_words`)
            become in `texts_to_sequences`; by default they are dropped.
        analyzer: a function from a text to its tokens, replacing filters/lower/split.

    Attributes (after `fit_on_texts`): `word_counts` (word -> count, in first-seen order),
    `word_docs` (word -> number of texts containing it), `word_index` (word -> index from 1),
    `index_word` (the inverse), `index_docs` (index -> number of texts), `document_count`.
    """

    def __init__(self, num_words=None, filters=FILTERS, lower=True, split=" ", char_level=False,
                 oov_token=None, analyzer=None, **kwargs):
        if "nb_words" in kwargs:
            warnings.warn("The `nb_words` argument in `Tokenizer` has been renamed `num_words`.")
            num_words = kwargs.pop("nb_words")
        document_count = kwargs.pop("document_count", 0)
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
        self.num_words = num_words
        self.filters = filters
        self.lower = lower
        self.split = split
        self.char_level = char_level
        self.oov_token = oov_token
        self.analyzer = analyzer
        self.document_count = document_count
        self.word_counts = collections.OrderedDict()
        self.word_docs = collections.defaultdict(int)
        self.index_docs = collections.defaultdict(int)
        self.word_index = {}
        self.index_word = {}

    def _tokens(self, text):
        """The tokens of one text; a list of strings is taken as tokens already."""
        if self.char_level or isinstance(text, list):
            if not self.lower:
                return text
            return [token.lower() for token in text] if isinstance(text, list) else text.lower()
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, filters=self.filters, lower=self.lower,
                                     split=self.split)

    def fit_on_texts(self, texts):
        """Count the tokens of `texts` (strings, or lists of tokens) and rebuild the index."""
        for text in texts:
            self.document_count += 1
            tokens = self._tokens(text)
            for token in tokens:
                self.word_counts[token] = self.word_counts.get(token, 0) + 1
            for token in set(tokens):
                self.word_docs[token] += 1
        # A stable sort: words of equal count keep the order they were first seen in.
        by_count = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)
        vocabulary = ([] if self.oov_token is None else [self.oov_token])
        vocabulary += [word for word, _ in by_count]
        self.word_index = {word: index for index, word in enumerate(vocabulary, start=1)}
        self.index_word = {index: word for word, index in self.word_index.items()}
        for word, count in self.word_docs.items():
            self.index_docs[self.word_index[word]] = count

    def fit_on_sequences(self, sequences):
        """Count documents per index from integer sequences (what `tfidf` needs)."""
        self.document_count += len(sequences)
        for sequence in sequences:
            for index in set(sequence):
                self.index_docs[index] += 1

    def _kept(self, index):
        """`index` if conversion keeps it, the out-of-vocabulary index if not, else None."""
        if index is not None and not (self.num_words and index >= self.num_words):
            return index
        return self.word_index.get(self.oov_token) if self.oov_token is not None else None

    def texts_to_sequences_generator(self, texts):
        """Yield each text as a list of word indices (see `texts_to_sequences`)."""
        for text in texts:
            kept = (self._kept(self.word_index.get(token)) for token in self._tokens(text))
            yield [index for index in kept if index is not None]

    def texts_to_sequences(self, texts):
        """Each text as a list of word indices; unknown words and those beyond `num_words`
        become `oov_token`'s index, or are dropped without one."""
        return list(self.texts_to_sequences_generator(texts))

    def sequences_to_texts_generator(self, sequences):
        """Yield each sequence as its words joined by spaces (see `sequences_to_texts`)."""
        for sequence in sequences:
            words = []
            for number in sequence:
                index = self._kept(number if number in self.index_word else None)
                if index is not None:
                    words.append(self.index_word[index])
            yield " ".join(words)

    def sequences_to_texts(self, sequences):
        """Each sequence of indices as a text (the inverse of `texts_to_sequences`)."""
        return list(self.sequences_to_texts_generator(sequences))

    def texts_to_matrix(self, texts, mode="binary"):
        """`sequences_to_matrix` of `texts_to_sequences(texts)`."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def _width(self):
        if self.num_words:
            return self.num_words
        if self.word_index:
            return len(self.word_index) + 1
        raise ValueError("Specify a dimension (`num_words` argument), or fit on some text "
                         "data first.")

    def sequences_to_matrix(self, sequences, mode="binary"):
        """A float64 matrix, a row per sequence and a column per index below `num_words`.

        `mode`: "binary" (1 where the index occurs), "count", "freq" (count / sequence
        length) or "tfidf" (`(1 + log(count)) * log(1 + documents / (1 + documents with it))`).
        """
        if mode not in _MODES:
            raise ValueError("Unknown vectorization mode:", mode)
        width = self._width()
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        matrix = np.zeros((len(sequences), width))
        for row, sequence in enumerate(sequences):
            counts = collections.Counter(index for index in sequence if index < width)
            for index, count in counts.items():
                matrix[row, index] = self._weight(mode, count, len(sequence), index)
        return matrix

    def _weight(self, mode, count, length, index):
        if mode == "binary":
            return 1
        if mode == "count":
            return count
        if mode == "freq":
            return count / length
        idf = np.log(1 + self.document_count / (1 + self.index_docs.get(index, 0)))
        return (1 + np.log(count)) * idf

    def get_config(self):
        """The settings and the counts, the tables as JSON strings (as Keras stores them)."""
        return {
            "num_words": self.num_words, "filters": self.filters, "lower": self.lower,
            "split": self.split, "char_level": self.char_level, "oov_token": self.oov_token,
            "document_count": self.document_count,
            **{name: json.dumps(getattr(self, name)) for name in (
                "word_counts", "word_docs", "index_docs", "index_word", "word_index")},
        }

    def to_json(self, **kwargs):
        """The tokenizer as Keras' JSON; `kwargs` go to `json.dumps`."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


def tokenizer_from_json(json_string):
    """A `Tokenizer` from `Tokenizer.to_json()`'s text (Keras 2's or 3's)."""
    config = dict(json.loads(json_string)["config"])
    tables = {name: json.loads(config.pop(name)) for name in (
        "word_counts", "word_docs", "index_docs", "index_word", "word_index")}
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = tables["word_counts"]
    tokenizer.word_docs = tables["word_docs"]
    tokenizer.word_index = tables["word_index"]
    # JSON keys are strings; the index tables are keyed by integers.
    tokenizer.index_docs = {int(k): v for k, v in tables["index_docs"].items()}
    tokenizer.index_word = {int(k): v for k, v in tables["index_word"].items()}
    return tokenizer
