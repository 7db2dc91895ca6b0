"""`pad_sequences`: ragged lists of sequences to one rectangular array, as Keras pads them."""

import numpy as np

_SIDES = ("pre", "post")


def _check_side(argument, side):
    if side not in _SIDES:
        # Keras' wording: 'Padding type "middle" not understood'.
        raise ValueError(f'{argument.capitalize()} type "{side}" not understood')


def _lengths_and_sample_shape(sequences):
    """Each sequence's length, and the shape of one step (taken from the first non-empty one)."""
    lengths, sample_shape = [], None
    for sequence in sequences:
        try:
            lengths.append(len(sequence))
        except TypeError as error:
            raise ValueError(
                f"`sequences` must be a list of iterables. Found non-iterable: {sequence}"
            ) from error
        if sample_shape is None and len(sequence):
            sample_shape = np.asarray(sequence).shape[1:]
    return lengths, sample_shape or ()


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pad (or cut) every sequence to `maxlen` steps, into one array.

    Args:
        sequences: a list of sequences (lists or arrays of numbers, or of strings with
            `dtype=object` or a string dtype).
        maxlen: the length of every output row; by default the longest sequence's.
        dtype: the output dtype (`"int32"` by default: float sequences are truncated toward
            zero unless a float dtype is given).
        padding: `"pre"` (default) pads at the start, `"post"` at the end.
        truncating: `"pre"` (default) drops a long sequence's first steps, `"post"` its last.
        value: the padding value (a string needs `dtype=object` or a string dtype).

    Returns:
        An array of shape `(len(sequences), maxlen, *step_shape)`.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    _check_side("padding", padding)
    _check_side("truncating", truncating)
    lengths, sample_shape = _lengths_and_sample_shape(sequences)
    if maxlen is None:
        maxlen = max(lengths, default=0)
    is_string_dtype = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_string_dtype:
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
            "You should set `dtype=object` for variable length strings."
        )
    padded = np.full((len(sequences), maxlen, *sample_shape), value, dtype=dtype)
    if maxlen == 0:
        return padded
    for row, sequence in enumerate(sequences):
        if not len(sequence):
            continue
        kept = np.asarray(sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen],
                          dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(
                f"Shape of sample {kept.shape[1:]} of sequence at position {row} is different "
                f"from expected shape {sample_shape}"
            )
        if padding == "post":
            padded[row, :len(kept)] = kept
        else:
            padded[row, maxlen - len(kept):] = kept
    return padded
