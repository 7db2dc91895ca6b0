"""California Housing (StatLib, 1990 US census): 20,640 block groups, 8 features, value in $.

Features: MedInc, HouseAge, AveRooms, AveBedrms, Population, AveOccup, Latitude, Longitude.
"""

from minikeras.datasets import _arrays, _files


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Load California Housing from the Keras cache (fetched on first use), shuffled and split.

    Args:
        version: `"large"` (all 20,640 samples) or `"small"` (the first 600, a stand-in for
            Boston Housing).
        path: file name inside the cache folder `~/.keras/datasets`.
        test_split: fraction of the samples held out as the test set, in [0, 1).
        seed: seed of the shuffle done before splitting.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: float `x` of shape `(n, 8)`, float `y` `(n,)`.
    """
    _arrays.check_test_split(test_split)
    f = _files.read_npz(_files.get_file(path, "california_housing.npz"))
    sizes = {"large": None, "small": 600}
    if version not in sizes:
        raise ValueError(
            f"Argument `version` must be one of 'small', 'large'. Received: version={version}"
        )
    size = sizes[version]
    return _arrays.shuffle_split(f["x"][:size], f["y"][:size], test_split, seed)
