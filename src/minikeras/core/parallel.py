"""A batch's work in parts: small enough to stay in a core's cache, and shared between the CPUs
the running `fit` may use.

A convolution or pooling over a batch makes temporaries of tens of megabytes (im2col's windows,
the pooled gradients); made and used a few images at a time they stay in the L2 cache, which
measured 1.5x faster on one core (keras.io's MNIST convnet, its second convolution's forward
and backward). Their products are too narrow for BLAS to share (few filters), but the parts
are independent, so the parts are shared instead: numpy releases the GIL in its loops and BLAS
calls, and two threads each taking half the parts measured another 1.5x on two cores.

`sharing(threads)` sets for a block (a `fit`) how many threads may share parts; `parts` cuts
a batch into slices and `run` maps a function over them. The count is the calling thread's
own: another thread (a predict running batches side by side, a part's worker) runs its parts
in turn, so that threads never multiply.
"""

import contextlib
import threading

import numpy as np

from minikeras.core import subnormals

PART_BYTES = 2 << 20  # the size of a part's temporaries aimed at: one core's L2 cache here

_local = threading.local()  # `threads`: how many threads may share this thread's parts
_pool = None  # (its worker count, ThreadPoolExecutor)
_lock = threading.Lock()


@contextlib.contextmanager
def sharing(threads):
    """Let up to `threads` threads (this one included) share this thread's parts within the
    block. Per thread: concurrent fits each set their own; the workers share none."""
    previous = sharing_threads()
    _local.threads = max(1, int(threads))
    try:
        yield
    finally:
        _local.threads = previous


def sharing_threads():
    """How many threads may share this thread's work now (1 outside a `sharing` block)."""
    return getattr(_local, "threads", 1)


def parts(items, item_bytes):
    """Slices cutting `range(items)` into parts of about `PART_BYTES` of temporaries each
    (`item_bytes` per item), a multiple of the sharing threads where there are enough items."""
    sharers = sharing_threads()
    if sharers == 1 and items * item_bytes <= PART_BYTES:
        return [slice(0, items)]  # (a one-image predict's case: kept cheap)
    count = max(1, min(items, -(-items * item_bytes // PART_BYTES)))
    if sharers > 1 and items >= sharers:
        count = min(items, -(-count // sharers) * sharers)
    bounds = [items * i // count for i in range(count + 1)]
    return [slice(start, stop) for start, stop in zip(bounds, bounds[1:])]


def run(fn, slices):
    """`[fn(s) for s in slices]`, the slices dealt out in turn between this thread and the
    workers of the block's sharing."""
    if len(slices) == 1:
        return [fn(slices[0])]
    sharers = min(sharing_threads(), len(slices))
    if sharers == 1:
        return [fn(s) for s in slices]
    pool = _workers(sharers - 1)
    results = [None] * len(slices)

    def share(first):
        for index in range(first, len(slices), sharers):
            results[index] = fn(slices[index])

    futures = [pool.submit(share, first) for first in range(1, sharers)]
    try:
        share(0)
    finally:
        for future in futures:
            future.result()
    return results


def _workers(count):
    global _pool
    with _lock:
        if _pool is None or _pool[0] != count:
            from concurrent.futures import ThreadPoolExecutor

            if _pool is not None:
                _pool[1].shutdown(wait=False)
            # A thread started inside a flush scope inherits its modes: start each as IEEE.
            _pool = (count, ThreadPoolExecutor(count, thread_name_prefix="minikeras-part",
                                               initializer=subnormals.clear_in_new_thread))
        return _pool[1]


def rowwise(fn, *arrays):
    """`fn(*arrays)` for a function of arrays of one shape that acts on each row (index of
    their first axis) on its own and returns an array of that shape (an activation, its
    gradient): computed in row blocks shared between the block's threads when the arrays are
    large enough to pay for it, else simply called."""
    first = arrays[0]
    sharers = sharing_threads()
    if sharers == 1 or first.ndim == 0 or first.nbytes < 2 * PART_BYTES \
            or first.shape[0] < sharers:
        return fn(*arrays)
    out = np.empty(first.shape, np.result_type(*arrays))

    def block(part):
        out[part] = fn(*[a[part] for a in arrays])

    run(block, parts(first.shape[0], first.nbytes // first.shape[0]))
    return out
