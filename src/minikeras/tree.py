"""`keras.tree`: nested structures of lists, tuples and dicts, walked in Keras' order.

A structure's leaves are everything that is not a list, a tuple (named tuples included) or a
dict; dicts are walked in sorted key order, as Keras (and `optree`) walk them. `None` is a leaf.
"""

_SEQUENCES = (list, tuple)


def is_nested(structure):
    return isinstance(structure, (list, tuple, dict))


def flatten(structure):
    """The leaves of `structure`, in order."""
    if not is_nested(structure):
        return [structure]
    leaves = []
    _flatten_into(structure, leaves)
    return leaves


def _flatten_into(structure, leaves):
    if isinstance(structure, dict):
        for key in sorted(structure):
            _flatten_into(structure[key], leaves)
    elif isinstance(structure, _SEQUENCES):
        for item in structure:
            _flatten_into(item, leaves)
    else:
        leaves.append(structure)


def pack_sequence_as(structure, flat_sequence):
    """`flat_sequence` put back into the shape of `structure`."""
    flat_sequence = list(flat_sequence)
    packed, used = _pack(structure, flat_sequence, 0)
    if used != len(flat_sequence):
        raise ValueError(
            f"The target structure has {used} leaves, but the flat sequence has "
            f"{len(flat_sequence)}."
        )
    return packed


def _pack(structure, flat, start):
    if isinstance(structure, dict):
        packed = {}
        for key in sorted(structure):
            packed[key], start = _pack(structure[key], flat, start)
        return {key: packed[key] for key in structure}, start
    if isinstance(structure, _SEQUENCES):
        items = []
        for item in structure:
            value, start = _pack(item, flat, start)
            items.append(value)
        if isinstance(structure, list):
            return items, start
        if hasattr(structure, "_fields"):  # a named tuple
            return type(structure)(*items), start
        return tuple(items), start
    if start >= len(flat):
        raise ValueError("The flat sequence has fewer leaves than the target structure.")
    return flat[start], start + 1


def map_structure(func, *structures):
    """`func` applied leaf by leaf to structures of the same shape."""
    if not structures:
        raise ValueError("Must provide at least one structure")
    if len(structures) == 1 and not is_nested(structures[0]):
        return func(structures[0])  # one leaf (the common case in the hot paths): no walk
    flats = [flatten(s) for s in structures]
    if len({len(f) for f in flats}) > 1:
        raise ValueError(f"The structures do not have the same number of leaves: {structures}")
    return pack_sequence_as(structures[0], [func(*leaves) for leaves in zip(*flats)])
