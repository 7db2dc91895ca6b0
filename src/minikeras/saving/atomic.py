"""Atomic saves: a file is either completely written or the previous one is left untouched.

Everything minikeras saves (`.keras`, `.h5`, `.weights.h5`, ModelCheckpoint's files) goes through
`atomic_path`: the file is written under a temporary name in the same directory, flushed to
disk, then renamed over the target in one step (`os.replace` is atomic on POSIX and Windows).
An exception, a full disk or a killed process during the write cannot corrupt the old file.

A process killed mid-save (`kill -9`, a power cut) leaves its temporary file behind. Temporary
names carry the writer's process id (`.NAME.PID-XXXXXXXX.tmp`), and every save first removes
the temporaries of the same target whose writer is no longer running, so a `ModelCheckpoint`
killed again and again does not fill the disk. (A writer is only known dead on POSIX and
inside the same process namespace; elsewhere a leftover is kept, never a live one removed.)
"""

import contextlib
import errno
import os
import re
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
    remove_stale_temporaries(target)
    temporary, mode = _create_temporary(target, filepath)
    try:
        yield temporary
        _fsync(temporary)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError) and not isinstance(error, FileNotFoundError):
            raise _naming(error, filepath) from error
        raise
    _fsync_directory(directory)


def _naming(error, filepath):
    """`error` (same type and errno) saying which save failed and that nothing was lost."""
    # The system's words for the errno: h5py's own strerror is a page of libhdf5's stack.
    reason = os.strerror(error.errno) if error.errno else str(error)
    previous = ("the previous file is left as it was" if os.path.exists(filepath)
                else "no file was written")
    return type(error)(error.errno, f"Could not save '{filepath}' ({reason}); {previous}",
                       filepath)


def _temporary_prefix(target):
    return os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.")


_TEMPORARY = re.compile(r"(\d+)-[0-9a-f]{8}\.tmp")


def remove_stale_temporaries(target):
    """Remove the temporary files earlier saves of `target` left when their process died."""
    if os.name != "posix":
        return
    directory, prefix = os.path.split(_temporary_prefix(target))
    try:
        names = os.listdir(directory or ".")
    except OSError:
        return  # the save itself will report the directory
    for name in names:
        match = name.startswith(prefix) and _TEMPORARY.fullmatch(name[len(prefix):])
        if match and not _running(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(directory, name))


def _running(pid):
    if pid == os.getpid():
        return True  # this process' own saves (another thread's) are in progress
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, but belongs to someone else
        return True
    return True


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
    prefix = f"{_temporary_prefix(target)}{os.getpid()}-"
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
