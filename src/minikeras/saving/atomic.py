"""Atomic saves: a file is either completely written or the previous one is left untouched.

Everything minikeras saves (`.keras`, `.h5`, `.weights.h5`, ModelCheckpoint's files) goes through
`atomic_path`: the file is written under a temporary name in the same directory, flushed to
disk, then renamed over the target in one step (`os.replace` is atomic on POSIX and Windows).
An exception, a full disk or a killed process during the write cannot corrupt the old file.
"""

import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_path(filepath):
    """Yield a temporary path beside `filepath`, which becomes `filepath` if the block succeeds.

    Args:
        filepath: the file to create or replace.

    The caller writes the whole file to the yielded path. The file is fsynced before the rename
    and the directory after it, so even a power cut leaves the old file or the new one. On any
    exception the temporary file is removed and the exception propagates.
    """
    filepath = os.fspath(filepath)
    directory = os.path.dirname(os.path.abspath(filepath))
    handle, temporary = tempfile.mkstemp(
        dir=directory, prefix=f".{os.path.basename(filepath)}.", suffix=".tmp"
    )
    os.close(handle)
    try:
        yield temporary
        _fsync(temporary)
        os.chmod(temporary, _mode_for(filepath))
        os.replace(temporary, filepath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def write_bytes(filepath, data):
    """Atomically replace `filepath` with `data` (bytes)."""
    with atomic_path(filepath) as temporary:
        with open(temporary, "wb") as f:
            f.write(data)


def _fsync(path):
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _fsync_directory(directory):
    # Makes the rename itself durable; not possible (nor needed) on Windows.
    with contextlib.suppress(OSError, AttributeError):
        handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _mode_for(filepath):
    """The permissions the file would get from a plain `open(filepath, "w")`.

    `mkstemp` creates files readable by their owner only; a replaced file keeps its mode, a
    new one gets the usual 0o666 minus the umask.
    """
    try:
        return os.stat(filepath).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
