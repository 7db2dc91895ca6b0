"""Saves under faults: killed with SIGKILL, on a full disk, into a read-only folder.

Whatever happens during a save, the target holds the previous file or the new one, whole; a
killed save's temporary file is removed by the next save of the same target. The long run
(hundreds of kills) is bench/fault_saves.py, recorded in docs/safety.md.
"""

import errno
import os
import resource
import signal

import numpy as np
import pytest

import minikeras as mk
from minikeras.saving import atomic
from save_faults import KINDS, kill_trial, save, small_model

FORMATS = ["m.keras", "m.h5", "w.weights.h5", "w.h5"]
pytestmark = pytest.mark.filterwarnings("ignore")


def weights_of(path, template):
    if path.name.startswith("w."):
        template.load_weights(path)
        return [w.value.copy() for w in template.weights]
    return [w.value.copy() for w in mk.models.load_model(path).weights]


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_saves_killed_at_random_moments_leave_whole_files(tmp_path, kind):
    rng = np.random.default_rng(0)
    template = small_model()
    states, leftovers = [], 0
    for _ in range(3):
        state, temporaries = kill_trial(tmp_path, kind, rng.uniform(0.1, 0.4), template)
        states.append(state)
        leftovers = max(leftovers, len(temporaries))
        assert leftovers <= 1  # each save removed the one its killed predecessor left
    assert all(state in ("absent", "whole") for state in states), states
    assert "whole" in states
    path = tmp_path / KINDS[kind]
    save(template, path)
    assert [name for name in os.listdir(tmp_path) if name.endswith(".tmp")] == []


def dead_pid():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def test_next_save_removes_temporaries_of_dead_writers_only(tmp_path):
    dead = dead_pid()
    names = {
        f".m.keras.{dead}-0123abcd.tmp": False,        # the same target, writer dead: removed
        f".m.keras.{os.getppid()}-0123abcd.tmp": True,  # writer alive: kept
        f".other.keras.{dead}-0123abcd.tmp": True,     # another target: kept
        ".m.keras.0123abcd.tmp": True,                 # not a name minikeras writes: kept
    }
    for name in names:
        (tmp_path / name).write_bytes(b"partial")
    small_model().save(tmp_path / "m.keras")
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["m.keras"] + [name for name, kept in names.items() if kept])


@pytest.fixture
def file_size_limit():
    """Make writes past `limit` bytes fail in the kernel (EFBIG), as a full disk makes them."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    def limit(size):
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))

    yield limit
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    signal.signal(signal.SIGXFSZ, handler)


@pytest.fixture(params=FORMATS)
def saved(tmp_path, request):
    """`(model, path, bytes)`: a model saved in one format, and the file it wrote."""
    model, path = small_model(), tmp_path / request.param
    save(model, path)
    return model, path, path.read_bytes()


def test_a_write_refused_midway_by_the_kernel_leaves_the_old_file(saved, file_size_limit):
    model, path, before = saved
    for weight in model.weights:
        weight.value[...] = 7
    file_size_limit(len(before) // 3)
    with pytest.raises(OSError) as error:
        save(model, path)
    file_size_limit(resource.RLIM_INFINITY)
    assert str(path) in str(error.value) and "previous file is left as it was" in str(error.value)
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == [path.name]
    assert not np.any(weights_of(path, small_model())[0] == 7)


def test_a_read_only_folder_leaves_the_old_file_with_a_clear_error(saved, monkeypatch):
    model, path, before = saved
    real_open = os.open

    def read_only(name, flags, *args):
        # What a read-only mount answers (permission bits do not stop root, who runs CI).
        if os.path.dirname(os.fspath(name)) == str(path.parent) and flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), name)
        return real_open(name, flags, *args)

    monkeypatch.setattr(atomic.os, "open", read_only)
    with pytest.raises(OSError) as error:
        save(model, path)
    monkeypatch.undo()
    assert error.value.errno == errno.EROFS and error.value.filename == str(path)
    assert path.read_bytes() == before and os.listdir(path.parent) == [path.name]
