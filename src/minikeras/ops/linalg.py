"""`keras.ops.linalg`: norms, inverses, determinants, solves and decompositions of matrices
(of the last two axes, stacked over the leading ones). `inv`, `det`, `solve`,
`solve_triangular` and `cholesky` are differentiable on the tape; the decompositions give
values only."""

import builtins

import numpy as np

from minikeras.autodiff import apply
from minikeras.ops._dtypes import _promote, _value
from minikeras.ops._public import publish
from minikeras.ops.core import cast
from minikeras.ops.numpy import (
    abs, matmul, max, min, not_equal, reshape, sqrt, square, squeeze, sum, swapaxes, tril, triu,
)


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector norm of `x` over one axis, or matrix norm over two (`numpy.linalg.norm`'s `ord`s;
    the spectral and nuclear norms, `ord` 2, -2 and "nuc" over two axes, carry no gradient)."""
    (x,) = _promote(x, floating=True)
    if axis is None:
        if ord is None:
            result = sqrt(sum(square(x)))
            return reshape(result, (1,) * x.ndim) if keepdims else result
        axis = tuple(range(x.ndim))
    axes = tuple(a % x.ndim for a in np.atleast_1d(axis))
    if len(axes) > 2:
        raise ValueError("Improper number of dimensions to norm.")
    if len(axes) == 1:
        result = _vector_norm(x, ord, axes[0])
    elif ord in (None, "fro"):
        result = sqrt(sum(square(x), axis=axes, keepdims=True))
    elif ord in (1, -1, np.inf, -np.inf):
        summed, pick = (axes[0], axes[1]) if builtins.abs(ord) == 1 else (axes[1], axes[0])
        extreme = max if ord > 0 else min
        result = extreme(sum(abs(x), axis=summed, keepdims=True), axis=pick, keepdims=True)
    else:
        result = np.linalg.norm(_value(x), ord=ord, axis=axes, keepdims=True).astype(x.dtype)
    return result if keepdims else squeeze(result, axis=axes)


def _vector_norm(x, ord, axis):
    if ord is None or ord == 2:
        return sqrt(sum(square(x), axis=axis, keepdims=True))
    if ord == 0:
        return sum(cast(not_equal(x, 0), x.dtype), axis=axis, keepdims=True)
    if ord in (np.inf, -np.inf):
        return (max if ord > 0 else min)(abs(x), axis=axis, keepdims=True)
    return sum(abs(x) ** ord, axis=axis, keepdims=True) ** (1.0 / ord)


def _matrices(*xs):
    """The inputs promoted to one float dtype (linear algebra is on reals)."""
    return _promote(*xs, floating=True)


def inv(x):
    """The inverse of the square matrix (or stack of matrices) `x`."""
    return apply("inv", *_matrices(x))


def det(x):
    """The determinant of the square matrix (or stack of matrices) `x`."""
    return apply("det", *_matrices(x))


def solve(a, b):
    """The `x` of `a @ x = b` for square `a` (and `b` a vector or a matrix)."""
    return apply("solve", *_matrices(a, b))


def solve_triangular(a, b, lower=False):
    """`solve(a, b)` reading only the lower (`lower`) or upper triangle of `a`."""
    a, b = _matrices(a, b)
    return solve(tril(a) if lower else triu(a), b)


def cholesky(x, upper=False):
    """The Cholesky factor of the symmetric positive definite `x`: lower `L` with `L L^T = x`
    (its transpose if `upper`); the gradient is the symmetric one."""
    return apply("cholesky", *_matrices(x), upper=upper)


def cholesky_inverse(x, upper=False):
    """The inverse of the matrix whose Cholesky factor is `x` (lower, or upper if `upper`)."""
    (x,) = _matrices(x)
    factor_inverse = inv(x)
    transposed = swapaxes(factor_inverse, -1, -2)
    return matmul(factor_inverse, transposed) if upper else matmul(transposed, factor_inverse)


def pinv(x, rcond=None):
    """The Moore-Penrose pseudo-inverse of `x` (singular values below `rcond` times the
    largest dropped); no gradient."""
    (x,) = _matrices(x)
    extra = {} if rcond is None else {"rcond": rcond}
    return np.linalg.pinv(_value(x), **extra).astype(x.dtype)


def matrix_rank(x, tol=None):
    """The rank of the matrix `x`: its singular values above `tol` (numpy's default), as
    int32."""
    (x,) = _matrices(x)
    return np.asarray(np.linalg.matrix_rank(_value(x), tol=tol)).astype("int32")


def jvp(fun, primals, tangents, has_aux=False):
    """`(fun(*primals), J t)`: `fun`'s value and its Jacobian at `primals` times `tangents`
    (and `fun`'s auxiliary output with `has_aux`, `fun` then returning `(output, aux)`).
    minikeras differentiates in reverse: the product is gathered from one backward sweep per
    output element, so it suits small outputs."""
    from minikeras import autodiff

    aux = []

    def output_of(*args):
        result = fun(*args)
        if has_aux:
            result, extra = result
            aux.append(extra)
        return result

    value, pullback = autodiff.vjp(output_of, *primals)
    tangents = [np.asarray(_value(t)) for t in tangents]
    product = np.zeros(value.shape, value.dtype)
    for position in np.ndindex(*value.shape):
        seed = np.zeros(value.shape, value.dtype)
        seed[position] = 1
        product[position] = builtins.sum(
            np.sum(row * tangent) for row, tangent in zip(pullback(seed), tangents))
    return (value, product, aux[0]) if has_aux else (value, product)


def eig(x):
    """`(eigenvalues, eigenvectors)` of the square matrix `x` (complex in general); no
    gradient."""
    values, vectors = np.linalg.eig(_value(_matrices(x)[0]))
    return values, vectors


def eigh(x):
    """`(eigenvalues, eigenvectors)` of the symmetric matrix `x`, values ascending; no
    gradient."""
    values, vectors = np.linalg.eigh(_value(_matrices(x)[0]))
    return values, vectors


def qr(x, mode="reduced"):
    """`(q, r)` of `x = q @ r`, `q` orthonormal and `r` upper triangular; no gradient."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f"`mode` argument value not supported. Expected one of "
                         f"{{'reduced', 'complete'}}. Received: mode={mode}")
    q, r = np.linalg.qr(_value(_matrices(x)[0]), mode=mode)
    return q, r


def svd(x, full_matrices=True, compute_uv=True):
    """`(u, s, v^H)` of `x = u @ diag(s) @ v^H` (only `s` without `compute_uv`); no gradient."""
    result = np.linalg.svd(_value(_matrices(x)[0]), full_matrices=full_matrices,
                           compute_uv=compute_uv)
    return tuple(result) if compute_uv else result


def lu_factor(x):
    """`(lu, pivots)` of `x`'s LU factorization with partial pivoting, as
    `scipy.linalg.lu_factor` gives them: `lu` holds L (below its unit diagonal) and U, and row
    `i` was exchanged with row `pivots[i]`; no gradient."""
    lu = np.array(_value(_matrices(x)[0]))
    if lu.ndim > 2:
        pairs = [lu_factor(m) for m in lu.reshape((-1,) + lu.shape[-2:])]
        return (np.stack([p[0] for p in pairs]).reshape(lu.shape),
                np.stack([p[1] for p in pairs]).reshape(lu.shape[:-2] + (-1,)))
    rows, cols = lu.shape
    pivots = np.zeros(builtins.min(rows, cols), "int32")
    for k in range(pivots.size):
        pivot = k + int(np.argmax(np.abs(lu[k:, k])))
        pivots[k] = pivot
        if pivot != k:
            lu[[k, pivot]] = lu[[pivot, k]]
        if lu[k, k] != 0:
            lu[k + 1:, k] /= lu[k, k]
            lu[k + 1:, k + 1:] -= np.outer(lu[k + 1:, k], lu[k, k + 1:])
    return lu, pivots


def lstsq(a, b, rcond=None):
    """The least-squares `x` minimizing `|a @ x - b|`; no gradient."""
    a, b = _matrices(a, b)
    return np.linalg.lstsq(_value(a), _value(b), rcond=rcond)[0]


__all__ = publish(globals())
