"""`scale(values, factor, checks)`: `values *= factor` in place, the same bits, where `values`
may hold float32 subnormals (magnitudes under 2^-126).

A slot that decays by a factor each step while its gradient stays 0 (an RMSprop velocity of a
weight whose unit never fires, or of an input that is always 0) sinks into the subnormal range
and stays there (4 x 2^-149 x 0.9 rounds back to itself). On x86 a float32 multiply taking a
subnormal operand is finished by a microcode assist: 64k of them take 250 us against 5 us.
TensorFlow and XLA run with flush-to-zero, where such a slot becomes 0; minikeras keeps IEEE
numbers, so it computes those lanes without the assist: a subnormal is `k x 2^-149`, `k` its
bits, and `k x factor` is exact in float64 (23 + 24 bits), so `rint(k x factor)` (ties to
even) is the product's bits, rounded once as the float32 multiply rounds it. The normal lanes
are multiplied with the subnormal ones zeroed first. For 64k mostly subnormal elements: about
150 us instead of 260.

Finding the subnormals costs more than the multiply they slow (an integer and, subtract and
compare), so each array (by identity, kept across steps) is looked at again only every
`RECHECK` calls while it was last found with few or none; in between it is multiplied as it
is.
"""

import numpy as np

RECHECK = 8
# The lanes are computed apart only where more than 1 in MOSTLY is subnormal: the assist is
# taken per 8-lane instruction, so a tenth of the lanes subnormal, spread out, already costs
# 150 of the 250 us, as much as computing them apart (which takes the same time for any
# number of them).
MOSTLY = 10
_U32 = np.uint32


def scale(values, factor, checks):
    """`values *= factor` for a contiguous float32 array and a float32 factor in [0, 1] (else
    numpy's multiply as it is); `checks` (a dict the caller keeps) remembers, by array, the
    calls left before its next look for subnormals."""
    key = id(values)
    left = checks.get(key, 0)
    if left or values.dtype != np.float32 or not 0 <= factor <= 1 \
            or not values.flags.c_contiguous:
        checks[key] = left - 1 if left else 0
        values *= factor
        return
    bits = values.reshape(-1).view(_U32)
    magnitude = np.bitwise_and(bits, _U32(0x7FFFFFFF))
    subnormal = np.less(np.subtract(magnitude, _U32(1)), _U32(0x007FFFFF))  # 0 wraps around
    if np.count_nonzero(subnormal) * MOSTLY < bits.size:
        checks[key] = RECHECK - 1
        values *= factor
        return
    lanes = np.negative(subnormal, dtype=_U32)  # all ones where subnormal
    exact = np.multiply(magnitude, np.float64(factor))
    rounded = np.rint(exact, out=exact).astype(_U32)
    rounded |= np.bitwise_and(bits, _U32(0x80000000))  # the sign: round half even is symmetric
    rounded &= lanes
    others = np.invert(lanes, out=lanes)
    bits &= others  # the subnormal lanes as +0 while the others are multiplied
    values *= factor
    bits &= others
    bits |= rounded
