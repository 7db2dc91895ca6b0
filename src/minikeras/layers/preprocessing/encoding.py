"""Integer indices as Keras' preprocessing layers encode them: `one_hot`, `multi_hot`, `count`.

Indices outside `[0, depth)` add nothing (a masked token is such an index), as TensorFlow's
`one_hot` and `bincount` drop them. `multi_hot` and `count` count along the last axis, so a
batch of rows `(batch, k)` becomes `(batch, depth)` and a single row `(k,)` becomes `(depth,)`.
"""

import numpy as np

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


def check_output_mode(output_mode, caller, allowed=OUTPUT_MODES):
    """Keras' error for an `output_mode` that is not one of `allowed`."""
    if output_mode not in allowed:
        raise ValueError(
            f"The `output_mode` argument of {caller} must be one of "
            f"{', '.join(repr(a) for a in allowed)}. Received: output_mode={output_mode!r}"
        )


def encode(indices, output_mode, depth, dtype, count_weights=None):
    """`indices` (an integer array) encoded as `output_mode` over `depth` categories."""
    indices = np.asarray(indices)
    if output_mode == "int":
        return indices.astype(dtype, copy=False)
    if indices.ndim == 0:
        indices = indices[None]
    if output_mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices = indices[..., 0]
        return _one_hot(indices, depth, dtype)
    if indices.ndim > 2:
        raise ValueError(
            "When output_mode is not `'int'`, maximum supported output rank is 2. Received "
            f"output_mode {output_mode} and input shape {indices.shape}, which would result in "
            f"output rank {indices.ndim}."
        )
    if indices.size and indices.min() < 0:
        raise ValueError(
            f"Input arr must be non-negative! Received {output_mode} indices with minimum "
            f"{indices.min()}."
        )
    rows = indices[None] if indices.ndim == 1 else indices
    weights = None
    if count_weights is not None and output_mode == "count":
        weights = np.broadcast_to(np.asarray(count_weights), indices.shape).reshape(rows.shape)
        dtype = weights.dtype
    counts = _bincount_rows(rows, depth, weights, binary=output_mode == "multi_hot")
    return counts.astype(dtype, copy=False).reshape(*indices.shape[:-1], depth)


def _one_hot(indices, depth, dtype):
    out = np.zeros((*indices.shape, depth), dtype)
    valid = (indices >= 0) & (indices < depth)
    flat = out.reshape(-1, depth)
    positions = np.flatnonzero(valid.reshape(-1))
    flat[positions, indices.reshape(-1)[positions]] = 1
    return out


def _bincount_rows(rows, depth, weights, binary):
    """Per-row counts (or weight sums) of the values in `[0, depth)`, as a (rows, depth) array."""
    valid = (rows >= 0) & (rows < depth)
    row_index = np.broadcast_to(np.arange(len(rows))[:, None], rows.shape)[valid]
    flat = row_index * depth + rows[valid].astype(np.int64)
    size = len(rows) * depth
    if binary:
        out = np.zeros(size, np.float64)
        out[flat] = 1
    else:
        out = np.bincount(flat, None if weights is None else weights[valid], minlength=size)
    return out.reshape(len(rows), depth)
