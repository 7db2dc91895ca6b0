"""Keras 3's dtype promotion (`keras.backend.result_type`): the least upper bound of the dtypes
on JAX's promotion lattice, where Python's `int` and `float` are *weak* types that give way to
any array dtype of their kind.

The lattice's edges say which dtype each one promotes to next; a dtype's upper bounds are all
the dtypes its edges reach. The result for several dtypes is the one common upper bound every
other common upper bound lies above. A weak result takes the width of `floatx` (int32 and
float32 under float32), and as in Keras 3 on TensorFlow, uint64 and complex128 narrow to
uint32 and complex64 at the end.
"""

import functools

_WEAK_INT, _WEAK_FLOAT = "int", "float"

_EDGES = {
    "bool": [_WEAK_INT],
    _WEAK_INT: ["uint8", "int8", "complex64"],
    "uint8": ["uint16", "int16"],
    "uint16": ["uint32", "int32"],
    "uint32": ["uint64", "int64"],
    "uint64": [_WEAK_FLOAT],
    "int8": ["int16"],
    "int16": ["int32"],
    "int32": ["int64"],
    "int64": [_WEAK_FLOAT],
    _WEAK_FLOAT: ["bfloat16", "float16"],
    "bfloat16": ["float32"],
    "float16": ["float32"],
    "float32": ["float64", "complex64"],
    "float64": ["complex128"],
    "complex64": ["complex128"],
    "complex128": [],
}


def _reach(dtype):
    reached, frontier = {dtype}, [dtype]
    while frontier:
        for above in _EDGES[frontier.pop()]:
            if above not in reached:
                reached.add(above)
                frontier.append(above)
    return frozenset(reached)


# What Keras 3 on TensorFlow narrows at the end (it keeps int64 and float64).
_NARROWED = {"uint64": "uint32", "complex128": "complex64"}

_UPPER_BOUNDS = {dtype: _reach(dtype) for dtype in _EDGES}


@functools.lru_cache(maxsize=512)
def least_upper_bound(*dtypes):
    """The lattice's least upper bound of `dtypes` (names, weak ones among them)."""
    unknown = [d for d in dtypes if d not in _UPPER_BOUNDS]
    if unknown:
        raise ValueError(f"dtype={unknown[0]!r} is not a valid dtype for Keras type promotion.")
    common = frozenset.intersection(*(_UPPER_BOUNDS[d] for d in dtypes))
    least = [c for c in common if common <= _UPPER_BOUNDS[c]]
    return least[0]  # every pair of nodes of this lattice has one


def _weak_kind(dtype):
    """The weak type standing for a Python number of `dtype`'s kind."""
    return _WEAK_FLOAT if "float" in dtype else _WEAK_INT


def _with_width(weak, bits):
    """A weak result (`"int"`, `"float"`, or the dtype of Python numbers alone) made concrete
    at `floatx`'s width."""
    return f"{_weak_kind(weak)}{bits}"


def result_type(dtypes, weak, floatx):
    """Keras' dtype of combining `dtypes` (standardized names); `weak[i]` says whether
    `dtypes[i]` stands for a Python `int` or `float`."""
    if len(dtypes) == 1:
        result, result_is_weak = dtypes[0], weak[0]
    elif len(set(dtypes)) == 1 and not all(weak):
        result, result_is_weak = dtypes[0], False
    elif all(weak):
        result, result_is_weak = least_upper_bound(*sorted(set(dtypes))), True
    else:
        result = least_upper_bound(*sorted({_weak_kind(d) if w else d
                                            for d, w in zip(dtypes, weak)}))
        result_is_weak = result in (_WEAK_INT, _WEAK_FLOAT)
    if result_is_weak and result != "bool":
        result = _with_width(result, floatx[-2:])
    return _NARROWED.get(result, result)
