"""What the CIFAR-10 and CIFAR-100 loaders share: finding Keras' extracted folders, reading a
batch file.

Keras 3 downloads `<name>-target_archive` and extracts it to `<name>-target/`; Keras 2 saved
`<name>.tar.gz` and extracted it beside, to `<name>/`. Either cache is read as it is; otherwise
the archive is fetched (once) and extracted in Keras 3's layout.
"""

import os
import pickle

import numpy as np

from minikeras import backend
from minikeras.datasets import _files
from minikeras.utils import file_utils

ORIGIN = "https://www.cs.toronto.edu/~kriz/"


def folder(name, archive, file_hash, needed):
    """The folder `name` holding the batch files `needed`, from Keras 3's or Keras 2's cache,
    else from the archive `archive` at `ORIGIN` (downloaded and extracted if missing)."""
    datasets = file_utils.cache_folder("datasets")
    for candidate in (os.path.join(datasets, f"{name}-target", name),
                      os.path.join(datasets, name)):
        if all(os.path.isfile(os.path.join(candidate, f)) for f in needed):
            return candidate
    extracted = file_utils.get_file(f"{name}-target", ORIGIN + archive, file_hash=file_hash,
                                    extract=True)
    return os.path.join(extracted, name)


def load_batch(path, label_key="labels"):
    """`(images, labels)` of one CIFAR batch file: uint8 `(n, 3, 32, 32)` and a list of ints.

    The files are Python 2 pickles; only numpy arrays may be rebuilt from them."""
    with open(path, "rb") as f:
        batch = _files.ArrayUnpickler(f, encoding="bytes").load()
    batch = {key.decode("utf8") if isinstance(key, bytes) else key: v for key, v in batch.items()}
    data = batch["data"]
    return data.reshape(data.shape[0], 3, 32, 32), batch[label_key]


def arrange(images, labels):
    """Labels as an `(n, 1)` uint8 column, images channels-last unless Keras is set otherwise."""
    labels = np.reshape(np.asarray(labels, dtype="uint8"), (-1, 1))
    if backend.image_data_format() == "channels_last":
        images = images.transpose(0, 2, 3, 1)
    return images.astype("uint8"), labels
