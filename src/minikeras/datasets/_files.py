"""Dataset files: where they are cached, how they are fetched and checked, how `.npz` is read.

The cache layout is Keras': `$KERAS_HOME/datasets/<name>` (default `~/.keras/datasets/<name>`),
so a file Keras already downloaded is found here, and a file put there by hand is used as is.
"""

import hashlib
import io
import os
import pickle
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile

import numpy as np
from numpy.lib import format as npy_format

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
TIMEOUT = 20  # seconds without data before a download is given up
FALLBACK_HOME = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")


def keras_home():
    """`$KERAS_HOME`, else `~/.keras`, else `/tmp/.keras` when the home folder is read-only."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    home = os.path.expanduser("~")
    return os.path.join(home, ".keras") if os.access(home, os.W_OK) else FALLBACK_HOME


def cache_folder(subdir="datasets", cache_dir=None):
    """Folder `subdir` of `cache_dir` (default `keras_home()`), or of `/tmp/.keras` if read-only."""
    base = os.path.expanduser(cache_dir or keras_home())
    try:  # Keras creates its home folder on import; a folder we cannot create is not writable
        os.makedirs(base, exist_ok=True)
    except OSError:
        pass
    if not os.access(base, os.W_OK):
        base = FALLBACK_HOME
    return os.path.join(base, subdir)


def file_hash(path, like):
    """The hex digest of the file at `path`, by the algorithm the expected digest `like` implies."""
    hasher = hashlib.sha256() if len(like) == 64 else hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def download(url, out, timeout=TIMEOUT):
    """Copy the bytes at `url` into the open binary file `out` (tests replace this function)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        shutil.copyfileobj(response, out)


def _reason(error):
    # Keras words a failed fetch as "<HTTP code or errno> -- <message>"
    if isinstance(error, urllib.error.HTTPError):
        return f"{error.code} -- {error.msg}"
    if isinstance(error, urllib.error.URLError):
        return f"{error.errno} -- {error.reason}"
    return f"{type(error).__name__} -- {error}"


def get_file(fname, remote=None, subdir="datasets", cache_dir=None):
    """The local path of dataset file `fname`, downloading `BASE_URL + remote` first if needed.

    Args:
        fname: file name inside the cache folder (no directories).
        remote: file name at `BASE_URL`; defaults to `fname`. Its digest in `HASHES`, if any, is
            checked on the cached file (a mismatch means download again) and on every download.
        subdir: folder under the cache root (`"datasets"`, `"datasets/fashion-mnist"`).
        cache_dir: cache root instead of `$KERAS_HOME` / `~/.keras` (Keras 2's argument).

    Raises:
        OSError: the file is not cached and cannot be downloaded; the message names the URL and
            the path where a copy fetched by hand will be picked up.
        ValueError: the downloaded file does not match its known digest.
    """
    if os.sep in fname:
        raise ValueError(
            "Paths are no longer accepted as the `fname` argument. To specify the file's parent "
            f"directory, use the `cache_dir` argument. Received: fname={fname}"
        )
    remote = remote or fname
    url, expected = BASE_URL + remote, HASHES.get(remote)
    folder = cache_folder(subdir, cache_dir)
    target = os.path.join(folder, fname)
    if os.path.exists(target):
        if expected is None or file_hash(target, expected) == expected:
            return target
        print(
            "A local file was found, but it seems to be incomplete or outdated because the auto "
            f"file hash does not match the original value of {expected} so we will re-download "
            "the data."
        )
    print(f"Downloading data from {url}")
    os.makedirs(folder, exist_ok=True)
    # Download beside the target and rename once complete, so an interrupted or corrupt
    # download never sits in the cache under the real name.
    handle, partial = tempfile.mkstemp(prefix=f".{fname}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            try:
                download(url, out)
            except Exception as error:
                raise OSError(
                    f"URL fetch failure on {url}: {_reason(error)}\nCould not download "
                    f"'{remote}'. Without network access, fetch {url} by other means and save it "
                    f"as {target}"
                ) from error
        if expected is not None and file_hash(partial, expected) != expected:
            raise ValueError(
                "Incomplete or corrupted file detected. The auto file hash does not match the "
                f"provided value of {expected}. (Downloaded from {url}; a good copy saved as "
                f"{target} will be used.)"
            )
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return target


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


class _ArrayUnpickler(pickle.Unpickler):
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
        return _ArrayUnpickler(stream).load()
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
