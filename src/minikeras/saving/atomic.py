"""Atomic saves: a file is either completely written or the previous one is left untouched.

Everything minikeras saves (`.keras`, `.h5`, `.weights.h5`, ModelCheckpoint's files) goes through
`atomic_path`: the file is written under a temporary name in the same directory, flushed to
disk, then renamed over the target in one step (`os.replace` is atomic on POSIX and Windows).
An exception, a full disk or a killed process during the write cannot corrupt the old file.
"""

import contextlib
import errno
import os
import secrets


@contextlib.contextmanager
def atomic_path(filepath):
    """Yield a temporary path beside `filepath`, which becomes `filepath` if the block succeeds.

    Args:
        filepath: the file to create or replace. A symlink is written through, as Keras does:
            the file it points to is replaced and the link is kept.

    The caller writes the whole file to the yielded path. The file is fsynced before the rename
    and the directory after it, so even a power cut leaves the old file or the new one. On any
    exception the temporary file is removed and the exception propagates.
    """
    filepath = os.fspath(filepath)
    target = os.path.realpath(filepath)
    directory = os.path.dirname(target)
    temporary, mode = _create_temporary(target, filepath)
    try:
        yield temporary
        _fsync(temporary)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
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


def _create_temporary(target, filepath):
    """A new empty file beside `target`, and the mode the saved file must get.

    A replaced file keeps its mode; a new one gets what a plain `open(filepath, "w")` gives,
    0o666 minus the umask, which creating with mode 0o666 applies (reading the umask would
    mean setting it, racing with other threads). The temporary file is never more readable
    than the file it replaces. Errors name `filepath`, not the hidden file.
    """
    try:
        existing = os.stat(target).st_mode & 0o7777
    except OSError:
        existing = None
    prefix = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.")
    for _ in range(100):
        temporary = f"{prefix}{secrets.token_hex(4)}.tmp"
        try:
            handle = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY,
                             0o666 if existing is None else existing & 0o777)
        except FileExistsError:
            continue
        except OSError as error:
            raise type(error)(error.errno, error.strerror, filepath) from None
        try:
            mode = os.fstat(handle).st_mode & 0o7777 if existing is None else existing
        finally:
            os.close(handle)
        return temporary, mode
    raise FileExistsError(errno.EEXIST, "No free temporary file name beside it", filepath)


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
