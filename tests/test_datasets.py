"""Dataset loaders on tiny fake cache files (never the network) and the bundled digits.

The shuffled/split/re-encoded outputs are compared with Keras 3's own loaders run on the same fake
files (compat/make_datasets.py -> compat/data/datasets.json).
"""

import gzip
import hashlib
import json
import os
import pickle
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from minikeras.datasets import (
    _files,
    boston_housing,
    california_housing,
    digits,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)
from minikeras.utils import file_utils

REFERENCE = json.loads((Path(__file__).parents[1] / "compat" / "data" / "datasets.json").read_text())
LOADERS = {"boston_housing": boston_housing, "california_housing": california_housing,
           "imdb": imdb, "reuters": reuters}


@pytest.fixture
def attempts(monkeypatch):
    """Downloads fail as if offline; yields the list of URLs tried."""
    urls = []

    def offline(url, out):
        urls.append(url)
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(file_utils, "download", offline)
    return urls


@pytest.fixture
def cache(tmp_path, monkeypatch, attempts):
    """An empty Keras cache under a temporary KERAS_HOME, offline; yields its `datasets` folder."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    folder = tmp_path / "datasets"
    folder.mkdir()
    return folder


def place(folder, monkeypatch, name, **arrays):
    """Write a fake `name` into the cache and make it the file `_files` expects (its digest)."""
    path = folder / name
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setitem(_files.HASHES, name, digest)
    return path


def object_array(sequences):
    array = np.empty(len(sequences), dtype=object)
    array[:] = sequences
    return array


def assert_splits_equal(actual, expected):
    for split, expected_split in zip(actual, expected):
        for part, want in zip(split, expected_split):
            assert str(part.dtype) == want["dtype"] and list(part.shape) == want["shape"]
            assert part.tolist() == want["values"]


def test_mnist_returns_the_cached_arrays(cache, monkeypatch, attempts):
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
              "y_train": rng.integers(0, 10, 5, dtype=np.uint8),
              "x_test": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
              "y_test": rng.integers(0, 10, 3, dtype=np.uint8)}
    place(cache, monkeypatch, "mnist.npz", **arrays)
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    for got, name in [(x_train, "x_train"), (y_train, "y_train"), (x_test, "x_test"), (y_test, "y_test")]:
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, arrays[name])
    assert attempts == []


def test_fashion_mnist_reads_the_four_idx_files(cache):
    rng = np.random.default_rng(1)
    folder = cache / "fashion-mnist"
    folder.mkdir()
    expected = []
    for part, n in [("train", 4), ("t10k", 2)]:
        x, y = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n, dtype=np.uint8)
        headers = {"labels-idx1": b"\0\0\x08\x01" + n.to_bytes(4, "big"),
                   "images-idx3": b"\0\0\x08\x03" + b"".join(d.to_bytes(4, "big") for d in (n, 28, 28))}
        for kind, data in [("labels-idx1", y), ("images-idx3", x)]:
            (folder / f"{part}-{kind}-ubyte.gz").write_bytes(gzip.compress(headers[kind] + data.tobytes()))
        expected.append((x, y))
    for got, want in zip(fashion_mnist.load_data(), expected):
        for a, b in zip(got, want):
            assert a.dtype == np.uint8 and a.shape == b.shape
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("case", REFERENCE["tables"], ids=lambda c: f"{c['dataset']}-{c['kwargs']}")
def test_table_loaders_match_keras(cache, monkeypatch, case):
    rows, columns = case["rows"], case["columns"]
    x = np.arange(rows, dtype="float64")[:, None] + 0.5 * np.arange(columns)
    place(cache, monkeypatch, f"{case['dataset']}.npz", x=x, y=np.arange(rows, dtype="float64") * 10)
    assert_splits_equal(LOADERS[case["dataset"]].load_data(**case["kwargs"]), case["expected"])


@pytest.mark.parametrize("case", REFERENCE["sequences"], ids=lambda c: f"{c['dataset']}-{c['kwargs']}")
def test_sequence_loaders_match_keras(cache, monkeypatch, case):
    inputs = REFERENCE["inputs"]
    sequences, labels, n = inputs["sequences"], np.array(inputs["labels"]), inputs["n_train"]
    place(cache, monkeypatch, f"{case['dataset']}.npz",
          x=object_array(sequences), y=labels,
          x_train=object_array(sequences[:n]), y_train=labels[:n],
          x_test=object_array(sequences[n:]), y_test=labels[n:])
    assert_splits_equal(LOADERS[case["dataset"]].load_data(**case["kwargs"]), case["expected"])


@pytest.mark.parametrize("module", [imdb, reuters])
def test_word_index_is_read_from_the_md5_checked_json(cache, monkeypatch, module):
    name = f"{module.__name__.rsplit('.', 1)[1]}_word_index.json"
    (cache / name).write_text('{"the": 1, "and": 2}')
    monkeypatch.setitem(_files.HASHES, name, hashlib.md5((cache / name).read_bytes()).hexdigest())
    assert module.get_word_index() == {"the": 1, "and": 2}
    monkeypatch.setitem(_files.HASHES, name, "0" * 32)  # stale copy: fetched again, offline here
    with pytest.raises(OSError):
        module.get_word_index()


def test_reuters_label_names_match_keras():
    assert reuters.get_label_names() == tuple(REFERENCE["reuters_label_names"])


def test_offline_error_names_url_and_path_and_leaves_no_file(cache):
    with pytest.raises(OSError) as error:
        mnist.load_data()
    message = str(error.value)
    assert message.startswith(f"URL fetch failure on {_files.BASE_URL}mnist.npz: None -- ")
    assert str(cache / "mnist.npz") in message and "save it as" in message
    assert list(cache.iterdir()) == []


def test_stale_file_is_downloaded_again_atomically(cache, monkeypatch, capsys):
    good = place(cache, monkeypatch, "mnist.npz", x_train=np.zeros((1, 28, 28), np.uint8),
                 y_train=np.ones(1, np.uint8), x_test=np.zeros((0, 28, 28), np.uint8),
                 y_test=np.zeros(0, np.uint8))
    content = good.read_bytes()
    good.write_bytes(b"truncated")
    monkeypatch.setattr(file_utils, "download", lambda url, out: out.write(content))
    (_, y_train), _ = mnist.load_data()
    assert y_train.tolist() == [1]
    assert "does not match the original value" in capsys.readouterr().out
    assert [p.name for p in cache.iterdir()] == ["mnist.npz"]


def test_download_fetches_verifies_and_caches(tmp_path, monkeypatch):
    # a file:// "server" drives the real urllib download, with no network
    remote = tmp_path / "remote"
    remote.mkdir()
    place(remote, monkeypatch, "boston_housing.npz", x=np.ones((5, 13)), y=np.arange(5.0))
    monkeypatch.setattr(_files, "BASE_URL", remote.as_uri() + "/")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    (x_train, _), (x_test, _) = boston_housing.load_data()
    assert x_train.shape == (4, 13) and x_test.shape == (1, 13)
    cached = tmp_path / "home" / "datasets" / "boston_housing.npz"
    assert cached.read_bytes() == (remote / "boston_housing.npz").read_bytes()
    assert [p.name for p in cached.parent.iterdir()] == ["boston_housing.npz"]


def test_corrupt_download_is_rejected_and_not_cached(cache, monkeypatch):
    monkeypatch.setattr(file_utils, "download", lambda url, out: out.write(b"not the file"))
    with pytest.raises(ValueError, match="Incomplete or corrupted file detected"):
        boston_housing.load_data()
    assert list(cache.iterdir()) == []


def test_unwritable_cache_falls_back_to_tmp_keras(cache, monkeypatch, tmp_path):
    fallback = tmp_path / "fallback" / ".keras"
    monkeypatch.setattr(file_utils, "FALLBACK_HOME", str(fallback))
    real_access = os.access
    monkeypatch.setattr(file_utils.os, "access", lambda p, mode: p != str(tmp_path) and real_access(p, mode))
    with pytest.raises(OSError, match=str(fallback / "datasets" / "imdb.npz")):
        imdb.load_data()


def test_keras2_cache_dir_argument(cache, monkeypatch, tmp_path):
    other = tmp_path / "elsewhere" / "datasets"
    other.mkdir(parents=True)
    place(other, monkeypatch, "boston_housing.npz", x=np.zeros((10, 13)), y=np.arange(10.0))
    (x_train, _), (x_test, _) = boston_housing.load_data(cache_dir=str(other.parent))
    assert x_train.shape == (8, 13) and x_test.shape == (2, 13)


@pytest.mark.parametrize("call, error", [
    (lambda: boston_housing.load_data(test_split=1.0), ValueError),  # checked before any download
    (lambda: california_housing.load_data(test_split=-0.1), ValueError),
    (lambda: digits.load_data(test_split=1.5), ValueError),
    (lambda: mnist.load_data(path=os.path.join("sub", "mnist.npz")), ValueError),
    (lambda: imdb.load_data(num_wrds=10), TypeError),
])
def test_bad_arguments_raise_before_any_download(cache, attempts, call, error):
    with pytest.raises(error):
        call()
    assert attempts == []


def test_loader_argument_errors_after_loading(cache, monkeypatch):
    place(cache, monkeypatch, "california_housing.npz", x=np.zeros((4, 8)), y=np.zeros(4))
    with pytest.raises(ValueError, match="Received: version=medium"):
        california_housing.load_data(version="medium")
    sequences = object_array([[1, 2, 3], [4, 5, 6]])
    place(cache, monkeypatch, "imdb.npz", x_train=sequences, y_train=np.array([0, 1]),
          x_test=sequences, y_test=np.array([1, 0]))
    with pytest.raises(ValueError, match="maxlen=3, no sequence was kept"):
        imdb.load_data(maxlen=3)
    with pytest.warns(UserWarning, match="nb_words"):
        (x_train, _), _ = imdb.load_data(nb_words=5)
    assert sorted(map(list, x_train)) == [[1, 2, 2, 2], [1, 4, 2, 2]]  # ids 5+ are out of vocabulary


def test_object_arrays_may_only_rebuild_numpy_arrays(cache, monkeypatch):
    class Gadget:
        def __reduce__(self):
            return (os.getcwd, ())

    place(cache, monkeypatch, "reuters.npz", x=object_array([Gadget()]), y=np.array([0]))
    with pytest.raises(pickle.UnpicklingError, match="getcwd"):
        reuters.load_data()


def test_digits_split_shapes_classes_and_determinism():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1437, 8, 8) and x_test.shape == (360, 8, 8)
    assert y_train.shape == (1437,) and y_test.shape == (360,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert x_train.max() == 16 and x_train.min() == 0
    counts = np.bincount(np.concatenate([y_train, y_test]))
    assert counts.tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert np.bincount(y_test, minlength=10).min() > 20  # shuffled: every class in the test set

    again = digits.load_data()
    np.testing.assert_array_equal(again[0][0], x_train)
    np.testing.assert_array_equal(again[1][1], y_test)
    (x_other, _), _ = digits.load_data(seed=1)
    assert not np.array_equal(x_other, x_train)

    (x_all, y_all), (x_none, _) = digits.load_data(test_split=0.0)
    assert x_all.shape == (1797, 8, 8) and x_none.shape == (0, 8, 8)
    first = np.array([0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0], np.uint8)  # the file's row 1: a 0
    matches = np.flatnonzero((x_all.reshape(-1, 64)[:, :16] == first).all(axis=1))
    assert matches.size >= 1 and (y_all[matches] == 0).all()
