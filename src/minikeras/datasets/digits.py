"""UCI Optical Recognition of Handwritten Digits: 1,797 8x8 images, shipped with minikeras.

Each pixel counts the "on" dots of a 4x4 block of a 32x32 bitmap, so values run 0..16. By
E. Alpaydin and C. Kaynak, CC BY 4.0; see data/README.md. Needs no network, unlike the others.
"""

import gzip
import pkgutil

import numpy as np

from minikeras.datasets import _arrays


def load_data(test_split=0.2, seed=113):
    """Load the digits, shuffled with `seed` and split like `boston_housing.load_data`.

    Args:
        test_split: fraction of the images held out as the test set, in [0, 1).
        seed: seed of the shuffle done before splitting.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images `(n, 8, 8)` with values 0..16 and
        uint8 labels 0..9; 1,437 train and 360 test images by default.
    """
    _arrays.check_test_split(test_split)
    # pkgutil reads it through the package's loader (a zipped install too), and costs a
    # tenth of importlib.resources' import.
    packed = pkgutil.get_data(__package__, "data/digits.csv.gz")
    lines = gzip.decompress(packed).decode().splitlines()  # per image: 64 pixels, then the label
    table = np.loadtxt(lines, delimiter=",", dtype=np.uint8)
    return _arrays.shuffle_split(table[:, :64].reshape(-1, 8, 8), table[:, 64], test_split, seed)
