"""Keep the memory of freed arrays for the next ones (glibc's malloc, Linux).

A training step of a convnet allocates tens of megabytes of temporaries (im2col windows, pooled
and padded gradients) and frees them before the next step. With glibc's defaults each array
over its mmap threshold, and the top of the heap over its trim threshold, goes back to the
kernel when freed and comes back as fresh pages that fault on first touch: about 8,600 page
faults a step of the MNIST convnet, a third of its time (docs/performance.md). TensorFlow's,
JAX's and PyTorch's allocators keep freed memory for the same reason. `retain_freed_memory`
asks malloc to serve arrays up to 32 MB from the heap and keep up to 128 MB free at its top;
memory beyond that still goes back. `MINIKERAS_RETAIN_FREED_MEMORY=0` leaves malloc alone.
"""

import ctypes
import os
import platform

# mallopt's parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # glibc's largest allowed on 64-bit
TRIM_THRESHOLD = 128 << 20

_done = False


def retain_freed_memory():
    """Tune glibc's malloc once per process as the module docstring says (a no-op elsewhere,
    or when `MINIKERAS_RETAIN_FREED_MEMORY=0`). Returns whether malloc was tuned."""
    global _done
    if _done:
        return False
    _done = True
    if os.environ.get("MINIKERAS_RETAIN_FREED_MEMORY", "1") == "0":
        return False
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
