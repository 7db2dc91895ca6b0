"""The string hashes TensorFlow buckets with, in pure Python, so bins match Keras' exactly.

`fingerprint64` is FarmHash's `Fingerprint64` (farmhashna's 64-bit hash), behind
`tf.strings.to_hash_bucket_fast`; `siphash` is SipHash-2-4, behind
`tf.strings.to_hash_bucket_strong` (a salted `Hashing`). Both are checked against TensorFlow
(`compat/make_preprocessing_layers.py`). A hash is computed once per distinct string of a call.
"""

import struct

import numpy as np

_MASK = (1 << 64) - 1
_K0 = 0xC3A5C85C97CB3127
_K1 = 0xB492B66FBE98F273
_K2 = 0x9AE16A3B2F90404F


def _fetch64(data, at):
    return struct.unpack_from("<Q", data, at)[0]


def _fetch32(data, at):
    return struct.unpack_from("<I", data, at)[0]


def _rotate(value, shift):
    return ((value >> shift) | (value << (64 - shift))) & _MASK


def _shift_mix(value):
    return value ^ (value >> 47)


def _hash_len16(u, v, mul):
    a = ((u ^ v) * mul) & _MASK
    a ^= a >> 47
    b = ((v ^ a) * mul) & _MASK
    b ^= b >> 47
    return (b * mul) & _MASK


def _hash_len0to16(data, length):
    if length >= 8:
        mul = _K2 + length * 2
        a = (_fetch64(data, 0) + _K2) & _MASK
        b = _fetch64(data, length - 8)
        c = (_rotate(b, 37) * mul + a) & _MASK
        d = ((_rotate(a, 25) + b) * mul) & _MASK
        return _hash_len16(c, d, mul)
    if length >= 4:
        mul = _K2 + length * 2
        a = _fetch32(data, 0)
        return _hash_len16(length + (a << 3), _fetch32(data, length - 4), mul)
    if length > 0:
        y = data[0] + (data[length >> 1] << 8)
        z = length + (data[length - 1] << 2)
        return (_shift_mix(((y * _K2) ^ (z * _K0)) & _MASK) * _K2) & _MASK
    return _K2


def _hash_len17to32(data, length):
    mul = _K2 + length * 2
    a = (_fetch64(data, 0) * _K1) & _MASK
    b = _fetch64(data, 8)
    c = (_fetch64(data, length - 8) * mul) & _MASK
    d = (_fetch64(data, length - 16) * _K2) & _MASK
    return _hash_len16(
        (_rotate((a + b) & _MASK, 43) + _rotate(c, 30) + d) & _MASK,
        (a + _rotate((b + _K2) & _MASK, 18) + c) & _MASK,
        mul,
    )


def _hash_len33to64(data, length):
    mul = _K2 + length * 2
    a = (_fetch64(data, 0) * _K2) & _MASK
    b = _fetch64(data, 8)
    c = (_fetch64(data, length - 8) * mul) & _MASK
    d = (_fetch64(data, length - 16) * _K2) & _MASK
    y = (_rotate((a + b) & _MASK, 43) + _rotate(c, 30) + d) & _MASK
    z = _hash_len16(y, (a + _rotate((b + _K2) & _MASK, 18) + c) & _MASK, mul)
    e = (_fetch64(data, 16) * mul) & _MASK
    f = _fetch64(data, 24)
    g = ((y + _fetch64(data, length - 32)) * mul) & _MASK
    h = ((z + _fetch64(data, length - 24)) * mul) & _MASK
    return _hash_len16(
        (_rotate((e + f) & _MASK, 43) + _rotate(g, 30) + h) & _MASK,
        (e + _rotate((f + a) & _MASK, 18) + g) & _MASK,
        mul,
    )


def _weak_hash_len32_with_seeds(data, at, a, b):
    w, x = _fetch64(data, at), _fetch64(data, at + 8)
    y, z = _fetch64(data, at + 16), _fetch64(data, at + 24)
    a = (a + w) & _MASK
    b = _rotate((b + a + z) & _MASK, 21)
    c = a
    a = (a + x + y) & _MASK
    b = (b + _rotate(a, 44)) & _MASK
    return (a + z) & _MASK, (b + c) & _MASK


def fingerprint64(data):
    """FarmHash `Fingerprint64` of `data` (bytes), as an unsigned 64-bit int."""
    length = len(data)
    if length <= 16:
        return _hash_len0to16(data, length)
    if length <= 32:
        return _hash_len17to32(data, length)
    if length <= 64:
        return _hash_len33to64(data, length)
    return _hash_long(data, length)


def _hash_long(data, length):
    """Strings over 64 bytes: 64-byte blocks through a 56-byte state, then the last 64 bytes."""
    seed = 81
    x = seed
    y = (seed * _K1 + 113) & _MASK
    z = (_shift_mix((y * _K2 + 113) & _MASK) * _K2) & _MASK
    v0 = v1 = w0 = w1 = 0
    x = (x * _K2 + _fetch64(data, 0)) & _MASK
    end = ((length - 1) // 64) * 64
    last64 = end + ((length - 1) & 63) - 63
    at = 0
    while True:
        x = (_rotate((x + y + v0 + _fetch64(data, at + 8)) & _MASK, 37) * _K1) & _MASK
        y = (_rotate((y + v1 + _fetch64(data, at + 48)) & _MASK, 42) * _K1) & _MASK
        x ^= w1
        y = (y + v0 + _fetch64(data, at + 40)) & _MASK
        z = (_rotate((z + w0) & _MASK, 33) * _K1) & _MASK
        v0, v1 = _weak_hash_len32_with_seeds(data, at, (v1 * _K1) & _MASK, (x + w0) & _MASK)
        w0, w1 = _weak_hash_len32_with_seeds(
            data, at + 32, (z + w1) & _MASK, (y + _fetch64(data, at + 16)) & _MASK)
        z, x = x, z
        at += 64
        if at == end:
            break
    mul = _K1 + ((z & 0xFF) << 1)
    at = last64
    w0 = (w0 + ((length - 1) & 63)) & _MASK
    v0 = (v0 + w0) & _MASK
    w0 = (w0 + v0) & _MASK
    x = (_rotate((x + y + v0 + _fetch64(data, at + 8)) & _MASK, 37) * mul) & _MASK
    y = (_rotate((y + v1 + _fetch64(data, at + 48)) & _MASK, 42) * mul) & _MASK
    x ^= (w1 * 9) & _MASK
    y = (y + v0 * 9 + _fetch64(data, at + 40)) & _MASK
    z = (_rotate((z + w0) & _MASK, 33) * mul) & _MASK
    v0, v1 = _weak_hash_len32_with_seeds(data, at, (v1 * mul) & _MASK, (x + w0) & _MASK)
    w0, w1 = _weak_hash_len32_with_seeds(
        data, at + 32, (z + w1) & _MASK, (y + _fetch64(data, at + 16)) & _MASK)
    z, x = x, z
    return _hash_len16(
        (_hash_len16(v0, w0, mul) + _shift_mix(y) * _K0 + z) & _MASK,
        (_hash_len16(v1, w1, mul) + x) & _MASK,
        mul,
    )


def _sip_round(v0, v1, v2, v3):
    v0 = (v0 + v1) & _MASK
    v1 = _rotate(v1, 64 - 13) ^ v0
    v0 = _rotate(v0, 64 - 32)
    v2 = (v2 + v3) & _MASK
    v3 = _rotate(v3, 64 - 16) ^ v2
    v0 = (v0 + v3) & _MASK
    v3 = _rotate(v3, 64 - 21) ^ v0
    v2 = (v2 + v1) & _MASK
    v1 = _rotate(v1, 64 - 17) ^ v2
    v2 = _rotate(v2, 64 - 32)
    return v0, v1, v2, v3


def siphash(key, data):
    """SipHash-2-4 of `data` (bytes) under `key` (two unsigned 64-bit ints)."""
    k0, k1 = key[0] & _MASK, key[1] & _MASK
    v0, v1 = k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D
    v2, v3 = k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573
    length = len(data)
    tail = length - length % 8
    for at in range(0, tail, 8):
        m = _fetch64(data, at)
        v3 ^= m
        v0, v1, v2, v3 = _sip_round(*_sip_round(v0, v1, v2, v3))
        v0 ^= m
    last = int.from_bytes(data[tail:], "little") | ((length & 0xFF) << 56)
    v3 ^= last
    v0, v1, v2, v3 = _sip_round(*_sip_round(v0, v1, v2, v3))
    v0 ^= last
    v2 ^= 0xFF
    for _ in range(4):
        v0, v1, v2, v3 = _sip_round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


def as_strings(values):
    """`values` as TensorFlow strings them before hashing: text as is, integers in decimal
    (floats are truncated to integers first, as Keras casts them)."""
    values = np.asarray(values)
    if values.dtype.kind == "f":
        values = values.astype(np.int64)
    if values.dtype.kind in "iub":
        return values.astype(np.int64).astype(str)
    return values


def hash_buckets(values, num_buckets, key=None):
    """Each string of `values` hashed into `[0, num_buckets)` as TensorFlow buckets it:
    `Fingerprint64 % num_buckets`, or SipHash under `key` (a salt) when given."""
    values = as_strings(values)
    uniques, inverse = np.unique(values, return_inverse=True)
    buckets = np.fromiter(
        (_hash(value, key) % num_buckets for value in uniques.tolist()),
        dtype=np.int64, count=len(uniques),
    )
    return buckets[inverse].reshape(values.shape)


def _hash(value, key):
    data = value if isinstance(value, bytes) else str(value).encode("utf-8")
    return fingerprint64(data) if key is None else siphash(key, data)


def salt_key(salt, caller, expected):
    """A `salt` argument as the SipHash key Keras keeps: None, or a list of two integers."""
    if salt is None:
        return None
    if isinstance(salt, (tuple, list)) and len(salt) == 2:
        return list(salt)
    if isinstance(salt, int):
        return [salt, salt]
    raise ValueError(
        f"The `salt` argument for `{caller}` can only be {expected}, or a single integer. "
        f"Received: salt={salt}.")


# `tf.sparse.cross_hashed`'s key when none is given (TensorFlow's `_DEFAULT_HASH_KEY`).
CROSS_HASH_KEY = 0xDECAFCAFFE
_CAT_MUL = np.uint64(0xC6A4A7935BD1E995)
_SHIFT = np.uint64(47)


def _shift_mix_array(values):
    return values ^ (values >> _SHIFT)


def fingerprint_cat64(first, second):
    """TensorFlow's `FingerprintCat64` of two arrays of 64-bit fingerprints (uint64), element
    by element: numpy's uint64 products wrap modulo 2**64 as C++'s do."""
    result = first ^ _CAT_MUL
    result ^= _shift_mix_array(second * _CAT_MUL) * _CAT_MUL
    result *= _CAT_MUL
    return _shift_mix_array(_shift_mix_array(result) * _CAT_MUL)


def _cross_feature_hashes(column):
    """Each value of one crossed column as `cross_hashed` hashes it, as uint64: a string's
    Fingerprint64 (once per distinct string), an integer as itself (its two's complement
    bits)."""
    column = np.asarray(column)
    if column.dtype.kind in "iub":
        return column.astype(np.int64).view(np.uint64)
    uniques, inverse = np.unique(column, return_inverse=True)
    hashes = np.fromiter((_hash(value, None) for value in uniques.tolist()), dtype=np.uint64,
                         count=len(uniques))
    return hashes[inverse.reshape(-1)]


def cross_hashed(columns, num_buckets, hash_key=CROSS_HASH_KEY):
    """The crossing of equal-length 1-D `columns` (strings or integers) as
    `tf.sparse.cross_hashed` makes it from dense columns of one value per row: the key folded
    with each column's value hash in order by `fingerprint_cat64`, then `% num_buckets` (or
    `% (2**63 - 1)` when `num_buckets` is not positive), as int64."""
    combined = np.full(len(columns[0]), hash_key, np.uint64)
    for column in columns:
        combined = fingerprint_cat64(combined, _cross_feature_hashes(column))
    modulus = np.uint64(num_buckets if num_buckets > 0 else (1 << 63) - 1)
    return (combined % modulus).astype(np.int64)
