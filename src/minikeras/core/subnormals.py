"""Subnormals flushed to zero in a stretch of code, as TensorFlow and XLA run their CPU kernels.

TensorFlow sets the CPU's flush-to-zero and denormals-are-zero modes around its kernels
(`port::ScopedFlushDenormal`), and XLA:CPU compiles them in: a float32 result under 2^-126
becomes a zero of its sign, and a subnormal operand is read as zero. Keras 3's optimizer slots
therefore never hold a subnormal: a velocity whose gradient stays 0 decays to the last normal
value, then to 0. Under IEEE arithmetic it sinks into the subnormals instead, where on x86
every multiply taking it is finished by a microcode assist (about 40x slower).

`flushed(written)` is the context manager the optimizers update under; `flush_to_zero()` and
`restore(saved, written)` are the same as a pair. The modes are per thread: code on another
thread is unaffected, a thread the update hands work to enters its own scope, and a thread
started inside a scope (which inherits the modes) begins with `clear_in_new_thread()`.

- x86_64 and aarch64 Linux with glibc: the modes themselves, through glibc's `fegetenv` and
  `fesetenv` (about 0.5 us a call). `fenv_t` is 28 bytes of x87 state then the MXCSR on x86_64
  (FTZ 0x8040, DAZ 0x0040), `{FPCR, FPSR}` on aarch64 (FZ, bit 24: both at once). Inside the
  scope the rounding is to nearest and no exception flag is set, as in TensorFlow's kernels;
  leaving restores the thread's environment as it was, flags included.
- Elsewhere (other systems or C libraries, no ctypes): the arithmetic stays IEEE and
  `restore` sets the subnormal elements of `written()`'s arrays to zeros of their sign. That
  is what the modes store wherever the subnormal would have been the last value computed (a
  slot decaying by a factor: RMSprop's velocity, SGD's momentum); where a subnormal is an
  intermediate the modes give other last bits, or keep a value the IEEE rule lets decay
  (Adam's `m += (g - m)(1 - beta_1)` stops moving once the increment is subnormal).

Nothing is loaded until the first scope (ctypes and libm are not part of `import minikeras`).
"""

import os
import threading

import numpy as np

# The environment word holding the modes, its flush bits, and the bits cleared inside the
# scope (rounding: to nearest; exception flags), by `os.uname().machine`.
_X86_64 = (32, 7, 0x8040, 0x6000 | 0x3F)  # fenv_t bytes, MXCSR word, FTZ|DAZ, RC and flags
_AARCH64 = (8, 0, 1 << 24, 3 << 22)  # {FPCR, FPSR}: FZ and RMode (FPSR: the flags, cleared)
_LAYOUTS = {"x86_64": _X86_64, "amd64": _X86_64, "aarch64": _AARCH64, "arm64": _AARCH64}

_modes = None  # `_Modes` once looked for; False where the fallback serves


def flush_to_zero():
    """Set flush-to-zero and denormals-are-zero in this thread; returns what `restore` takes."""
    modes = _modes if _modes is not None else _find_modes()
    return modes.enter() if modes else None


def restore(saved, written=None):
    """Leave the scope `flush_to_zero()` returned `saved` for. Without the modes, set the
    subnormals of the arrays `written()` returns (a function: only the fallback calls it) to
    zeros of their sign."""
    if saved is not None:
        _modes.set(saved)
    elif written is not None:
        zero_subnormals(written())


class flushed:  # noqa: N801 (used as a function: `with flushed(...)`)
    """`with flushed(written):` runs its block with subnormals flushed to zero, and restores
    the thread's floating-point environment however the block ends (see `restore`)."""

    __slots__ = ("_written", "_saved")

    def __init__(self, written=None):
        self._written = written

    def __enter__(self):
        self._saved = flush_to_zero()
        return self

    def __exit__(self, *exc_info):
        restore(self._saved, self._written)


def clear_in_new_thread():
    """Clear the modes in this thread. A thread inherits the environment of the thread that
    starts it, so one started inside a scope (a worker pool made by the first update that needs
    it) would flush for good: its first act is to call this."""
    modes = _modes if _modes is not None else _find_modes()
    if modes:
        environment = modes.environment()
        modes.get(environment)
        environment[modes.word] &= ~modes.flush_bits
        modes.set(environment)


def hardware():
    """Whether the CPU's own modes flush (else the fallback zeroes what was written)."""
    return bool(_modes if _modes is not None else _find_modes())


def zero_subnormals(arrays):
    """Each float32 and float64 array's subnormal elements, in place, as zeros of their sign
    (other arrays as they are: the modes flush neither float16, whose conversions ignore them,
    nor integers)."""
    # A comparison and a masked multiply: the lanes are mostly normal (each update zeroes what
    # the last one left), where this beats integer masks of the bits (five passes, no assist).
    for array in arrays:
        if array.dtype in _FLUSHED_DTYPES and array.size:
            tiny = np.finfo(array.dtype).tiny
            np.multiply(array, 0, out=array, where=np.less(np.abs(array), tiny))


_FLUSHED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class _Modes:
    """glibc's `fegetenv`/`fesetenv` and the environment set inside every scope: the one found
    at the first scope, with the flush bits set, round to nearest and the flags cleared."""

    def __init__(self, ctypes, libm, layout):
        size, word, flush_bits, cleared_bits = layout
        self.environment = ctypes.c_uint32 * (size // 4)
        # Called without `argtypes`: ctypes passes the arrays as pointers, a third faster.
        self.get, self.set = libm.fegetenv, libm.fesetenv
        self.word, self.flush_bits = word, flush_bits
        self.flushing = flushing = self.environment()
        if self.get(flushing):
            raise OSError("fegetenv failed")
        flushing[word] = flushing[word] & ~cleared_bits | flush_bits
        if word == 0 and size == 8:
            flushing[1] = 0  # aarch64's FPSR: the cumulative exception flags
        else:
            flushing[1] &= ~0x3F  # x87 status word: its exception flags

    def enter(self):
        """Set the flushing environment in this thread; returns the one it replaced."""
        saved = self.environment()
        self.get(saved)
        self.set(self.flushing)
        return saved


_lock = threading.Lock()


def _find_modes():
    global _modes
    with _lock:
        if _modes is None:
            _modes = _load_modes() or False
    return _modes


def _load_modes():
    """The `_Modes` of this machine, or None where only the fallback can serve."""
    try:
        layout = _LAYOUTS.get(os.uname().machine)
        if layout is None or not os.confstr("CS_GNU_LIBC_VERSION"):
            return None  # another C library lays fenv_t out its own way
        import ctypes

        modes = _Modes(ctypes, ctypes.CDLL("libm.so.6"), layout)
    except (AttributeError, ImportError, OSError, ValueError):  # no uname/confstr/ctypes/libm
        return None
    return modes if _flushes(modes) else None


def _flushes(modes):
    """Whether the modes do flush here (valgrind, for one, runs the code and ignores them)."""
    smallest = np.array([np.finfo(np.float32).smallest_subnormal, np.finfo(np.float32).tiny],
                        np.float32)
    saved = modes.enter()
    try:
        product = smallest * np.float32(0.75)  # a subnormal operand; a subnormal result
    finally:
        modes.set(saved)
    return not product.any()
