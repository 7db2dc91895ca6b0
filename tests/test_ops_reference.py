"""`minikeras.ops` against Keras 3 on TensorFlow (compat/data/ops.npz, recorded by
compat/make_ops.py; a few cases on JAX, ops_jax.npz): the values and dtypes of
tests/ops_cases.py."""

import builtins

import numpy as np
import pytest

import minikeras as keras
from conftest import COMPAT_DATA
from ops_cases import CASES, run_case

REFERENCE = np.load(COMPAT_DATA / "ops.npz")
# Where float results may differ from TensorFlow's by more than float32 rounding: linear
# algebra and FFTs (LAPACK's and pocketfft's order of operations, against TensorFlow's
# kernels), erfinv (Newton steps on minikeras' float32-accurate erf) and attention (its
# softmax).
LOOSE = ("inv", "det", "solve", "cholesky", "eigh", "qr", "svd", "lu_factor", "lstsq", "erfinv",
         "dot_product_attention", "fft", "fft2", "ifft2", "rfft", "irfft", "stft", "istft", "slogdet",
         "logdet", "cholesky_inverse", "pinv", "i0")


# Where Keras on TensorFlow departs from numpy or fails, the answer is Keras' on JAX
# (compat/data/ops_jax.npz): TensorFlow's vstack of vectors joins them into one vector, its
# rot90 by 180 degrees transposes, it has no vectorize, its adaptive pooling of channels-last
# inputs and its jvp of numpy arrays raise AttributeErrors, and its istft normalizes the
# window as if every sample had all its frames (the first and last samples differ; Keras on
# JAX and numpy divide by the frames each sample has, as scipy does).
ON_JAX = {"vstack", "rot90 k2", "vectorize", "vectorize signature", "adaptive_average_pool",
          "adaptive_max_pool", "adaptive_max_pool 3d", "jvp", "istft", "istft length no center",
          "istft hamming", "istft no window"}
JAX_REFERENCE = np.load(COMPAT_DATA / "ops_jax.npz")


def expected(name):
    reference = JAX_REFERENCE if name in ON_JAX else REFERENCE
    outputs = []
    while f"{name}/{len(outputs)}" in reference:
        outputs.append(reference[f"{name}/{len(outputs)}"])
    return outputs


@pytest.mark.parametrize("name", list(CASES))
def test_ops_match_keras(name):
    if f"{name}/error" in REFERENCE and name not in ON_JAX:  # Keras refuses these arguments: so does minikeras
        with pytest.raises(getattr(builtins, str(REFERENCE[f"{name}/error"]))):
            run_case(keras, name)
        return
    want = expected(name)
    got = run_case(keras, name)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        assert g.dtype == w.dtype, f"{g.dtype} != Keras' {w.dtype}"
        if w.dtype.kind in "fc":
            loose = name.split()[0] in LOOSE
            np.testing.assert_allclose(g, w, rtol=1e-4 if loose else 2e-6,
                                       atol=1e-5 if loose else 1e-6)
        else:
            np.testing.assert_array_equal(g, w)
