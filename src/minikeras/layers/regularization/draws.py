"""The keep masks of the training-mode dropouts (Dropout, SpatialDropout, AlphaDropout), drawn
into buffers kept per thread and shape.

The uniform draw and the keep test are scratch: the layer uses them up before its `forward`
returns, and nothing it returns or keeps in its context refers to them, so the next draw of
the same shape may overwrite them (mnist_mlp's two Dropouts take the same pair every step).
What a backward needs (Dropout's scaled mask, AlphaDropout's factor) and the outputs stay per
call: contexts of several calls live at once (a layer called twice before one backward, a
user's tape over several forwards), so a buffer kept per layer would be overwritten under
them; and one handed back after the backward would not do either, since a persistent tape runs
the same context's backward again. Per thread: layers run in threads.
"""

import threading

import numpy as np

_scratch = threading.local()
_KEPT = 16  # a model feeding many shapes keeps the last few only


def _buffer(shape, dtype):
    """This thread's array of `shape` and `dtype`, contents undefined."""
    buffers = getattr(_scratch, "by_shape", None)
    if buffers is None:
        buffers = _scratch.by_shape = {}
    key = (shape, dtype)
    array = buffers.get(key)
    if array is None:
        if len(buffers) >= _KEPT:
            buffers.pop(next(iter(buffers)))
        array = buffers[key] = np.empty(shape, dtype)
    return array


def keep_mask(rng, shape, rate):
    """Where `rng`'s float32 uniform draw of `shape` is at least `rate`: the units a dropout
    keeps (scratch, bool)."""
    uniform = rng.random(dtype=np.float32, out=_buffer(shape, np.float32))
    return np.greater_equal(uniform, np.float32(rate), out=_buffer(shape, np.bool_))
