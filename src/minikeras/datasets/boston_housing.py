"""Boston Housing prices (StatLib, CMU): 506 districts, 13 attributes, price in k$.

Its attribute "B" encodes an assumption about race and house prices; prefer
`california_housing` except to illustrate such ethical problems in data.
"""

from minikeras.datasets import _arrays, _files


def load_data(path="boston_housing.npz", test_split=0.2, seed=113, cache_dir=None):
    """Load Boston Housing from the Keras cache (downloading it on first use), shuffled and split.

    Args:
        path: file name inside the cache folder `~/.keras/datasets`.
        test_split: fraction of the samples held out as the test set, in [0, 1).
        seed: seed of the shuffle done before splitting.
        cache_dir: another cache root (Keras 2's argument).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: float64 `x` of shape `(n, 13)`, float64 `y` `(n,)`.
    """
    _arrays.check_test_split(test_split)
    f = _files.read_npz(_files.get_file(path, "boston_housing.npz", cache_dir=cache_dir))
    return _arrays.shuffle_split(f["x"], f["y"], test_split, seed)
