"""optimizers/subnormal.py: a decaying slot's `*= factor` without the subnormal multiply, bit for
bit the float32 product."""

import numpy as np
import pytest

from minikeras.optimizers import subnormal

F, U = np.float32, np.uint32
TINY = np.finfo(F).tiny


def values(subnormal_fraction, seed=0, size=5000):
    rng = np.random.default_rng(seed)
    tiny = rng.integers(0, 1 << 23, size).astype(U).view(F)
    normal = (rng.standard_normal(size) * 10.0 ** rng.integers(-40, 5, size)).astype(F)
    array = np.where(rng.random(size) < subnormal_fraction, tiny, normal).astype(F)
    array[:50] = -array[:50]
    array[50:60] = [0.0, -0.0, TINY, -TINY, np.inf, -np.inf, np.nan, F(1.2e-38), 1.0, -1.0]
    array[60:64] = (np.array([1, 2, 3, 4], U)).view(F)  # the smallest subnormals
    return array


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.3, 0.7, 1.0])
@pytest.mark.parametrize("factor", [0.9, 0.5, 0.0, 1.0, 0.999, 1e-30, 0.1, 2.0, -0.5, np.nan])
def test_scaling_gives_the_float32_product_bit_for_bit(fraction, factor):
    for seed in range(3):
        mine, numpys = values(fraction, seed), values(fraction, seed)
        with np.errstate(all="ignore"):
            numpys *= F(factor)
            subnormal.scale(mine, F(factor), {})
        np.testing.assert_array_equal(mine.view(U), numpys.view(U))


def test_an_array_found_without_subnormals_is_looked_at_again_every_recheck_calls(monkeypatch):
    looks = []
    less = np.less
    monkeypatch.setattr(subnormal.np, "less", lambda *a, **k: (looks.append(1), less(*a, **k))[1])
    checks, array = {}, np.ones(100, F)
    for _ in range(2 * subnormal.RECHECK):
        subnormal.scale(array, F(0.5), checks)
    assert len(looks) == 2
    array[:] = (np.arange(100, dtype=U) * 40_000 + 1).view(F)  # all subnormal
    expected = array.copy()
    for _ in range(subnormal.RECHECK):  # found at the next look, then looked at every call
        subnormal.scale(array, F(0.5), checks)
        with np.errstate(all="ignore"):
            expected *= F(0.5)
    np.testing.assert_array_equal(array.view(U), expected.view(U))
    assert np.count_nonzero(array) > 90
    assert len(looks) == 2 + subnormal.RECHECK


def test_other_dtypes_and_strided_arrays_are_multiplied_as_they_are():
    for array in (values(0.5).astype(np.float64), values(0.5)[::2]):
        expected = array * array.dtype.type(0.9)
        subnormal.scale(array, array.dtype.type(0.9), {})
        np.testing.assert_array_equal(array, expected)
