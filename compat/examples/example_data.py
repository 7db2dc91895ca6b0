"""Data, sizes and the result line shared by the example scripts in this folder.

The examples must run offline, unmodified, under Keras and under `minikeras run`, on the same
numbers. So each loader reads Keras' own dataset through `keras.datasets` (whichever Keras the
script imported) only when its file is already in Keras' cache (`$KERAS_HOME/datasets`, default
`~/.keras/datasets`); otherwise it builds a documented stand-in with numpy alone, identical
under both:

- `load_mnist`: the 1,797 UCI handwritten digits bundled with minikeras
  (src/minikeras/datasets/data/digits.csv.gz, read by path: no minikeras import), 8x8 pixels of
  0..16 scaled to 0..255, enlarged 3x to 24x24 and centred in 28x28 as MNIST digits are;
  1,437 for training and 360 for testing.
- `load_reuters`: a synthetic Reuters: 11,228 bag-of-words "newswires" over 46 topics of
  Reuters-like (skewed) sizes. A story of about 100 words draws 7% of them from its topic's 30
  favoured words (a third shared with the next topic) and the rest from a Zipf background, which
  makes it about as hard as Reuters for this model (~80% test accuracy).
- `load_boston_housing`: Friedman's regression problem #1 (Friedman 1991): 506 samples of 13
  features uniform on [0, 1), of which 5 matter, `y = 10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 +
  10 x3 + 5 x4 + N(0, 1)`; 404 for training, 102 for testing.

`EXAMPLES_QUICK=1` shortens training to 2 epochs on at most 2,000 training samples (the tests
set it); `EXAMPLES_SEED` picks the seed the scripts pass to `keras.utils.set_random_seed`
(default 1).
"""

import json
import os
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DIGITS = os.path.join(HERE, "..", "..", "src", "minikeras", "datasets", "data", "digits.csv.gz")
QUICK = os.environ.get("EXAMPLES_QUICK") == "1"
SEED = int(os.environ.get("EXAMPLES_SEED", "1"))
QUICK_SAMPLES = 2000


def epochs(count):
    """`count` epochs, or 2 when EXAMPLES_QUICK=1."""
    return min(count, 2) if QUICK else count


def report(start, **metrics):
    """Print the parseable last line: `RESULT {...}` with `metrics` and the seconds since
    `start` (a `time.perf_counter()` reading)."""
    metrics["seconds"] = round(time.perf_counter() - start, 2)
    values = {k: round(float(v), 4) if isinstance(v, (float, np.floating)) else v
              for k, v in metrics.items()}
    print("RESULT " + json.dumps(values), flush=True)


def _sized(data, source):
    """`(data, source)`, the training set cut to QUICK_SAMPLES when EXAMPLES_QUICK=1."""
    (x_train, y_train), test = data
    if QUICK:
        x_train, y_train = x_train[:QUICK_SAMPLES], y_train[:QUICK_SAMPLES]
    return ((x_train, y_train), test), source


def _cached(name):
    home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return os.path.exists(os.path.join(home, "datasets", name))


# ----------------------------------------------------------------------------------------------
# MNIST, or the bundled digits


def load_mnist():
    """`((x_train, y_train), (x_test, y_test)), source`: uint8 images (n, 28, 28) of 0..255 and
    uint8 labels, from Keras' cached MNIST ("mnist") or the digits stand-in ("digits")."""
    if _cached("mnist.npz"):
        import keras

        return _sized(keras.datasets.mnist.load_data(), "mnist")
    table = np.loadtxt(DIGITS, delimiter=",", dtype=np.uint8)  # 64 pixels, then the label
    small = table[:, :64].reshape(-1, 8, 8).astype(np.float64)
    big = np.pad(np.kron(small, np.ones((3, 3))), ((0, 0), (2, 2), (2, 2)))
    images, labels = np.round(big * (255 / 16)).astype(np.uint8), table[:, 64]
    return _sized(_shuffle_split((images, labels), 0.2), "digits")


def _shuffle_split(arrays, test_split, seed=113):
    order = np.random.RandomState(seed).permutation(len(arrays[0]))
    cut = int(len(order) * (1 - test_split))
    return tuple(a[order[:cut]] for a in arrays), tuple(a[order[cut:]] for a in arrays)


# ----------------------------------------------------------------------------------------------
# Reuters, or a synthetic bag-of-words corpus


def load_reuters(num_words=1000):
    """`((x_train, y_train), (x_test, y_test)), source`: lists of word ids below `num_words`
    and int64 topics 0..45, from Keras' cached Reuters or the synthetic stand-in."""
    if _cached("reuters.npz"):
        import keras

        return _sized(keras.datasets.reuters.load_data(num_words=num_words), "reuters")
    rng = np.random.RandomState(113)
    topics, stories, first_word = 46, 11228, 3  # ids 0-2 are reserved, as in Keras' loader
    ranks = np.arange(first_word, num_words)
    background = 1.0 / (ranks - first_word + 10.0)
    background /= background.sum()
    sizes = 1.0 / np.arange(1, topics + 1) ** 1.3  # a few big topics, many small ones
    labels = rng.choice(topics, size=stories, p=sizes / sizes.sum())
    # Each topic favours 30 words; neighbouring topics share 10 of them.
    favoured = [rng.choice(ranks[50:], 20, replace=False) for _ in range(topics)]
    vocabulary = [np.concatenate([favoured[t], favoured[(t + 1) % topics][:10]])
                  for t in range(topics)]
    sequences = []
    for label in labels:
        length = 20 + rng.poisson(80)
        own = rng.binomial(length, 0.07)
        words = np.concatenate([rng.choice(ranks, length - own, p=background),
                                rng.choice(vocabulary[label], own)])
        sequences.append([1] + rng.permutation(words).tolist())  # 1 starts a story
    x = np.empty(stories, dtype=object)
    x[:] = sequences
    return _sized(_shuffle_split((x, labels.astype(np.int64)), 0.2), "synthetic")


# ----------------------------------------------------------------------------------------------
# Boston Housing, or Friedman #1


def load_boston_housing():
    """`((x_train, y_train), (x_test, y_test)), source`: float64 features (n, 13) and targets,
    from Keras' cached Boston Housing or Friedman #1 ("friedman1")."""
    if _cached("boston_housing.npz"):
        import keras

        return _sized(keras.datasets.boston_housing.load_data(), "boston_housing")
    rng = np.random.RandomState(113)
    x = rng.uniform(size=(506, 13))
    y = (10 * np.sin(np.pi * x[:, 0] * x[:, 1]) + 20 * (x[:, 2] - 0.5) ** 2 + 10 * x[:, 3]
         + 5 * x[:, 4] + rng.normal(size=506))
    return _sized(_shuffle_split((x, y), 0.2), "friedman1")
