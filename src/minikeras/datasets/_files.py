"""Dataset files: where they are cached, how they are fetched and checked, how `.npz` is read.

The cache layout is Keras': `$KERAS_HOME/datasets/<name>` (default `~/.keras/datasets/<name>`),
so a file Keras already downloaded is found here, and a file put there by hand is used as is
(`minikeras.utils.get_file` does the caching, checking and downloading).
"""

import io
import pickle
import zipfile

import numpy as np
from numpy.lib import format as npy_format

from minikeras.utils import file_utils

BASE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
# Digests Keras checks, keyed by the file name at BASE_URL (64 hex digits: sha256, 32: md5).
# The fashion-mnist files have none, so Keras (and we) take them unchecked.
HASHES = {
    "mnist.npz": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    "boston_housing.npz": "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",
    "california_housing.npz": "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f",
    "imdb.npz": "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
    "imdb_word_index.json": "bfafd718b763782e994055a2d397834f",
    "reuters.npz": "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916",
    "reuters_word_index.json": "4d44cc38712099c9e383dc6e5f11a921",
}


def get_file(fname, remote=None, subdir="datasets", cache_dir=None):
    """The local path of dataset file `fname`, downloading `BASE_URL + remote` first if needed.

    Args:
        fname: file name inside the cache folder (no directories).
        remote: file name at `BASE_URL`; defaults to `fname`. Its digest in
            `HASHES`, if any, is checked on the cached file (a mismatch means download again)
            and on every download.
        subdir: folder under the cache root (`"datasets"`, `"datasets/fashion-mnist"`).
        cache_dir: cache root instead of `$KERAS_HOME` / `~/.keras` (Keras 2's argument).

    Raises:
        OSError: the file is not cached and cannot be downloaded; the message names the URL and
            the path where a copy fetched by hand will be picked up.
        ValueError: the downloaded file does not match its known digest.
    """
    remote = remote or fname
    return file_utils.get_file(fname, BASE_URL + remote, file_hash=HASHES.get(remote),
                               cache_subdir=subdir, cache_dir=cache_dir)


# The imdb and reuters files hold ragged sequences as `dtype=object` arrays, which numpy stores
# as pickles. Unpickling them may only rebuild numpy arrays: anything else a tampered file could
# ask for (`os.system`, `eval`, ...) is refused. This is what Keras 3.15 does instead of
# `np.load(allow_pickle=True)` (which Keras 2 used).
_ARRAY_GLOBALS = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),  # files written by numpy 1
    ("numpy._core.multiarray", "_reconstruct"),  # files written by numpy 2
}


class ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in _ARRAY_GLOBALS:
            raise pickle.UnpicklingError(
                f"Refusing to deserialize `{module}.{name}` while loading a Keras dataset. "
                "The file may be corrupted or malicious."
            )
        return super().find_class(module, name)


def _read_npy(stream):
    if npy_format.read_magic(stream)[0] == 1:
        _, _, dtype = npy_format.read_array_header_1_0(stream)
    else:  # versions 2 and 3 share the header layout
        _, _, dtype = npy_format.read_array_header_2_0(stream)
    if dtype.hasobject:
        return ArrayUnpickler(stream).load()
    stream.seek(0)
    return npy_format.read_array(stream, allow_pickle=False)


def read_npz(path):
    """All arrays of the `.npz` file at `path`, as a dict; pickles may only rebuild numpy arrays."""
    with zipfile.ZipFile(path) as archive:
        return {
            member[: -len(".npy")]: _read_npy(io.BytesIO(archive.read(member)))
            for member in archive.namelist()
            if member.endswith(".npy")
        }
