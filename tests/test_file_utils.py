"""`utils.get_file` (Keras 3's names, caching, hashes, extraction, offline errors) and the
CIFAR loaders reading tiny fake archives laid out as Keras 3 and Keras 2 cache them."""

import hashlib
import io
import os
import pickle
import tarfile
import urllib.error
import zipfile

import numpy as np
import pytest

from minikeras import backend, utils
from minikeras.datasets import cifar10, cifar100
from minikeras.utils import file_utils

ORIGIN = "https://example.invalid/files/data.bin"


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network; `$KERAS_HOME` is a temporary folder; yields the list of URLs tried."""
    urls = []

    def fail(url, out):
        urls.append(url)
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(file_utils, "download", fail)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    return urls


def serve(monkeypatch, content):
    """Downloads return `content`; yields the list of URLs fetched."""
    urls = []

    def fake(url, out):
        urls.append(url)
        out.write(content)

    monkeypatch.setattr(file_utils, "download", fake)
    return urls


def test_cached_file_is_used_offline(offline, tmp_path):
    cached = tmp_path / "home" / "datasets" / "data.bin"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"abc")
    assert utils.get_file(origin=ORIGIN) == str(cached)  # the name comes from the URL
    sha = hashlib.sha256(b"abc").hexdigest()
    assert utils.get_file("data.bin", ORIGIN, file_hash=sha) == str(cached)
    assert utils.get_file("data.bin", ORIGIN, md5_hash=hashlib.md5(b"abc").hexdigest())
    assert offline == []


def test_offline_failure_names_the_url_and_where_to_put_the_file(offline, tmp_path):
    with pytest.raises(OSError) as error:
        utils.get_file("weights.h5", ORIGIN, cache_subdir="models")
    message = str(error.value)
    target = tmp_path / "home" / "models" / "weights.h5"
    assert message.startswith(f"URL fetch failure on {ORIGIN}: None -- ")
    assert f"save it as {target}" in message and list(target.parent.iterdir()) == []


def test_download_hash_checks_and_force_download(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    urls = serve(monkeypatch, b"new")
    path = utils.get_file("f.txt", ORIGIN, file_hash=hashlib.md5(b"new").hexdigest())
    assert open(path, "rb").read() == b"new" and urls == [ORIGIN]
    assert f"Downloading data from {ORIGIN}" in capsys.readouterr().out
    utils.get_file("f.txt", ORIGIN)
    assert len(urls) == 1  # cached
    utils.get_file("f.txt", ORIGIN, force_download=True)
    assert len(urls) == 2
    open(path, "wb").write(b"stale")
    utils.get_file("f.txt", ORIGIN, file_hash=hashlib.sha256(b"new").hexdigest(),
                   hash_algorithm="sha256")
    assert "sha256 file hash does not match" in capsys.readouterr().out
    assert open(path, "rb").read() == b"new"
    with pytest.raises(ValueError, match="Incomplete or corrupted file detected. The md5"):
        utils.get_file("g.txt", ORIGIN, md5_hash="0" * 32)
    assert not os.path.exists(tmp_path / "datasets" / "g.txt")
    elsewhere = tmp_path / "elsewhere"
    assert utils.get_file("f.txt", ORIGIN, cache_dir=str(elsewhere), cache_subdir="x") == \
        str(elsewhere / "x" / "f.txt")


def tar_bytes(files, gz=True):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz" if gz else "w") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def zip_bytes(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize("fname, archive_dir, extracted_dir", [
    ("data.tar.gz", "data.tar.gz", "data_extracted"),  # Keras 3's names, with and without a dot
    ("data", "data_archive", "data"),
    (None, "data.bin_archive", "data.bin"),
])
@pytest.mark.parametrize("make", [tar_bytes, zip_bytes])
def test_extract_uses_keras3_names(monkeypatch, tmp_path, fname, archive_dir, extracted_dir,
                                   make):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    serve(monkeypatch, make({"inner/a.txt": b"A", "b.txt": b"B"}))
    path = utils.get_file(fname, ORIGIN, extract=True)
    assert path == str(tmp_path / "datasets" / extracted_dir)
    assert open(os.path.join(path, "inner", "a.txt"), "rb").read() == b"A"
    assert (tmp_path / "datasets" / archive_dir).is_file()


def test_untar_and_unsafe_members(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    serve(monkeypatch, tar_bytes({"ok.txt": b"1", "../escape.txt": b"2"}, gz=False))
    with pytest.warns(UserWarning, match="Skipping invalid path during archive extraction"):
        path = utils.get_file("pack", ORIGIN, untar=True)
    assert os.listdir(path) == ["ok.txt"] and not (tmp_path / "datasets" / "escape.txt").exists()
    serve(monkeypatch, b"not an archive")
    with pytest.warns(UserWarning, match="Could not extract archive"):
        utils.get_file("plain", ORIGIN, extract=True)


@pytest.mark.parametrize("call, message", [
    (lambda: utils.get_file("x"), 'specify the "origin" argument'),
    (lambda: utils.get_file(os.path.join("a", "b"), ORIGIN), "Paths are no longer accepted"),
    (lambda: utils.get_file(origin="https://example.invalid/"), "Can't parse the file name"),
])
def test_get_file_errors(call, message, offline):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------------------------------------
# CIFAR: tiny batch files, pickled with bytes keys as the real (Python 2) ones read


def batch_file(count, seed, label_keys=("labels",)):
    rng = np.random.RandomState(seed)
    batch = {b"data": rng.randint(0, 256, (count, 3072)).astype("uint8")}
    for key in label_keys:
        batch[key.encode()] = [int(v) for v in rng.randint(0, 100, count)]
    return batch, pickle.dumps(batch, protocol=4)


def cifar10_files():
    batches = {f"data_batch_{i}": batch_file(2, i) for i in range(1, 6)}
    batches["test_batch"] = batch_file(3, 9)
    return batches


def expected(batches, label_key="labels"):
    images = np.concatenate([b[b"data"] for b in batches]).reshape(-1, 3, 32, 32)
    labels = np.concatenate([b[label_key.encode()] for b in batches]).astype("uint8")
    return images.transpose(0, 2, 3, 1), labels.reshape(-1, 1)


def check_split(actual, want):
    (x, y), (want_x, want_y) = actual, want
    assert x.dtype == np.uint8 and y.dtype == np.uint8
    np.testing.assert_array_equal(x, want_x)
    np.testing.assert_array_equal(y, want_y)


@pytest.mark.parametrize("layout", ["keras3 archive", "keras3 extracted", "keras2 extracted"])
def test_cifar10_reads_keras_caches(offline, tmp_path, monkeypatch, layout):
    files = cifar10_files()
    datasets = tmp_path / "home" / "datasets"
    contents = {f"cifar-10-batches-py/{name}": raw for name, (_, raw) in files.items()}
    if layout == "keras3 archive":
        datasets.mkdir(parents=True)
        archive = datasets / "cifar-10-batches-py-target_archive"
        archive.write_bytes(tar_bytes(contents))
        monkeypatch.setattr(cifar10, "FILE_HASH", hashlib.sha256(archive.read_bytes()).hexdigest())
    else:
        root = datasets / ("cifar-10-batches-py-target" if layout == "keras3 extracted" else "")
        for name, raw in contents.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(raw)
    train, test = cifar10.load_data()
    check_split(train, expected([files[f"data_batch_{i}"][0] for i in range(1, 6)]))
    check_split(test, expected([files["test_batch"][0]]))
    assert train[0].shape == (10, 32, 32, 3) and offline == []


def test_cifar_offline_error_names_the_archive(offline, tmp_path):
    with pytest.raises(OSError) as error:
        cifar10.load_data()
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in str(error.value)
    assert str(tmp_path / "home" / "datasets" / "cifar-10-batches-py-target_archive") in \
        str(error.value)


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100_label_modes_and_channels_first(offline, tmp_path, label_mode):
    keys = ("fine_labels", "coarse_labels")
    train, test = batch_file(4, 1, keys), batch_file(2, 2, keys)
    folder = tmp_path / "home" / "datasets" / "cifar-100-python"
    folder.mkdir(parents=True)
    (folder / "train").write_bytes(train[1])
    (folder / "test").write_bytes(test[1])
    result = cifar100.load_data(label_mode=label_mode)
    check_split(result[0], expected([train[0]], f"{label_mode}_labels"))
    backend.set_image_data_format("channels_first")
    try:
        (x_test, _), = cifar100.load_data(label_mode)[1:]
        np.testing.assert_array_equal(x_test, test[0][b"data"].reshape(-1, 3, 32, 32))
    finally:
        backend.set_image_data_format("channels_last")
    with pytest.raises(ValueError, match="`label_mode` must be one of"):
        cifar100.load_data("medium")


def test_cifar_refuses_pickled_code(offline, tmp_path):
    folder = tmp_path / "home" / "datasets" / "cifar-100-python"
    folder.mkdir(parents=True)
    (folder / "train").write_bytes(pickle.dumps({b"data": os.system}))
    (folder / "test").write_bytes(b"")
    with pytest.raises(pickle.UnpicklingError, match="Refusing to deserialize"):
        cifar100.load_data()
