"""`get_file`: a file from a URL, cached under Keras' folder, checked, optionally extracted.

The cache is Keras': `$KERAS_HOME/<cache_subdir>` (default `~/.keras/datasets`), so a file
Keras downloaded is found here and a file put there by hand is used as is; without network
access a missing file fails with a message naming the URL and the path to save it as.
Downloads land beside the target under a temporary name and are renamed once complete and
checked, so an interrupted or corrupt download never sits in the cache under the real name.
"""

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.parse
import warnings
import zipfile

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


def _hasher(algorithm, file_hash=None):
    """sha256 when asked, or for "auto" with a 64-digit hash; md5 otherwise (Keras' rule)."""
    if algorithm == "sha256" or (algorithm == "auto" and file_hash and len(file_hash) == 64):
        return hashlib.sha256()
    return hashlib.md5()


def hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """The hex digest of the file at `fpath` ("sha256", "md5", or a hashlib object)."""
    hasher = _hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for block in iter(lambda: f.read(chunk_size), b""):
            hasher.update(block)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """Whether the file at `fpath` has the digest `file_hash`."""
    return hash_file(fpath, _hasher(algorithm, file_hash), chunk_size) == str(file_hash)


def download(url, out, timeout=TIMEOUT):
    """Copy the bytes at `url` into the open binary file `out` (tests replace this function)."""
    import urllib.request  # with http, ssl and email: only when something is downloaded

    with urllib.request.urlopen(url, timeout=timeout) as response:
        shutil.copyfileobj(response, out)


def _reason(error):
    # Keras words a failed fetch as "<HTTP code or errno> -- <message>"
    import urllib.error

    if isinstance(error, urllib.error.HTTPError):
        return f"{error.code} -- {error.msg}"
    if isinstance(error, urllib.error.URLError):
        return f"{error.errno} -- {error.reason}"
    return f"{type(error).__name__} -- {error}"


def fetch(origin, target, file_hash=None, hash_algorithm="auto"):
    """Download `origin` to the path `target`, atomically, checking `file_hash` if given."""
    print(f"Downloading data from {origin}")
    folder = os.path.dirname(target)
    os.makedirs(folder, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".part",
                                       dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            try:
                download(origin, out)
            except Exception as error:
                raise OSError(
                    f"URL fetch failure on {origin}: {_reason(error)}\nCould not download "
                    f"'{os.path.basename(urllib.parse.urlsplit(origin).path)}'. Without network "
                    f"access, fetch {origin} by other means and save it as {target}"
                ) from error
        if file_hash is not None and not validate_file(partial, file_hash, hash_algorithm):
            raise ValueError(
                f"Incomplete or corrupted file detected. The {hash_algorithm} file hash does "
                f"not match the provided value of {file_hash}. (Downloaded from {origin}; a "
                f"good copy saved as {target} will be used.)"
            )
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def _inside(base, name):
    """Whether the archive member `name` lands inside the folder `base`."""
    base = os.path.realpath(base)
    return os.path.commonpath([base, os.path.realpath(os.path.join(base, name))]) == base


def _safe_members(archive, path):
    """The members of `archive` that stay inside `path` (Keras skips the others, warning)."""
    is_zip = isinstance(archive, zipfile.ZipFile)
    for member in archive.infolist() if is_zip else archive.getmembers():
        name = member.filename if is_zip else member.name
        linked = not is_zip and (member.issym() or member.islnk())
        target = os.path.join(os.path.dirname(name), member.linkname) if linked else None
        if _inside(path, name) and (target is None or _inside(path, target)):
            yield member
        else:
            warnings.warn(f"Skipping invalid path during archive extraction: '{name}'.",
                          stacklevel=3)


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extract the tar or zip archive at `file_path` into `path`; False if it is neither.

    `archive_format`: "auto" (tar, then zip), "tar", "zip", a list of those, or None. Members
    that would land outside `path` are skipped.
    """
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else archive_format
    for kind in [formats] if isinstance(formats, str) else formats:
        if kind not in ("tar", "zip"):
            raise NotImplementedError(kind)
        is_kind = tarfile.is_tarfile if kind == "tar" else zipfile.is_zipfile
        if not is_kind(file_path):
            continue
        opener = tarfile.open if kind == "tar" else zipfile.ZipFile
        with opener(file_path) as archive:
            try:
                archive.extractall(path, members=list(_safe_members(archive, path)))
            except (tarfile.TarError, RuntimeError, KeyboardInterrupt):
                shutil.rmtree(path, ignore_errors=True)
                raise
        return True
    return False


def _targets(fname, datadir, extract, named):
    """`(download target, extraction folder or None)` as Keras 3 names them."""
    if not extract:
        return os.path.join(datadir, fname), None
    if named and "." in fname:
        stem = fname[:fname.find(".")]
        return os.path.join(datadir, fname), os.path.join(datadir, f"{stem}_extracted")
    return os.path.join(datadir, f"{fname}_archive"), os.path.join(datadir, fname)


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """The local path of the file at `origin`, downloaded into the Keras cache if missing.

    Args:
        fname: the file's name in the cache (no folders); by default the URL's last part.
        origin: the URL.
        untar: Keras 2's `extract=True, archive_format="tar"`.
        md5_hash: Keras 2's `file_hash=..., hash_algorithm="md5"`.
        file_hash: the expected sha256 or md5 digest: a cached file that does not match is
            downloaded again, a download that does not match is refused.
        cache_subdir: folder under the cache root (an absolute path is used as is).
        hash_algorithm: "auto" (sha256 for 64 digits, else md5), "sha256" or "md5".
        extract: extract the archive and return the folder it was extracted to (Keras 3's
            names: `fname` "data.tar.gz" extracts to "data_extracted", a name without a dot
            downloads to "<fname>_archive" and extracts to "<fname>").
        archive_format: "auto", "tar", "zip", a list of those, or None.
        cache_dir: the cache root instead of `$KERAS_HOME` / `~/.keras`.
        force_download: download even if the file is cached.

    Raises:
        OSError: the file is not cached and cannot be downloaded; the message names the URL and
            the path where a copy fetched by hand will be picked up.
        ValueError: no `origin`, a path as `fname`, or a download not matching `file_hash`.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir = cache_folder(cache_subdir, cache_dir)
    os.makedirs(datadir, exist_ok=True)
    named = bool(fname)
    fname = os.fspath(fname) if named else os.path.basename(urllib.parse.urlsplit(origin).path)
    if not fname:
        raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'."
                         "Please specify the `fname` argument.")
    if os.sep in fname:
        raise ValueError(
            "Paths are no longer accepted as the `fname` argument. To specify the file's parent "
            f"directory, use the `cache_dir` argument. Received: fname={fname}"
        )
    target, extraction_dir = _targets(fname, datadir, extract or untar, named)
    downloaded = force_download or not os.path.exists(target)
    if not downloaded and file_hash is not None and not validate_file(target, file_hash,
                                                                      hash_algorithm):
        print(f"A local file was found, but it seems to be incomplete or outdated because the "
              f"{hash_algorithm} file hash does not match the original value of {file_hash} so "
              "we will re-download the data.")
        downloaded = True
    if downloaded:
        fetch(origin, target, file_hash, hash_algorithm)
    if extraction_dir is None:
        return target
    # Keras extracts on every call; an extraction already there from the same archive is kept.
    if downloaded or not os.path.isdir(extraction_dir):
        if not extract_archive(target, extraction_dir, "tar" if untar else archive_format):
            warnings.warn("Could not extract archive.", stacklevel=2)
    return extraction_dir
