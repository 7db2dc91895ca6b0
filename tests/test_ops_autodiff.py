"""`minikeras.ops` and the autodiff tape: every differentiable op against central finite
differences in float64, user-written losses / regularizers / layers against closed forms, and
the plain (untraced) ops against numpy and Keras 3's dtypes."""

import numpy as np
import pytest

from conftest import finite_difference
from minikeras import GradientTape, activations, autodiff, ops
from minikeras.core.tensor import Tensor
from minikeras.layers.base import Layer, Variable

rng = np.random.default_rng(0)


def normal(*shape):
    return rng.standard_normal(shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


def unit(*shape):  # inside (-1, 1), for arcsin, arccos, arctanh
    return rng.uniform(-0.9, 0.9, shape)


def nonzero(*shape):
    return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def probabilities(*shape):
    return rng.uniform(0.1, 0.9, shape)


# ----------------------------------------------------------------------------------------------
# Finite-difference checks: (name, fn, args); inputs stay away from kinks, ties and domain edges

DOMAIN = {
    "sqrt": positive, "rsqrt": positive, "reciprocal": nonzero, "log": positive, "log1p": positive,
    "log2": positive, "log10": positive, "arcsin": unit, "arccos": unit, "arctanh": unit,
}
UNARY = (
    "abs negative square sqrt rsqrt reciprocal exp expm1 log log1p log2 log10 sin cos tan arcsin "
    "arccos arctan sinh cosh tanh arcsinh arctanh sigmoid relu softplus erf relu6 leaky_relu elu "
    "selu silu swish gelu softsign hard_sigmoid hard_silu log_sigmoid"
).split()
BINARY = {  # name: (first input, second input), shapes (3, 1, 4) and (2, 4) broadcast together
    "add": (normal, normal), "subtract": (normal, normal), "multiply": (normal, normal),
    "divide": (normal, nonzero), "true_divide": (normal, nonzero), "power": (positive, normal),
    "mod": (normal, positive), "maximum": (normal, normal), "minimum": (normal, normal),
    "logaddexp": (normal, normal), "arctan2": (normal, nonzero),
}
REDUCTIONS = "sum mean max min amax amin prod logsumexp var std".split()


def reduction(name, axis, keepdims):
    return lambda x: getattr(ops, name)(x, axis=axis, keepdims=keepdims)


def norm(ord, axis):
    return lambda x: ops.norm(x, ord=ord, axis=axis)


P34, P32 = probabilities(3, 4), probabilities(3, 2)
CASES = (
    [(name, getattr(ops, name), [DOMAIN.get(name, normal)(3, 4)]) for name in UNARY]
    + [(name, getattr(ops, name), [a(3, 1, 4), b(2, 4)]) for name, (a, b) in BINARY.items()]
    + [
        (f"{name}-axis{axis}-keepdims{keepdims}", reduction(name, axis, keepdims),
         [normal(2, 3, 4)])
        for name in REDUCTIONS
        for axis in (None, 1, (0, 2), -1)
        for keepdims in (False, True)
    ]
    + [(f"norm-vector-ord{o}", norm(o, -1), [nonzero(2, 3)]) for o in (1, 2, 3, np.inf, -np.inf)]
    + [(f"norm-matrix-ord{o}", norm(o, (1, 2)), [nonzero(2, 3, 4)]) for o in ("fro", 1, -1, np.inf)]
    + [
        ("gelu-exact", lambda x: ops.gelu(x, approximate=False), [normal(3, 4)]),
        ("prod-with-a-zero", lambda x: ops.prod(x, axis=1), [normal(2, 3) * [1, 0, 1]]),
        ("max-initial", lambda x: ops.max(x, axis=0, initial=-0.5), [normal(3, 4)]),
        ("norm", ops.norm, [normal(2, 3, 4)]),
        ("norm-keepdims", lambda x: ops.norm(x, keepdims=True), [normal(2, 3)]),
        ("softmax", lambda x: ops.softmax(x), [normal(3, 4)]),
        ("softmax-axis0", lambda x: ops.softmax(x, axis=0), [normal(3, 4)]),
        ("log_softmax", lambda x: ops.log_softmax(x, axis=-1), [normal(3, 4)]),
        ("log_softmax-axis0", lambda x: ops.log_softmax(x, axis=0), [normal(3, 4)]),
        ("cumsum", lambda x: ops.cumsum(x), [normal(3, 4)]),
        ("cumsum-axis1", lambda x: ops.cumsum(x, axis=1), [normal(3, 4)]),
        ("clip", lambda x: ops.clip(x, -0.5, 0.5), [normal(3, 4)]),
        ("clip-array-bounds", ops.clip, [normal(3, 4), -positive(4), positive(3, 1)]),
        ("where", lambda c, a, b: ops.where(c > 0, a, b), [normal(3, 4), normal(4), normal(3, 1)]),
        ("matmul-2d", ops.matmul, [normal(3, 4), normal(4, 2)]),
        ("matmul-batched", ops.matmul, [normal(2, 1, 3, 4), normal(5, 4, 2)]),
        ("matmul-vector-left", ops.matmul, [normal(4), normal(2, 4, 3)]),
        ("matmul-vector-right", ops.matmul, [normal(2, 3, 4), normal(4)]),
        ("matmul-vectors", ops.matmul, [normal(4), normal(4)]),
        ("dot-3d", ops.dot, [normal(2, 3), normal(4, 3, 2)]),
        ("dot-scalar", ops.dot, [normal(), normal(3)]),
        ("tensordot", lambda a, b: ops.tensordot(a, b, axes=([1, 2], [1, 0])),
         [normal(2, 3, 4), normal(4, 3, 2)]),
        ("tensordot-int", lambda a, b: ops.tensordot(a, b, axes=1), [normal(2, 3), normal(3, 2)]),
        ("einsum", lambda a, b: ops.einsum("bij,bjk->bik", a, b),
         [normal(2, 3, 4), normal(2, 4, 2)]),
        ("einsum-reduce", lambda a, b: ops.einsum("ij,k->j", a, b), [normal(2, 3), normal(4)]),
        ("outer", ops.outer, [normal(3), normal(2, 2)]),
        ("diag-of-vector", lambda x: ops.diag(x, k=1), [normal(3)]),
        ("diag-of-matrix", lambda x: ops.diag(x, k=-1), [normal(3, 4)]),
        ("diagonal", lambda x: ops.diagonal(x, offset=1, axis1=1, axis2=2), [normal(2, 3, 4)]),
        ("trace", ops.trace, [normal(3, 3)]),
        ("reshape", lambda x: ops.reshape(x, (4, -1)), [normal(2, 3, 2)]),
        ("transpose", lambda x: ops.transpose(x, (2, 0, 1)), [normal(2, 3, 4)]),
        ("transpose-negative-axes", lambda x: ops.transpose(x, (-1, 0, 1)), [normal(2, 3, 4)]),
        ("transpose-default", ops.transpose, [normal(2, 3, 4)]),
        ("expand_dims", lambda x: ops.expand_dims(x, (0, -1)), [normal(2, 3)]),
        ("squeeze", lambda x: ops.squeeze(x, axis=1), [normal(2, 1, 3)]),
        ("ravel", ops.ravel, [normal(2, 3)]),
        ("broadcast_to", lambda x: ops.broadcast_to(x, (2, 3, 4)), [normal(3, 1)]),
        ("moveaxis", lambda x: ops.moveaxis(x, 0, -1), [normal(2, 3, 4)]),
        ("swapaxes", lambda x: ops.swapaxes(x, 0, 2), [normal(2, 3, 4)]),
        ("flip", lambda x: ops.flip(x, axis=1), [normal(2, 3)]),
        ("repeat", lambda x: ops.repeat(x, 2, axis=1), [normal(2, 3)]),
        ("repeat-flat", lambda x: ops.repeat(x, [1, 0, 2, 1]), [normal(2, 2)]),
        ("tile", lambda x: ops.tile(x, (2, 1, 3)), [normal(2, 3)]),
        ("split", lambda x: ops.split(x, [1], axis=1)[1] * 2 + ops.split(x, 3, axis=1)[0],
         [normal(2, 3)]),
        ("unstack", lambda x: ops.unstack(x, axis=1)[2] * ops.unstack(x)[0][:2], [normal(2, 3)]),
        ("concatenate", lambda a, b: ops.concatenate([a, b, a], axis=1),
         [normal(2, 3), normal(2, 1)]),
        ("stack", lambda a, b: ops.stack([a, b], axis=-1), [normal(2, 3), normal(2, 3)]),
        ("index-column", lambda x: x[:, 0], [normal(3, 4)]),
        ("index-slices", lambda x: x[1:, ::2], [normal(3, 4)]),
        ("index-repeated", lambda x: x[[0, 0, 2]], [normal(3, 4)]),
        ("index-mask", lambda x: x[x > 0], [normal(3, 4)]),
        ("index-newaxis-ellipsis", lambda x: x[..., None, 1], [normal(2, 3, 4)]),
        ("take", lambda x: ops.take(x, [2, 0, 2], axis=1), [normal(2, 3)]),
        ("take-flat", lambda x: ops.take(x, np.array([[5, 0], [5, -1]])), [normal(2, 3)]),
        ("take_along_axis", lambda x: ops.take_along_axis(x, np.array([[0], [2]]), axis=1),
         [normal(2, 3)]),
        ("sort", lambda x: ops.sort(x, axis=0), [normal(3, 4)]),
        ("top_k", lambda x: ops.top_k(x, 2)[0], [normal(3, 4)]),
        ("cast-same-dtype", lambda x: ops.cast(x, "float64") * 2, [normal(3)]),
        ("binary_crossentropy", ops.binary_crossentropy, [P32, P32[::-1]]),
        ("binary_crossentropy-logits", lambda t, o: ops.binary_crossentropy(t, o, from_logits=True),
         [P32, normal(3, 2)]),
        ("categorical_crossentropy", ops.categorical_crossentropy, [P34, P34[::-1]]),
        ("categorical_crossentropy-logits",
         lambda t, o: ops.categorical_crossentropy(t, o, from_logits=True), [P34, normal(3, 4)]),
        ("sparse_categorical_crossentropy",
         lambda o: ops.sparse_categorical_crossentropy([[2], [0], [1]], o, from_logits=True),
         [normal(3, 4)]),
        ("operators",
         lambda a, b: (-a + 2.0) * b - a / 3.0 + b**2 - 1.0 / b + abs(a) - 2**a + a % 1.5,
         [normal(3, 4), nonzero(3, 4)]),
        ("operators-ndarray-on-the-left", lambda a: np.full((3, 4), 2.0) * a + np.arange(4.0) - a,
         [normal(3, 4)]),
        ("operator-matmul", lambda a, b: a @ b + (a.T @ a)[0], [normal(3, 4), normal(4, 4)]),
        ("constants-carry-no-gradient",
         lambda a: a * ops.sign(a) + ops.floor(a) + ops.round(a) + ops.cast(a > 0, "float64")
         + ops.one_hot(ops.argmax(a, axis=-1), 4) + ops.where(a > 0, 1.0, 0.0),
         [normal(3, 4)]),
        ("variable-as-constant", lambda a: a * Variable(np.full(4, 3.0), name="v"), [normal(3, 4)]),
    ]
)


@ops.custom_gradient
def _log1pexp(x):  # Keras' documented example, JAX/TF-style grad
    e = ops.exp(x)

    def grad(upstream):
        return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1, e))

    return ops.log(1 + e), grad


@ops.custom_gradient
def _scaled_product(x, y):  # two arguments, the portable (*args, upstream=None) grad
    def grad(*args, upstream=None):
        if upstream is None:
            (upstream,) = args
        return upstream * y, upstream * x

    return x * y, grad


def _spd(a):
    """A symmetric positive definite matrix made of `a` (so that every entry matters)."""
    return ops.matmul(a, ops.swapaxes(a, -1, -2)) + 3.0 * np.eye(a.shape[-1])


NANS = np.array([[False, True, False, False], [True, True, False, False], [False] * 4])
SQUARE = normal(3, 3) + 3 * np.eye(3)
# The ops added with Keras' module map: composed of differentiable ops or with rules of their
# own (cbrt, exp2, erfinv, hypot, fmod, cumprod, pad, scatter_add, scatter_update, segment_max,
# inv, det, solve, cholesky).
MORE_CASES = [
    ("pad-constant", lambda x: ops.pad(x, ((1, 2), (0, 3)), constant_values=1.5), [normal(2, 3)]),
    ("pad-reflect", lambda x: ops.pad(x, ((2, 1), (1, 2)), mode="reflect"), [normal(3, 4)]),
    ("pad-symmetric", lambda x: ops.pad(x, 2, mode="symmetric"), [normal(3, 4)]),
    ("tril", lambda x: ops.tril(x, 1), [normal(3, 4)]),
    ("triu", lambda x: ops.triu(x, -1), [normal(2, 3, 4)]),
    ("roll", lambda x: ops.roll(x, (1, -2), (0, 1)), [normal(3, 4)]),
    ("roll-flat", lambda x: ops.roll(x, 5), [normal(3, 4)]),
    ("cumprod", lambda x: ops.cumprod(x, axis=1), [normal(3, 4)]),
    ("cumprod-with-a-zero", lambda x: ops.cumprod(x), [normal(2, 3) * [1, 0, 1]]),
    ("diff", lambda x: ops.diff(x, n=2, axis=0), [normal(4, 3)]),
    ("hstack-vstack-dstack", lambda a, b: ops.hstack([a, b])[:, 1:3] + ops.vstack([a, b])[1:3]
     + ops.dstack([a, b])[..., 1], [normal(2, 2), normal(2, 2)]),
    ("append", lambda a, b: ops.append(a, b), [normal(2, 2), normal(3)]),
    ("meshgrid", lambda a, b: ops.meshgrid(a, b)[0] * ops.meshgrid(a, b, indexing="ij")[1].T,
     [normal(3), normal(2)]),
    ("rot90", lambda x: ops.rot90(x) + ops.rot90(x, 3)[::-1, ::-1], [normal(3, 3)]),
    ("rot90-k2", lambda x: ops.rot90(x, 2, axes=(1, 2)), [normal(2, 3, 4)]),
    ("fliplr-flipud", lambda x: ops.fliplr(x) * ops.flipud(x), [normal(3, 4)]),
    ("nan_to_num", lambda x: ops.nan_to_num(ops.where(NANS, np.nan, x)), [normal(3, 4)]),
    ("median", lambda x: ops.median(x, axis=1), [normal(3, 5)]),
    ("quantile", lambda x: ops.quantile(x, [0.2, 0.7], axis=(0, 2), keepdims=True),
     [normal(2, 3, 4)]),
    ("percentile-midpoint", lambda x: ops.percentile(x, 30, method="midpoint"), [normal(3, 4)]),
    ("average-weights", lambda x, w: ops.average(x, axis=1, weights=w),
     [normal(3, 4), positive(4)]),
    ("cbrt", ops.cbrt, [nonzero(3, 4)]),
    ("exp2", ops.exp2, [normal(3, 4)]),
    ("hypot", ops.hypot, [nonzero(3, 1, 4), nonzero(2, 4)]),
    ("fmod", ops.fmod, [rng.uniform(0.1, 0.9, (3, 4)) * [1, -1, 3, -3], positive(4) + 1]),
    ("deg2rad-rad2deg", lambda x: ops.deg2rad(x) * ops.rad2deg(x), [normal(3)]),
    ("kron", ops.kron, [normal(2, 2), normal(3, 2)]),
    ("inner", ops.inner, [normal(2, 3), normal(4, 3)]),
    ("vdot", ops.vdot, [normal(2, 3), normal(3, 2)]),
    ("cross", ops.cross, [normal(4, 3), normal(4, 3)]),
    ("cross-2d", ops.cross, [normal(4, 2), normal(4, 3)]),
    ("select", lambda a, b: ops.select([a < 0, b > 0.5], [a * b, -b], 2.0),
     [normal(3, 4), normal(3, 4)]),
    ("trapezoid", lambda y, x: ops.trapezoid(y, x=x), [normal(3, 4), np.cumsum(positive(4))]),
    ("trapezoid-dx", lambda y: ops.trapezoid(y, dx=0.5, axis=0), [normal(3, 4)]),
    ("nan-reductions", lambda x: (
        ops.nansum(ops.where(NANS, np.nan, x), axis=1) + ops.nanmean(ops.where(NANS, np.nan, x))
        + ops.nanmax(ops.where(NANS, np.nan, x), axis=1) + ops.nanstd(ops.where(NANS, np.nan, x))
        + ops.nanprod(ops.where(NANS, np.nan, x), axis=1)
        + ops.nancumsum(ops.where(NANS, np.nan, x), axis=1)[:, -1]), [normal(3, 4)]),
    ("nan-quantiles", lambda x: ops.nanmedian(ops.where(NANS, np.nan, x), axis=1)
     + ops.nanquantile(ops.where(NANS, np.nan, x), 0.7, axis=1, method="midpoint")
     + ops.nanpercentile(ops.where(NANS, np.nan, x), 20), [normal(3, 4)]),
    ("fabs-arccosh", lambda x: ops.fabs(x) * ops.arccosh(abs(x) + 1.5), [nonzero(3, 4)]),
    ("fmax-fmin", lambda a, b: ops.fmax(ops.where(NANS, np.nan, a), b)
     + ops.fmin(a, ops.where(NANS, np.nan, b)), [normal(3, 4), normal(3, 4)]),
    ("logaddexp2", ops.logaddexp2, [normal(3, 4), normal(4)]),
    ("ldexp", lambda x: ops.ldexp(x, np.array([1, -2, 3])), [normal(2, 3)]),
    ("divide_no_nan", lambda a, b: ops.divide_no_nan(a, ops.where(NANS, 0.0, b)),
     [normal(3, 4), nonzero(3, 4)]),
    ("sinc", lambda x: ops.sinc(ops.where(NANS, 0.0, x)), [normal(3, 4)]),
    ("ptp", lambda x: ops.ptp(x, axis=0), [normal(3, 4)]),
    ("vander", lambda x: ops.vander(x, 4), [normal(3)]),
    ("corrcoef", ops.corrcoef, [normal(3, 5)]),
    ("correlate", lambda a, b: ops.correlate(a, b, mode="full") + ops.correlate(a, b, "same")[0],
     [normal(5), normal(3)]),
    ("slice", lambda x: ops.slice(x, (1, 1), (2, 2)), [normal(3, 4)]),
    ("slice_update", lambda x, u: ops.slice_update(x, (0, 1), u), [normal(3, 4), normal(2, 2)]),
    ("scatter", lambda v: ops.scatter(np.array([[0, 1], [2, 2], [0, 1]]), v, (3, 3)),
     [normal(3)]),
    ("scatter_update", lambda x, u: ops.scatter_update(x, np.array([[0], [2]]), u),
     [normal(3, 4), normal(2, 4)]),
    ("scatter_update-add", lambda x, u: ops.scatter_update(x, np.array([[0, 1], [0, 1]]), u,
                                                           reduction="add"),
     [normal(3, 4), normal(2)]),
    ("while_loop", lambda x: ops.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * x),
                                            (0, x))[1], [normal(3)]),
    ("fori_loop", lambda x: ops.fori_loop(0, 3, lambda i, v: ops.sin(v) * x, x), [normal(3)]),
    ("scan", lambda x, c: ops.scan(lambda carry, row: (carry * row, carry + row), c, x)[1],
     [normal(3, 4), normal(4)]),
    ("map", lambda x: ops.map(lambda row: ops.sum(row * row), x), [normal(3, 4)]),
    ("switch", lambda x: ops.switch(1, [ops.sin, ops.cos], x), [normal(3)]),
    ("get_item", lambda x: ops.get_item(x, (slice(1, None), 0)), [normal(3, 4)]),
    ("custom_gradient", _log1pexp, [normal(3, 4)]),
    ("custom_gradient-two-args", _scaled_product, [normal(3, 4), normal(4)]),
    ("celu", lambda x: ops.celu(x, alpha=0.7), [normal(3, 4)]),
    ("glu", lambda x: ops.glu(x, axis=0), [normal(4, 3)]),
    ("shrinks-and-clips", lambda x: ops.hard_tanh(2 * x) + ops.hard_shrink(x) + ops.soft_shrink(x)
     + ops.tanh_shrink(x) + ops.sparse_plus(2 * x) + ops.squareplus(x)
     + ops.threshold(x, 0.2, -1.0), [normal(3, 4)]),
    ("sparsemax", ops.sparsemax, [normal(3, 5)]),
    ("moments", lambda x: ops.moments(x, [0, 2])[0] * ops.moments(x, [0, 2])[1],
     [normal(2, 3, 4)]),
    ("batch_normalization", lambda x, m, v, o, s: ops.batch_normalization(
        x, m, v, axis=1, offset=o, scale=s), [normal(2, 3, 4), normal(3), positive(3), normal(3),
                                              normal(3)]),
    ("layer_normalization", lambda x, g, b: ops.layer_normalization(x, g, b, epsilon=1e-3),
     [normal(2, 3, 4), normal(4), normal(4)]),
    ("layer_normalization-axes", lambda x: ops.layer_normalization(x, axis=[1, 2]),
     [normal(2, 3, 4)]),
    ("rms_normalization", lambda x, s: ops.rms_normalization(x, s), [normal(2, 3), normal(3)]),
    ("normalize", lambda x: ops.normalize(x) + ops.normalize(x, axis=0, order=1),
     [nonzero(3, 4)]),
    ("psnr", lambda a, b: ops.psnr(a, b, 2.0), [normal(3, 4), normal(3, 4)]),
    ("dot_product_attention", lambda q, k, v: ops.dot_product_attention(
        q, k, v, mask=np.arange(5) < np.array([[[[3]]], [[[5]]]]), bias=np.ones((2, 2, 3, 5))),
     [normal(2, 3, 2, 4), normal(2, 5, 2, 4), normal(2, 5, 2, 4)]),
    ("dot_product_attention-causal", lambda q, k: ops.dot_product_attention(
        q, k, k, is_causal=True), [normal(1, 3, 1, 2), normal(1, 3, 1, 2)]),
    ("adaptive_pools", lambda x: ops.adaptive_average_pool(x, (2, 3))
     + ops.adaptive_max_pool(x, (2, 3)), [normal(2, 5, 4, 2)]),
    ("unfold", lambda x: ops.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=2),
     [normal(1, 2, 4, 5)]),
    ("fold", lambda x: ops.fold(x, (4, 5), 2, padding=1, stride=(1, 2)), [normal(1, 8, 15)]),
    ("ctc_loss", lambda x: ops.ctc_loss(np.array([[1, 1, 2], [2, 0, 0]]), x, np.array([3, 1]),
                                        np.array([5, 3])), [normal(2, 5, 3)]),
    ("segment_sum", lambda x: ops.segment_sum(x, np.array([0, 2, 0, -1]), num_segments=3),
     [normal(4, 2)]),
    ("segment_max", lambda x: ops.segment_max(x, np.array([1, 1, 0, 1]), num_segments=2),
     [normal(4, 2)]),
    ("erfinv", ops.erfinv, [unit(3, 4)]),
    ("extract_sequences", lambda x: ops.extract_sequences(x, 3, 2), [normal(2, 7)]),
    ("conv", lambda x, k: ops.conv(x, k, strides=(2, 1), padding="same"),
     [normal(2, 5, 4, 4), normal(3, 2, 2, 4)]),
    ("conv-1d-dilated-channels_first", lambda x, k: ops.conv(
        x, k, dilation_rate=2, data_format="channels_first"), [normal(1, 2, 7), normal(2, 2, 3)]),
    ("depthwise_conv", lambda x, k: ops.depthwise_conv(x, k), [normal(2, 4, 4, 3),
                                                             normal(2, 2, 3, 2)]),
    ("separable_conv", lambda x, d, p: ops.separable_conv(x, d, p, padding="same"),
     [normal(1, 4, 4, 2), normal(3, 3, 2, 2), normal(1, 1, 4, 3)]),
    ("conv_transpose", lambda x, k: ops.conv_transpose(x, k, strides=2),
     [normal(1, 3, 3, 2), normal(3, 3, 4, 2)]),
    ("max_pool", lambda x: ops.max_pool(x, 2, strides=1), [normal(2, 4, 4, 3)]),
    ("average_pool", lambda x: ops.average_pool(x, 3, strides=2, padding="same"),
     [normal(1, 5, 3)]),
    ("fft", lambda a, b: ops.fft((a, b))[0] * ops.fft((a, b))[1], [normal(2, 5), normal(2, 5)]),
    ("fft2", lambda a, b: ops.fft2((a, b))[1], [normal(3, 4), normal(3, 4)]),
    ("ifft2", lambda a, b: ops.ifft2((a, b))[0] - ops.ifft2((a, b))[1],
     [normal(3, 4), normal(3, 4)]),
    ("rfft", lambda x: ops.rfft(x)[0] + ops.rfft(x)[1] ** 2, [normal(2, 6)]),
    ("rfft-cut-and-padded", lambda x: ops.rfft(x, 4)[1] + ops.rfft(x, 9)[0][..., :3],
     [normal(2, 5)]),
    ("irfft-even", lambda a, b: ops.irfft((a, b)), [normal(2, 5), normal(2, 5)]),
    ("irfft-odd-and-cut", lambda a, b: ops.irfft((a, b), 5) + ops.irfft((a, b), 3)[..., :1],
     [normal(2, 4), normal(2, 4)]),
    ("stft", lambda x: ops.stft(x, 6, 3, 8)[0], [normal(2, 20)]),
    ("slogdet", lambda x: ops.slogdet(x)[1], [normal(2, 3, 3)]),
    ("logdet", lambda a: ops.logdet(_spd(a)), [normal(3, 3)]),
    ("cholesky_inverse", lambda a: ops.linalg.cholesky_inverse(ops.tril(a) + 3 * np.eye(3)),
     [normal(3, 3)]),
    ("cholesky_inverse-upper", lambda a: ops.linalg.cholesky_inverse(
        ops.triu(a) + 3 * np.eye(3), upper=True), [normal(3, 3)]),
    ("vectorize", lambda a, b: ops.vectorize(lambda u, v: ops.sin(u) * v)(a, b),
     [normal(2, 3), normal(3)]),
    ("vectorize-signature", lambda a, b: ops.vectorize(
        lambda u, v: ops.sum(u * v), signature="(n),(n)->()")(a, b), [normal(2, 3), normal(3)]),
    ("associative_scan", lambda x: ops.associative_scan(lambda a, b: a * b, x, axis=1),
     [normal(2, 4)]),
    ("associative_scan-reverse", lambda x: ops.associative_scan(lambda a, b: a + 2 * b, x,
                                                                reverse=True), [normal(3, 2)]),
    ("sparse_sigmoid", lambda x: ops.sparse_sigmoid(2 * x), [normal(3, 4)]),
    ("depth_to_space", lambda x: ops.depth_to_space(x, 2), [normal(1, 2, 3, 8)]),
    ("space_to_depth", lambda x: ops.space_to_depth(x, 2, "channels_first"), [normal(1, 2, 4, 6)]),
    ("segment_min", lambda x: ops.segment_min(x, np.array([1, 0, 1, 1]), num_segments=2),
     [normal(4, 2)]),
    ("segment_prod", lambda x: ops.segment_prod(x, np.array([0, 2, 0, 0]), num_segments=3),
     [normal(4, 2)]),
    ("segment_prod-with-zeros", lambda x: ops.segment_prod(x * [[1, 0], [0, 0], [1, 1]],
                                                           np.array([0, 0, 1])),
     [normal(3, 2)]),
    ("erfc", ops.erfc, [normal(3, 4)]),
    ("cdist", ops.cdist, [normal(2, 3, 2), normal(2, 4, 2)]),
    ("istft", lambda a, b: ops.istft((a, b), 6, 3, 8), [normal(2, 5, 5), normal(2, 5, 5)]),
    ("rearrange", lambda x: ops.rearrange(x, "b (h w) c -> c b w h", w=2), [normal(2, 6, 3)]),
    ("image-grayscale-pad-crop", lambda x: ops.image.pad_images(
        ops.image.rgb_to_grayscale(x), 1, 0, target_height=7, target_width=6)[:, 1:6, 1:5]
     * ops.image.crop_images(x, 0, 1, target_height=5, target_width=4)[..., 1:],
     [normal(2, 5, 6, 3)]),
    ("rgb_to_hsv-hsv_to_rgb", lambda x: ops.image.rgb_to_hsv(x) * ops.image.hsv_to_rgb(x),
     [rng.uniform(0.05, 0.95, (2, 3, 4, 3))]),
    ("extract_patches", lambda x: ops.image.extract_patches(x, 2, strides=1, padding="same"),
     [normal(1, 3, 4, 2)]),
    ("inv", ops.linalg.inv, [SQUARE]),
    ("det", ops.linalg.det, [normal(2, 3, 3)]),
    ("solve", ops.linalg.solve, [SQUARE, normal(3, 2)]),
    ("solve-vector", ops.linalg.solve, [SQUARE, normal(3)]),
    ("solve_triangular", lambda a, b: ops.linalg.solve_triangular(a, b, lower=True),
     [SQUARE, normal(3, 2)]),
    ("cholesky", lambda a: ops.linalg.cholesky(_spd(a)), [normal(3, 3)]),
    ("cholesky-upper", lambda a: ops.linalg.cholesky(_spd(a), upper=True), [normal(2, 3, 3)]),
]
CASES += MORE_CASES


def numerical_gradient(fn, args, i, cotangent):
    """Central differences of `sum(fn(*args) * cotangent)` with respect to `args[i]`."""
    return finite_difference(
        lambda x: np.sum(np.asarray(fn(*args[:i], x, *args[i + 1 :])) * cotangent), args[i]
    )


@pytest.mark.parametrize("fn, args", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_vjp_matches_finite_differences(fn, args):
    out, pullback = autodiff.vjp(fn, *args)
    np.testing.assert_allclose(out, fn(*args), rtol=1e-12)  # traced and plain runs agree
    cotangent = np.random.default_rng(1).standard_normal(out.shape)
    grads = pullback(cotangent)
    assert len(grads) == len(args)
    for i, (arg, grad) in enumerate(zip(args, grads)):
        assert grad.shape == arg.shape and grad.dtype == np.float64
        np.testing.assert_allclose(
            grad, numerical_gradient(fn, args, i, cotangent), rtol=1e-5, atol=1e-7
        )


def test_every_rule_is_checked_by_finite_differences():
    recorded = set()
    for _, fn, args in CASES:
        with GradientTape():
            stack = [fn(*[autodiff.Node(a) for a in args])]
        while stack:
            node = stack.pop()
            recorded.add(node.op)
            stack.extend(p for p in node.parents if p is not None)
    assert set(autodiff.RULES) - recorded == {"cast"}  # cast: test_cast_between_floats


def test_cast_between_floats_passes_the_gradient_in_each_dtype():
    x = normal(2, 3)
    out, pullback = autodiff.vjp(lambda a: ops.cast(a, "float32") * np.float32(3), x)
    assert out.dtype == np.float32
    (grad,) = pullback(np.ones((2, 3), np.float32))
    assert grad.dtype == np.float64
    np.testing.assert_array_equal(grad, np.full((2, 3), 3.0))


def test_stop_gradient_blocks_the_gradient():
    x = normal(3)
    _, (grad,) = autodiff.value_and_grad(lambda a: ops.sum(a * ops.stop_gradient(a)), x)
    np.testing.assert_allclose(grad, x)  # d/da of a * const, not 2a


def test_a_non_node_output_has_zero_gradients():
    x = normal(2, 3)
    for fn in (lambda a: ops.ones((4,)), lambda a: ops.argmax(a, axis=1), lambda a: 2.0):
        out, pullback = autodiff.vjp(fn, x)
        (grad,) = pullback(np.ones(np.shape(out)))
        assert grad.shape == x.shape
        assert not grad.any()


def test_integer_args_and_kwargs_are_constants():
    labels = np.array([2, 0])
    x = normal(2, 3)
    picked = lambda a, i, scale: ops.take_along_axis(a, i[:, None], axis=1) * scale  # noqa: E731
    out, pullback = autodiff.vjp(picked, x, labels, scale=3.0)
    np.testing.assert_allclose(out, x[[0, 1], [2, 0]][:, None] * 3)
    grad_x, grad_labels = pullback(np.ones((2, 1)))
    np.testing.assert_allclose(grad_x, [[0, 0, 3], [3, 0, 0]])
    assert grad_labels.shape == (2,) and grad_labels.dtype == np.float32 and not grad_labels.any()


def test_gradient_accumulates_over_every_use_of_an_input():
    x = normal(3)
    _, (grad,) = autodiff.value_and_grad(lambda a: ops.sum(a * a + a + ops.exp(a) * a), x)
    np.testing.assert_allclose(grad, 2 * x + 1 + np.exp(x) * (1 + x))


# ----------------------------------------------------------------------------------------------
# User code: losses, regularizers and layers written with ops


def test_custom_mean_squared_error_gradient():
    y_true = normal(4, 3).astype(np.float32)
    y_pred = normal(4, 3).astype(np.float32)
    loss, pullback = autodiff.vjp(lambda t, p: ops.mean(ops.square(t - p), axis=-1), y_true, y_pred)
    assert loss.dtype == np.float32
    np.testing.assert_allclose(loss, np.mean((y_true - y_pred) ** 2, axis=-1), rtol=1e-6)
    weights = np.array([1.0, 2.0, 0.0, 0.5], np.float32)
    grad_true, grad_pred = pullback(weights)
    assert grad_pred.dtype == np.float32
    np.testing.assert_allclose(grad_pred, 2 * (y_pred - y_true) / 3 * weights[:, None], rtol=1e-5)
    np.testing.assert_allclose(grad_true, -grad_pred, rtol=1e-6)


def test_custom_crossentropy_with_integer_targets():
    y_true = np.eye(3, dtype=np.int32)[[0, 2]]
    y_pred = probabilities(2, 3).astype(np.float32)
    loss, pullback = autodiff.vjp(lambda t, p: -ops.sum(t * ops.log(p), axis=-1), y_true, y_pred)
    np.testing.assert_allclose(loss, -np.log(y_pred[[0, 1], [0, 2]]), rtol=1e-6)
    grad_true, grad_pred = pullback(np.ones(2, np.float32))
    np.testing.assert_allclose(grad_pred, -y_true / y_pred, rtol=1e-6)
    assert grad_true.dtype == np.float32 and not grad_true.any()


def test_custom_l1_regularizer_gradient():
    x = nonzero(3, 2).astype(np.float32)
    value, (grad,) = autodiff.value_and_grad(lambda w: 0.01 * ops.sum(ops.abs(w)), x)
    np.testing.assert_allclose(value, 0.01 * np.abs(x).sum(), rtol=1e-6)
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, 0.01 * np.sign(x), rtol=1e-6)


class TanhAffine(Layer):
    """A user layer written with `ops`, its weights held as attributes."""

    def __init__(self):
        super().__init__()
        self.kernel = Variable(normal(3, 2).astype(np.float32), name="kernel")
        self.bias = Variable(normal(2).astype(np.float32), name="bias")
        self.scale = Variable(positive(2).astype(np.float32), name="scale", trainable=False)
        self.calls = []

    def call(self, inputs, training=False):
        self.calls.append(training)
        return ops.tanh(ops.matmul(inputs, self.kernel) + self.bias) * self.scale


def tape_gradients(layer, x, grad_out):
    with GradientTape() as tape:
        tape.watch(x)
        total = ops.sum(layer(x, training=True) * grad_out)
    return tape.gradient(total, [x, layer.kernel, layer.bias, layer.scale])


def test_a_user_layer_is_recorded_once_with_its_weight_and_input_gradients():
    x = normal(4, 3).astype(np.float32)
    layer = TanhAffine()
    grad_out = normal(4, 2).astype(np.float32)
    grad_in, grad_kernel, grad_bias, grad_scale = tape_gradients(layer, x, grad_out)
    assert layer.calls == [True]  # run once, never replayed
    z = x @ layer.kernel.value + layer.bias.value
    dz = grad_out * layer.scale.value * (1 - np.tanh(z) ** 2)
    for got, want in [(grad_in, dz @ layer.kernel.value.T), (grad_kernel, x.T @ dz),
                      (grad_bias, dz.sum(0))]:
        assert got.dtype == np.float32 and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert grad_scale is None  # not trainable: not watched, a constant
    assert [w.name for w in layer.trainable_weights] == ["kernel", "bias"]
    assert type(ops.add(layer.kernel, 1.0)) is not autodiff.Node  # the tape is over


def test_a_user_layer_without_training_argument_and_with_an_unused_weight():
    layer = TanhAffine()
    layer._call_takes_training = False
    layer.call = lambda inputs: ops.sum(inputs * 2.0, axis=1) + layer.bias[0]
    x = normal(2, 3).astype(np.float32)
    grad_in, grad_kernel, grad_bias, _ = tape_gradients(layer, x, np.ones(2, np.float32))
    np.testing.assert_array_equal(grad_in, np.full((2, 3), 2.0))
    assert grad_kernel is None  # unconnected, as TensorFlow answers
    np.testing.assert_array_equal(grad_bias, [2.0, 0.0])


def test_gradients_through_variable_operators():
    layer = TanhAffine()
    layer.call = lambda inputs, training=False: (
        inputs @ layer.kernel + layer.bias * 2.0 - (-layer.bias) + abs(layer.kernel)[0]
    )
    x = normal(2, 3).astype(np.float32)
    _, grad_kernel, grad_bias, _ = tape_gradients(layer, x, np.ones((2, 2), np.float32))
    np.testing.assert_allclose(grad_bias, [6.0, 6.0])
    first_row = np.array([[1.0], [0.0], [0.0]])
    want = x.sum(0)[:, None] + first_row * 2 * np.sign(layer.kernel.value)
    np.testing.assert_allclose(grad_kernel, want, rtol=1e-6)


# ----------------------------------------------------------------------------------------------
# Plain ops: ndarrays equal to numpy's, with Keras 3's dtypes


X32 = normal(3, 4).astype(np.float32)
PLAIN = [
    ("exp", lambda: ops.exp(X32), np.exp(X32)),
    ("log1p", lambda: ops.log1p(abs(X32)), np.log1p(abs(X32))),
    ("sigmoid", lambda: ops.sigmoid(X32), 1 / (1 + np.exp(-X32))),
    ("softplus", lambda: ops.softplus(X32), np.log1p(np.exp(X32))),
    ("add-python-float", lambda: ops.add(X32, 2.5), X32 + 2.5),
    ("sum-axis", lambda: ops.sum(X32, axis=1, keepdims=True), X32.sum(1, keepdims=True)),
    ("mean", lambda: ops.mean(X32), X32.mean()),
    ("std", lambda: ops.std(X32, axis=0), X32.std(0)),
    ("var", lambda: ops.var(X32), X32.var()),
    ("max", lambda: ops.max(X32, axis=-1), X32.max(-1)),
    ("prod", lambda: ops.prod(X32, axis=0), X32.prod(0)),
    ("logsumexp", lambda: ops.logsumexp(X32, axis=1), np.log(np.exp(X32).sum(1))),
    ("softmax", lambda: ops.softmax(X32), np.exp(X32) / np.exp(X32).sum(-1, keepdims=True)),
    ("matmul", lambda: ops.matmul(X32, X32.T), X32 @ X32.T),
    ("tensordot", lambda: ops.tensordot(X32, X32, axes=([0], [0])), np.tensordot(X32, X32, (0, 0))),
    ("einsum", lambda: ops.einsum("ij,ij->i", X32, X32), np.einsum("ij,ij->i", X32, X32)),
    ("clip", lambda: ops.clip(X32, -0.5, 0.5), np.clip(X32, -0.5, 0.5)),
    ("where", lambda: ops.where(X32 > 0, X32, 0.0), np.where(X32 > 0, X32, 0)),
    ("sort", lambda: ops.sort(X32, axis=0), np.sort(X32, axis=0)),
    ("cumsum", lambda: ops.cumsum(X32, axis=1), np.cumsum(X32, axis=1)),
    ("norm", lambda: ops.norm(X32), np.linalg.norm(X32)),
    ("norm-nuclear", lambda: ops.norm(X32, ord="nuc", axis=(0, 1)), np.linalg.norm(X32, "nuc")),
    ("norm-ord3", lambda: ops.norm(X32, ord=3, axis=0), np.linalg.norm(X32, 3, axis=0)),
    ("take", lambda: ops.take(X32, [3, 0], axis=1), np.take(X32, [3, 0], axis=1)),
    ("tile", lambda: ops.tile(X32, 2), np.tile(X32, 2)),
    ("outer", lambda: ops.outer(X32[0], X32[1]), np.outer(X32[0], X32[1])),
    ("trace", lambda: ops.trace(X32, offset=1), np.trace(X32, offset=1)),
    ("diag", lambda: ops.diag(X32[0], k=-1), np.diag(X32[0], k=-1)),
    ("moveaxis", lambda: ops.moveaxis(X32[None], [0, 1], [2, 0]),
     np.moveaxis(X32[None], [0, 1], [2, 0])),
    ("one_hot", lambda: ops.one_hot([1, -1, 2], 3, axis=0), [[0, 0, 0], [1, 0, 0], [0, 0, 1]]),
    ("round", lambda: ops.round(np.float32([0.5, 1.5, 2.45]), 1), np.float32([0.5, 1.5, 2.4])),
]


@pytest.mark.parametrize("fn, want", [c[1:] for c in PLAIN], ids=[c[0] for c in PLAIN])
def test_plain_ops_return_tensors_equal_to_numpy(fn, want):
    got = fn()
    assert type(got) is Tensor
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-6)


I32 = np.arange(6, dtype=np.int32).reshape(2, 3)
DTYPES = [  # (expression, dtype Keras 3 gives: run under the oracle, TensorFlow backend)
    (lambda: ops.multiply(X32, 0.5), "float32"),
    (lambda: ops.multiply(X32, np.float64(0.5)), "float32"),
    (lambda: ops.power(X32, 2), "float32"),
    (lambda: ops.divide(1.0, X32), "float32"),
    (lambda: ops.gelu(X32), "float32"),
    (lambda: ops.erf(X32), "float32"),
    (lambda: ops.norm(X32, axis=1), "float32"),
    (lambda: ops.binary_crossentropy(X32 > 0, ops.sigmoid(X32)), "float32"),
    (lambda: ops.add(X32, X32.astype(np.float64)), "float64"),
    (lambda: ops.add(I32.astype(np.int64), X32[:2, :3]), "float32"),
    (lambda: ops.add(I32, 2.5), "float32"),
    (lambda: ops.add(I32, 2), "int32"),
    (lambda: ops.divide(I32, I32 + 1), "float32"),
    (lambda: ops.power(I32, 2), "int32"),
    (lambda: ops.sqrt(I32), "float32"),
    (lambda: ops.floor(I32), "float32"),
    (lambda: ops.abs(I32), "int32"),
    (lambda: ops.relu(I32 - 3), "int32"),
    (lambda: ops.round(I32), "int32"),
    (lambda: ops.mean(I32), "float32"),
    (lambda: ops.std(I32), "float32"),
    (lambda: ops.sum(I32), "int32"),
    (lambda: ops.sum(I32 > 2), "int32"),
    (lambda: ops.sum(I32.astype(np.uint8)), "uint32"),
    (lambda: ops.cumsum(I32), "int32"),
    (lambda: ops.prod(I32), "int32"),
    (lambda: ops.max(I32), "int32"),
    (lambda: ops.argmax(X32), "int32"),
    (lambda: ops.top_k(X32, 2)[1], "int32"),
    (lambda: ops.equal(X32, 1), "bool"),
    (lambda: ops.matmul(I32, I32.T), "int32"),
    (lambda: ops.matmul(I32, X32[:3]), "float32"),
    (lambda: ops.convert_to_tensor(1.0), "float32"),
    (lambda: ops.convert_to_tensor([1.0, 2.0]), "float32"),
    (lambda: ops.convert_to_tensor([1, 2]), "int32"),
    (lambda: ops.convert_to_tensor(True), "bool"),
    (lambda: ops.convert_to_tensor(np.ones(2)), "float64"),
    (lambda: ops.square(3.0), "float32"),
    (lambda: ops.ones((2,)), "float32"),
    (lambda: ops.full((2,), 3), "float32"),
    (lambda: ops.full_like(I32, 2.5), "int32"),
    (lambda: ops.zeros_like(X32, dtype="float64"), "float64"),
    (lambda: ops.eye(2), "float32"),
    (lambda: ops.arange(3), "int32"),
    (lambda: ops.arange(0, 3, 0.5), "float32"),
    (lambda: ops.linspace(0, 1, 3), "float32"),
    (lambda: ops.one_hot(np.array([0, 1]), 3), "float32"),
    (lambda: ops.cast(X32, "int32"), "int32"),
]


@pytest.mark.parametrize("fn, dtype", DTYPES)
def test_dtypes_follow_keras(fn, dtype):
    out = fn()
    assert type(out) is Tensor and out.dtype == np.dtype(dtype)


def test_ops_read_variables_and_shapes():
    v = Variable(X32.copy(), name="v")
    out = ops.matmul(v, ops.transpose(v))
    assert type(out) is Tensor and out.dtype == np.float32
    np.testing.assert_allclose(out, X32 @ X32.T, rtol=1e-6)
    assert ops.shape(v) == (3, 4) and ops.ndim(X32) == 2 and ops.size(X32) == 12
    assert ops.shape(autodiff.Node(X32)) == (3, 4)
    np.testing.assert_array_equal(ops.convert_to_numpy(v), X32)
    assert ops.where(np.array([0, 2, 0, 3]))[0].tolist() == [1, 3]
    with pytest.raises(ValueError, match="either both should be `None`"):
        ops.where(X32 > 0, X32)


def test_node_behaves_like_an_array():
    with GradientTape():
        node_behaves_like_an_array()
    outside = autodiff.Node(X32) * 2  # no tape records: nothing is recorded
    assert type(outside) is Tensor


def node_behaves_like_an_array():
    node = autodiff.Node(X32)
    assert node.shape == (3, 4) and node.ndim == 2 and node.dtype == "float32" and len(node) == 3
    np.testing.assert_array_equal(node.numpy(), X32)
    for numpy_function in (np.asarray, np.exp, np.mean):
        with pytest.raises(TypeError):  # numpy would silently drop the gradient
            numpy_function(node)
    assert [row.shape for row in node] == [(4,)] * 3
    assert isinstance(node[0] * 2, autodiff.Node) and isinstance(X32 + node, autodiff.Node)
    assert type(node > 0) is Tensor
    assert float(autodiff.Node(np.float32(2.5))) == 2.5
    assert "op=None" in repr(node)


# ----------------------------------------------------------------------------------------------
# Activations: `ops.X` is `activations.X`, as in Keras, with ops' own defaults


# (name, ops' arguments, the same call of the activation): Keras' ops.gelu defaults to the tanh
# estimate, activations.gelu to the exact form.
OPS_ACTIVATIONS = [(name, {}, {}) for name in (
    "relu relu6 sigmoid softplus softsign silu swish log_sigmoid hard_sigmoid hard_silu "
    "hard_swish selu elu leaky_relu softmax log_softmax"
).split()] + [
    ("gelu", {}, {"approximate": True}),
    ("gelu", {"approximate": False}, {"approximate": False}),
    ("leaky_relu", {"negative_slope": 0.3}, {"negative_slope": 0.3}),
    ("elu", {"alpha": 0.5}, {"alpha": 0.5}),
    ("softmax", {"axis": 0}, {"axis": 0}),
    ("log_softmax", {"axis": [0, 1]}, {"axis": (0, 1)}),
]
# Wide enough to reach every saturation (and, times 50, float64's), through 0 and the kinks at
# -3, 3 and 6; rows of 1000 for the softmaxes.
WIDE = np.linspace(-20, 20, 200001, dtype=np.float32)[:-1].reshape(200, 1000)


@pytest.mark.parametrize("name, kwargs, same", OPS_ACTIVATIONS,
                         ids=[f"{n}{k or ''}" for n, k, _ in OPS_ACTIVATIONS])
def test_ops_activations_are_the_activations(name, kwargs, same):
    activation = getattr(activations, name)
    for x in (WIDE, WIDE.astype(np.float64) * 50):
        got = getattr(ops, name)(x, **kwargs)
        assert type(got) is Tensor and got.dtype == x.dtype
        np.testing.assert_array_equal(got, activation(x, **same))
    # On the tape: the activation's own value and gradient rule, recorded as one primitive.
    x = normal(3, 4)
    out, pullback = autodiff.vjp(lambda a: getattr(ops, name)(a, **kwargs), x)
    y = activation(x, **same)
    np.testing.assert_array_equal(out, y)
    cotangent = normal(3, 4)
    np.testing.assert_array_equal(pullback(cotangent)[0],
                                  activation.backward(x, y, cotangent, **same))


def test_ops_crossentropies_check_ranks_and_shapes_with_keras_messages():
    with pytest.raises(ValueError, match=r"must have the same rank \(ndim\)\. Received: "
                                         r"target\.shape=\(2,\), output\.shape=\(2, 1\)"):
        ops.binary_crossentropy([1.0, 0.0], [[0.3], [0.6]])
    with pytest.raises(ValueError, match=r"must have the same shape\. Received: "
                                         r"target\.shape=\(1, 2\), output\.shape=\(2, 1\)"):
        ops.categorical_crossentropy([[1.0, 0.0]], [[0.3], [0.6]])


def test_unbroadcast_sums_what_broadcasting_added_and_spreads_what_it_lacks():
    grad = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(autodiff.unbroadcast(grad, (3, 1)), grad.sum((0, 2))[:, None])
    assert autodiff.unbroadcast(grad, (2, 3, 4)) is grad
    np.testing.assert_array_equal(autodiff.unbroadcast(np.float32(2.0), (2, 1)), [[2.0], [2.0]])
    np.testing.assert_array_equal(autodiff.unbroadcast(np.ones((3, 1)), (1, 4)), [[3.0] * 4])
