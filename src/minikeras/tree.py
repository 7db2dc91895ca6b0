"""`keras.tree`: nested structures of lists, tuples and dicts, walked in Keras' order.

A structure's leaves are everything that is not a list, a tuple (named tuples included) or a
dict; dicts are walked in sorted key order, as Keras (and `optree`) walk them, except an
`OrderedDict`, walked in its own order. `None` is a leaf.
"""

import collections
import warnings

_SEQUENCES = (list, tuple)


class MAP_TO_NONE:
    """What a `traverse` function returns to replace a sub-structure with `None` (a `None`
    return means "keep going" instead)."""


def is_nested(structure):
    return isinstance(structure, (list, tuple, dict))


def _keys(mapping):
    return list(mapping) if isinstance(mapping, collections.OrderedDict) else sorted(mapping)


def _children(structure):
    """The (path key, child) pairs of a nested `structure`, in walking order."""
    if isinstance(structure, dict):
        return [(key, structure[key]) for key in _keys(structure)]
    return list(enumerate(structure))


def _rebuild(structure, children):
    """A node of `structure`'s kind holding `children` (given in walking order)."""
    if isinstance(structure, dict):
        by_key = dict(zip(_keys(structure), children))
        return type(structure)((key, by_key[key]) for key in structure) \
            if isinstance(structure, collections.OrderedDict) \
            else {key: by_key[key] for key in structure}
    if isinstance(structure, list):
        return list(children)
    if hasattr(structure, "_fields"):  # a named tuple
        return type(structure)(*children)
    return tuple(children)


def flatten(structure):
    """The leaves of `structure`, in order."""
    if not is_nested(structure):
        return [structure]
    leaves = []
    _flatten_into(structure, leaves)
    return leaves


def _flatten_into(structure, leaves):
    if isinstance(structure, dict):
        for key in _keys(structure):
            _flatten_into(structure[key], leaves)
    elif isinstance(structure, _SEQUENCES):
        for item in structure:
            _flatten_into(item, leaves)
    else:
        leaves.append(structure)


def flatten_with_path(structure):
    """The `(path, leaf)` pairs of `structure`, in order: a path is the tuple of the indices and
    keys that lead from the top to the leaf."""
    pairs = []

    def walk(node, path):
        if is_nested(node):
            for key, child in _children(node):
                walk(child, path + (key,))
        else:
            pairs.append((path, node))

    walk(structure, ())
    return pairs


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
    if is_nested(structure):
        children = []
        for _, child in _children(structure):
            value, start = _pack(child, flat, start)
            children.append(value)
        return _rebuild(structure, children), start
    if start >= len(flat):
        raise ValueError("The flat sequence has fewer leaves than the target structure.")
    return flat[start], start + 1


def map_structure(func, *structures, none_is_leaf=True):
    """`func` applied leaf by leaf to structures of the same shape; with `none_is_leaf=False`
    a `None` leaf of the first structure stays `None`, `func` not called on it."""
    if not structures:
        raise ValueError("Must provide at least one structure")
    if len(structures) == 1 and not is_nested(structures[0]):
        # one leaf (the common case in the hot paths): no walk
        if structures[0] is None and not none_is_leaf:
            return None
        return func(structures[0])
    flats = [flatten(s) for s in structures]
    if len({len(f) for f in flats}) > 1:
        raise ValueError(f"The structures do not have the same number of leaves: {structures}")
    results = [None if leaves[0] is None and not none_is_leaf else func(*leaves)
               for leaves in zip(*flats)]
    return pack_sequence_as(structures[0], results)


def map_structure_up_to(shallow_structure, func, *structures):
    """`func` applied to the sub-structures of `structures` found at the leaves of
    `shallow_structure` (what lies deeper is handed to `func` whole); the result has
    `shallow_structure`'s shape."""
    if not structures:
        raise ValueError("Must provide at least one structure")

    def walk(shallow, nodes):
        if not is_nested(shallow):
            return func(*nodes)
        for node in nodes:
            _check_same_node(shallow, node)
        children = zip(*[[child for _, child in _children(n)] for n in (shallow,) + nodes])
        return _rebuild(shallow, [walk(s, tuple(rest)) for s, *rest in children])

    return walk(shallow_structure, tuple(structures))


def _check_same_node(a, b):
    """Raise ValueError unless `b` is a node of `a`'s kind with `a`'s keys or length."""
    if type(a) is not type(b) and not (isinstance(a, dict) and isinstance(b, dict)):
        raise ValueError(f"Expected an instance of {type(a).__name__}, got {b!r}.")
    if isinstance(a, dict):
        if set(a) != set(b):
            missing, extra = sorted(set(a) - set(b), key=str), sorted(set(b) - set(a), key=str)
            raise ValueError(
                f"dictionary key mismatch; expected key(s): {_keys(a)}, got key(s): "
                f"{_keys(b)}, missing key(s): {missing}, extra key(s): {extra}; dict: {b!r}."
            )
    elif len(a) != len(b):
        raise ValueError(
            f"{type(a).__name__} arity mismatch; expected: {len(a)}, got: {len(b)}; "
            f"{type(a).__name__}: {b!r}."
        )


def assert_same_structure(a, b, check_types=None):
    """Raise ValueError unless `a` and `b` are nested the same way: the same kinds of node
    (a list is not a tuple, two named tuple classes differ) with the same keys and lengths."""
    if check_types is not None:
        warnings.warn(
            "The `check_types` argument is deprecated and no longer has any effect"
            + (", please remove." if check_types else
               ". For a looser check, use `keras.tree.assert_same_paths()`, which considers "
               "`list`, `tuple`, `namedtuple` and `deque` as matching"),
            DeprecationWarning, stacklevel=2,
        )

    def walk(x, y):
        if not is_nested(x):
            if is_nested(y):
                raise ValueError("Structures don't have the same nested structure.")
            return
        _check_same_node(x, y)
        for (_, cx), (_, cy) in zip(_children(x), _children(y)):
            walk(cx, cy)

    walk(a, b)


def assert_same_paths(a, b):
    """Raise ValueError unless `a` and `b` have the same leaf paths, whatever their kinds of
    node (a list and a tuple of two leaves match)."""
    a_paths = {path for path, _ in flatten_with_path(a)}
    b_paths = {path for path, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        message = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            message += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            message += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(message)


def traverse(func, structure, top_down=True):
    """Walk `structure` depth first, calling `func` on every sub-structure and leaf.

    Top down, a non-None result replaces the sub-structure and stops the walk into it; bottom
    up, `func` sees each sub-structure already rebuilt from its walked children, and a non-None
    result replaces it. `MAP_TO_NONE` as a result stands for `None`."""

    def children_walked(node):
        if not is_nested(node):
            return node
        return _rebuild(node, [traverse(func, child, top_down) for _, child in _children(node)])

    if top_down:
        result = func(structure)
        if result is None:
            return children_walked(structure)
    else:
        walked = children_walked(structure)
        result = func(walked)
        if result is None:
            return walked
    return None if result is MAP_TO_NONE else result


def lists_to_tuples(structure):
    """`structure` with every list made a tuple."""
    return traverse(lambda node: tuple(node) if isinstance(node, list) else None, structure,
                    top_down=False)


def _is_shape(value):
    return isinstance(value, _SEQUENCES) and all(
        isinstance(d, (int, type(None))) for d in value)


def map_shape_structure(func, structure):
    """`map_structure` for structures of shapes: a list or tuple of ints and Nones is a leaf."""
    if _is_shape(structure) or not is_nested(structure):
        return func(structure)
    return _rebuild(structure, [map_shape_structure(func, child)
                                for _, child in _children(structure)])
