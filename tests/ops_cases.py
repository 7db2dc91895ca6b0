"""`keras.ops` cases replayed against Keras 3 on TensorFlow: values and dtypes of the ops that
custom layers and training loops reach for, on float and integer inputs
(compat/make_ops.py records them; tests/test_ops_reference.py replays them).

Each case is a function of the `keras` module (real Keras or minikeras) returning an array or
a tuple of arrays."""

import numpy as np

_rng = np.random.default_rng(7)
F = _rng.standard_normal((3, 4)).astype("float32")
F3 = _rng.standard_normal((2, 3, 4)).astype("float32")
D = _rng.standard_normal((3, 4))  # float64
I = np.arange(12, dtype="int32").reshape(3, 4) - 5
U8 = np.arange(12, dtype="uint8").reshape(3, 4)
B = F > 0
NANS = np.array([[1.0, np.nan, 3.0, -2.0], [np.nan, np.nan, 0.5, 4.0]], "float32")
INFS = np.array([np.nan, np.inf, -np.inf, 1.5], "float32")
SQUARE = (_rng.standard_normal((3, 3)) + 3 * np.eye(3)).astype("float32")
SPD = (SQUARE @ SQUARE.T + np.eye(3)).astype("float32")
RHS = _rng.standard_normal((3, 2)).astype("float32")
Q = _rng.standard_normal((2, 3, 2, 4)).astype("float32")  # batch, time, heads, depth
K = _rng.standard_normal((2, 5, 2, 4)).astype("float32")
V = _rng.standard_normal((2, 5, 2, 4)).astype("float32")
SEGMENTS = np.array([0, 0, 2], "int32")
IMAGES = _rng.standard_normal((2, 5, 6, 4)).astype("float32")
SEQUENCES = _rng.standard_normal((2, 7, 3)).astype("float32")
SIGNAL = _rng.standard_normal((2, 40)).astype("float32")


def _numpy_cases():
    return {
        "pad constant": lambda k: k.ops.pad(F, ((1, 2), (0, 1))),
        "pad constant value int": lambda k: k.ops.pad(I, ((1, 1), (2, 0)), constant_values=7),
        "pad reflect": lambda k: k.ops.pad(F, ((2, 1), (1, 3)), mode="reflect"),
        "pad symmetric": lambda k: k.ops.pad(F, ((2, 1), (1, 3)), mode="symmetric"),
        "tril": lambda k: k.ops.tril(F, 1),
        "triu int": lambda k: k.ops.triu(I, -1),
        "tri": lambda k: k.ops.tri(3, 4, 1),
        "tri int": lambda k: k.ops.tri(3, dtype="int32"),
        "roll": lambda k: k.ops.roll(F, 2),
        "roll axes": lambda k: k.ops.roll(I, (1, -1), (0, 1)),
        "cumprod": lambda k: k.ops.cumprod(F, axis=1),
        "cumprod int flat": lambda k: k.ops.cumprod(I + 6),
        "cumprod bool": lambda k: k.ops.cumprod(B, axis=0),
        "diff": lambda k: k.ops.diff(F, n=2, axis=1),
        "diff int axis0": lambda k: k.ops.diff(I, axis=0),
        "hstack": lambda k: k.ops.hstack([F, F[:, :2]]),
        "vstack": lambda k: k.ops.vstack([F[0], F[1]]),
        "dstack": lambda k: k.ops.dstack([F, F]),
        "hstack mixed": lambda k: k.ops.hstack([F, I]),
        "append": lambda k: k.ops.append(F, I),
        "append axis": lambda k: k.ops.append(F, F, axis=0),
        "copy": lambda k: k.ops.copy(I),
        "array": lambda k: k.ops.array([[1, 2], [3, 4]]),
        "array float": lambda k: k.ops.array([1.5, 2.0]),
        "array dtype": lambda k: k.ops.array([1, 2], dtype="float32"),
        "empty shape": lambda k: k.ops.shape(k.ops.empty((2, 3))) and k.ops.zeros_like(
            k.ops.empty((2, 3))),
        "empty_like": lambda k: k.ops.zeros_like(k.ops.empty_like(I)),
        "identity": lambda k: k.ops.identity(3),
        "meshgrid xy": lambda k: tuple(k.ops.meshgrid(F[0], F[1, :3])),
        "meshgrid ij": lambda k: tuple(k.ops.meshgrid(I[0], I[1, :2], indexing="ij")),
        "nonzero": lambda k: tuple(k.ops.nonzero(I > 2)),
        "bincount": lambda k: k.ops.bincount(np.array([0, 1, 1, 4], "int32")),
        "bincount weights": lambda k: k.ops.bincount(np.array([0, 1, 1, 4], "int32"),
                                                     weights=F[0], minlength=6),
        "digitize": lambda k: k.ops.digitize(F, np.array([-1.0, 0.0, 1.0], "float32")),
        "searchsorted": lambda k: k.ops.searchsorted(np.array([1.0, 2.0, 4.0], "float32"),
                                                     np.array([0.5, 2.0, 9.0], "float32")),
        "searchsorted right": lambda k: k.ops.searchsorted(
            np.array([1, 2, 4], "int32"), np.array([2, 3], "int32"), side="right"),
        "flip": lambda k: k.ops.flip(F, axis=0),
        "fliplr": lambda k: k.ops.fliplr(F),
        "flipud": lambda k: k.ops.flipud(I),
        "rot90": lambda k: k.ops.rot90(F),
        "rot90 k3": lambda k: k.ops.rot90(F3, k=3, axes=(1, 2)),
        "rot90 k2": lambda k: k.ops.rot90(I, k=2),
        "nan_to_num": lambda k: k.ops.nan_to_num(INFS),
        "nan_to_num values": lambda k: k.ops.nan_to_num(INFS, nan=-1.0, posinf=9.0, neginf=-9.0),
        "median": lambda k: k.ops.median(F, axis=1),
        "median int": lambda k: k.ops.median(I),
        "quantile": lambda k: k.ops.quantile(F, 0.3, axis=0),
        "quantile list keepdims": lambda k: k.ops.quantile(F3, [0.25, 0.9], axis=(0, 2),
                                                           keepdims=True),
        "quantile nearest": lambda k: k.ops.quantile(F, 0.4, method="nearest"),
        "quantile lower": lambda k: k.ops.quantile(F, 0.4, axis=1, method="lower"),
        "quantile higher": lambda k: k.ops.quantile(F, 0.4, axis=1, method="higher"),
        "quantile midpoint": lambda k: k.ops.quantile(F, 0.4, axis=1, method="midpoint"),
        "quantile int": lambda k: k.ops.quantile(I, 0.5, axis=1),
        "percentile": lambda k: k.ops.percentile(F, [10.0, 50.0], axis=1),
        "average": lambda k: k.ops.average(F, axis=1),
        "average weights": lambda k: k.ops.average(F, axis=1, weights=np.arange(4.0, dtype="float32")),
        "average int": lambda k: k.ops.average(I),
        "allclose": lambda k: k.ops.allclose(F, F + 1e-9),
        "allclose not": lambda k: k.ops.allclose(F, F + 1e-3),
        "cbrt": lambda k: k.ops.cbrt(F),
        "cbrt int": lambda k: k.ops.cbrt(I),
        "exp2": lambda k: k.ops.exp2(F),
        "exp2 int": lambda k: k.ops.exp2(I),
        "hypot": lambda k: k.ops.hypot(F, F[::-1]),
        "hypot int": lambda k: k.ops.hypot(I, I),
        "trunc": lambda k: k.ops.trunc(F * 3),
        "trunc int": lambda k: k.ops.trunc(I),
        "signbit": lambda k: k.ops.signbit(F),
        "heaviside": lambda k: k.ops.heaviside(np.array([-1.0, 0.0, 2.0], "float32"), 0.5),
        "heaviside int": lambda k: k.ops.heaviside(I, I),
        "fmod": lambda k: k.ops.fmod(F * 5, 1.5),
        "fmod int": lambda k: k.ops.fmod(I, 3),
        "deg2rad": lambda k: k.ops.deg2rad(F),
        "deg2rad int": lambda k: k.ops.deg2rad(I),
        "rad2deg": lambda k: k.ops.rad2deg(F),
        "isin": lambda k: k.ops.isin(I, np.array([1, 2, 3], "int32")),
        "array_split": lambda k: tuple(k.ops.array_split(np.arange(7.0, dtype="float32"), 3)),
        "hsplit": lambda k: tuple(k.ops.hsplit(F, 2)),
        "vsplit": lambda k: tuple(k.ops.vsplit(I, 3)),
        "kron": lambda k: k.ops.kron(F[:2, :2], F),
        "kron int": lambda k: k.ops.kron(I[0], I[:2]),
        "inner": lambda k: k.ops.inner(F, F3),
        "vdot": lambda k: k.ops.vdot(F, F),
        "vdot int": lambda k: k.ops.vdot(I, I),
        "cross": lambda k: k.ops.cross(F[:, :3], F[::-1, 1:]),
        "select": lambda k: k.ops.select([F < 0, F > 1], [F, -F], 7.0),
        "trapezoid": lambda k: k.ops.trapezoid(F),
        "trapezoid x": lambda k: k.ops.trapezoid(F, x=np.array([0.0, 1.0, 3.0, 7.0], "float32")),
        "trapezoid int": lambda k: k.ops.trapezoid(I, dx=0.5),
        "unravel_index": lambda k: tuple(k.ops.unravel_index(np.array([5, 7], "int32"), (3, 4))),
        "bitwise_and": lambda k: k.ops.bitwise_and(I, 5),
        "bitwise_or": lambda k: k.ops.bitwise_or(I, I[::-1]),
        "bitwise_xor": lambda k: k.ops.bitwise_xor(U8, 3),
        "bitwise_invert": lambda k: k.ops.bitwise_invert(I),
        "bitwise_not uint8": lambda k: k.ops.bitwise_not(U8),
        "left_shift": lambda k: k.ops.left_shift(U8, 2),
        "right_shift": lambda k: k.ops.bitwise_right_shift(I, 1),
        "nansum": lambda k: k.ops.nansum(NANS, axis=1),
        "nanmean": lambda k: k.ops.nanmean(NANS, axis=0),
        "nanmax": lambda k: k.ops.nanmax(NANS, axis=1),
        "nanmin": lambda k: k.ops.nanmin(NANS),
        "nanprod": lambda k: k.ops.nanprod(NANS, axis=1, keepdims=True),
        "nanvar": lambda k: k.ops.nanvar(NANS, axis=1),
        "nanstd": lambda k: k.ops.nanstd(NANS),
        "nancumsum": lambda k: k.ops.nancumsum(NANS, axis=1),
        "nancumprod": lambda k: k.ops.nancumprod(NANS, axis=1),
        "nanargmax": lambda k: k.ops.nanargmax(NANS, axis=1),
        "nanargmin": lambda k: k.ops.nanargmin(NANS, axis=1),
        "nansum int": lambda k: k.ops.nansum(I),
        "nanmedian": lambda k: k.ops.nanmedian(NANS, axis=1),
        "nanquantile": lambda k: k.ops.nanquantile(NANS, [0.2, 0.6], axis=1),
        "nanpercentile": lambda k: k.ops.nanpercentile(NANS, 40.0),
        "fabs int": lambda k: k.ops.fabs(I),
        "arccosh": lambda k: k.ops.arccosh(abs(F) + 1),
        "fmax": lambda k: k.ops.fmax(NANS, NANS[::-1]),
        "fmin int": lambda k: k.ops.fmin(I, 2),
        "logaddexp2": lambda k: k.ops.logaddexp2(F, F[::-1]),
        "ldexp": lambda k: k.ops.ldexp(F, I),
        "divide_no_nan": lambda k: k.ops.divide_no_nan(F, np.where(B, F, 0)),
        "divide_no_nan int": lambda k: k.ops.divide_no_nan(I, I),
        "sinc": lambda k: k.ops.sinc(np.round(F, 1)),
        "ptp": lambda k: k.ops.ptp(F, axis=1),
        "ptp int": lambda k: k.ops.ptp(I),
        "isneginf isposinf": lambda k: (k.ops.isneginf(INFS), k.ops.isposinf(INFS)),
        "real imag conj": lambda k: (k.ops.real(F), k.ops.imag(F), k.ops.conj(F)),
        "angle": lambda k: k.ops.angle(F),
        "gcd lcm": lambda k: (k.ops.gcd(I, 6), k.ops.lcm(I, 4)),
        "nextafter": lambda k: k.ops.nextafter(F, np.float32(0)),
        "diagflat": lambda k: k.ops.diagflat(F[:2, :2], k=1),
        "vander": lambda k: k.ops.vander(F[0]),
        "vander int increasing": lambda k: k.ops.vander(I[1], N=3, increasing=True),
        "corrcoef": lambda k: k.ops.corrcoef(F),
        "correlate": lambda k: k.ops.correlate(F[0], F[1, :3]),
        "correlate same": lambda k: k.ops.correlate(F3[0, 0], F[1, :3], mode="same"),
        "correlate full": lambda k: k.ops.correlate(F[0], F[1, :3], mode="full"),
        "windows": lambda k: (k.ops.bartlett(5), k.ops.blackman(5), k.ops.hamming(5),
                              k.ops.hanning(5), k.ops.kaiser(5, 2.0)),
        "logspace": lambda k: k.ops.logspace(0.0, 2.0, 5),
        "geomspace": lambda k: k.ops.geomspace(1.0, 100.0, 5),
        "histogram": lambda k: k.ops.histogram(F[0], bins=4),
        "slogdet": lambda k: k.ops.slogdet(SQUARE - 3),
        "i0": lambda k: k.ops.i0(F),
        "view": lambda k: k.ops.view(F, "int32"),
        "unique": lambda k: k.ops.unique(np.array([3, 1, 3, 2, 1], "int32")),
        "unique all": lambda k: k.ops.unique(np.array([3, 1, 3, 2, 1], "int32"), return_index=True,
                                             return_inverse=True, return_counts=True),
        "vectorize": lambda k: k.ops.vectorize(lambda a, b: a * 2 + b)(F, F[0]),
        "vectorize signature": lambda k: k.ops.vectorize(
            lambda a, b: k.ops.sum(a * b), signature="(n),(n)->()")(F3, F[0]),
        "get_item numpy": lambda k: k.ops.numpy.get_item(F, (slice(None), 2)),
        "histogram range": lambda k: k.ops.histogram(F[1], bins=3, range=(-1.0, 1.0)),
        "histogram of a matrix": lambda k: k.ops.histogram(F),
    }


def _core_cases():
    return {
        "slice": lambda k: k.ops.slice(F, (1, 1), (2, 2)),
        "slice_update": lambda k: k.ops.slice_update(F, (0, 1), np.ones((2, 2), "float32")),
        "slice_update int": lambda k: k.ops.slice_update(I, (1, 0), np.zeros((1, 4), "int32")),
        "scatter": lambda k: k.ops.scatter(np.array([[0, 1], [2, 2], [0, 1]]),
                                           np.array([1.0, 2.0, 3.0], "float32"), (3, 3)),
        "scatter rows": lambda k: k.ops.scatter(np.array([[1]]), F[:1], (3, 4)),
        "scatter_update": lambda k: k.ops.scatter_update(
            F, np.array([[0, 0], [2, 3]]), np.array([9.0, -9.0], "float32")),
        "scatter_update rows": lambda k: k.ops.scatter_update(I, np.array([[1]]),
                                                              np.zeros((1, 4), "int32")),
        "cond": lambda k: k.ops.cond(True, lambda: F * 2, lambda: F),
        "while_loop": lambda k: k.ops.while_loop(lambda i, s: i < 5,
                                                 lambda i, s: (i + 1, s * 1.5), (0, F)),
        "while_loop single": lambda k: k.ops.while_loop(lambda x: k.ops.sum(x) < 100,
                                                        lambda x: x * 2, F + 2),
        "while_loop maximum_iterations": lambda k: k.ops.while_loop(
            lambda i: i < 10, lambda i: i + 1, 0, maximum_iterations=3),
        "fori_loop": lambda k: k.ops.fori_loop(0, 4, lambda i, x: x * 2 + i, F),
        "scan": lambda k: k.ops.scan(lambda c, x: (c + x, c * x), np.zeros(4, "float32"), F),
        "scan reverse": lambda k: k.ops.scan(lambda c, x: (c + x, c), np.zeros(4, "float32"), F,
                                             reverse=True),
        "map": lambda k: k.ops.map(lambda row: k.ops.sum(row * row), F),
        "vectorized_map": lambda k: k.ops.vectorized_map(lambda row: row * 2.0, F),
        "switch": lambda k: k.ops.switch(1, [lambda x: x + 1, lambda x: x * 3], F),
        "switch clipped": lambda k: k.ops.switch(5, [lambda x: x + 1, lambda x: x * 3], I),
        "get_item": lambda k: k.ops.get_item(F, 1),
        "saturate_cast": lambda k: k.ops.saturate_cast(F * 300, "uint8"),
        "saturate_cast int": lambda k: k.ops.saturate_cast(I * 100, "int8"),
        "saturate_cast float to int32": lambda k: k.ops.saturate_cast(
            np.array([3e9, -3e9, 1.5], "float32"), "int32"),
        "associative_scan": lambda k: k.ops.associative_scan(lambda a, b: a + b, F, axis=1),
        "associative_scan reverse": lambda k: k.ops.associative_scan(
            lambda a, b: a * b, F, reverse=True),
        "rearrange": lambda k: k.ops.rearrange(IMAGES, "b h w c -> b c (h w)"),
        "rearrange split": lambda k: k.ops.rearrange(F3, "b (t u) c -> (b u) t c", u=3),
        "dtype": lambda k: np.array(k.ops.dtype(I) + " " + k.ops.dtype(F) + " " + k.ops.dtype(B)),
    }


def _kernel(*shape):
    return np.random.default_rng(len(shape) + sum(shape)).standard_normal(shape).astype(
        "float32")


def _nn_cases():
    return {
        "celu": lambda k: k.ops.celu(F),
        "celu alpha": lambda k: k.ops.celu(F, alpha=0.5),
        "glu": lambda k: k.ops.glu(F),
        "glu axis0": lambda k: k.ops.glu(F3, axis=0),
        "hard_tanh": lambda k: k.ops.hard_tanh(F * 2),
        "hard_shrink": lambda k: k.ops.hard_shrink(F),
        "soft_shrink": lambda k: k.ops.soft_shrink(F, threshold=0.3),
        "tanh_shrink": lambda k: k.ops.tanh_shrink(F),
        "sparse_plus": lambda k: k.ops.sparse_plus(F * 2),
        "squareplus": lambda k: k.ops.squareplus(F, b=2),
        "threshold": lambda k: k.ops.threshold(F, 0.2, -1.0),
        "sparsemax": lambda k: k.ops.sparsemax(F3),
        "sparsemax axis0": lambda k: k.ops.sparsemax(F, axis=0),
        "sparse_sigmoid": lambda k: k.ops.sparse_sigmoid(F * 2),
        "polar": lambda k: k.ops.polar(abs(F), F),
        "depth_to_space": lambda k: k.ops.depth_to_space(IMAGES, 2),
        "depth_to_space channels_first": lambda k: k.ops.depth_to_space(
            IMAGES.transpose(0, 3, 1, 2), 2, data_format="channels_first"),
        "space_to_depth": lambda k: k.ops.space_to_depth(IMAGES[:, :4], 2),
        "space_to_depth channels_first": lambda k: k.ops.space_to_depth(
            IMAGES[:, :4].transpose(0, 3, 1, 2), 2, data_format="channels_first"),
        "moments": lambda k: k.ops.moments(F3, axes=[0, 2]),
        "moments keepdims": lambda k: k.ops.moments(F, axes=[1], keepdims=True),
        "batch_normalization": lambda k: k.ops.batch_normalization(
            F3, F3.mean((0, 2)), F3.var((0, 2)), axis=1, offset=F[:, 0], scale=F[:, 1] + 2),
        "layer_normalization": lambda k: k.ops.layer_normalization(F3),
        "layer_normalization gamma beta": lambda k: k.ops.layer_normalization(
            F3, gamma=F[0] + 1, beta=F[1], epsilon=1e-3),
        "layer_normalization axes": lambda k: k.ops.layer_normalization(F3, axis=[1, 2]),
        "rms_normalization": lambda k: k.ops.rms_normalization(F3, scale=F[2]),
        "normalize": lambda k: k.ops.normalize(F),
        "normalize order1": lambda k: k.ops.normalize(F, axis=0, order=1),
        "psnr": lambda k: k.ops.psnr(F, F * 0.9, 1.0),
        "multi_hot": lambda k: k.ops.multi_hot(np.array([[0, 2], [1, 1]], "int32"), 4),
        "multi_hot vector": lambda k: k.ops.multi_hot(np.array([3, 0], "int32"), 5),
        "conv": lambda k: k.ops.conv(IMAGES, _kernel(3, 3, 4, 2)),
        "conv same strides": lambda k: k.ops.conv(IMAGES, _kernel(3, 2, 4, 3), strides=2,
                                                  padding="same"),
        "conv dilated": lambda k: k.ops.conv(IMAGES, _kernel(2, 2, 4, 2), dilation_rate=2),
        "conv grouped": lambda k: k.ops.conv(IMAGES, _kernel(3, 3, 2, 4)),
        "conv 1d channels_first": lambda k: k.ops.conv(
            SEQUENCES.transpose(0, 2, 1), _kernel(3, 3, 2), data_format="channels_first"),
        "conv 3d": lambda k: k.ops.conv(IMAGES[..., None, :], _kernel(2, 2, 1, 4, 2)),
        "depthwise_conv": lambda k: k.ops.depthwise_conv(IMAGES, _kernel(3, 3, 4, 2),
                                                         padding="same"),
        "depthwise_conv 1d": lambda k: k.ops.depthwise_conv(SEQUENCES, _kernel(3, 3, 1),
                                                            strides=2),
        "separable_conv": lambda k: k.ops.separable_conv(IMAGES, _kernel(3, 3, 4, 2),
                                                         _kernel(1, 1, 8, 5)),
        "conv_transpose": lambda k: k.ops.conv_transpose(IMAGES, _kernel(3, 3, 2, 4),
                                                         strides=2),
        "conv_transpose same": lambda k: k.ops.conv_transpose(
            IMAGES, _kernel(3, 3, 2, 4), strides=2, padding="same"),
        "conv_transpose 1d output_padding": lambda k: k.ops.conv_transpose(
            SEQUENCES, _kernel(3, 2, 3), strides=2, output_padding=1),
        "max_pool": lambda k: k.ops.max_pool(IMAGES, 2),
        "max_pool same strides": lambda k: k.ops.max_pool(IMAGES, (3, 2), strides=(2, 1),
                                                          padding="same"),
        "max_pool 1d": lambda k: k.ops.max_pool(SEQUENCES, 3, strides=2),
        "average_pool": lambda k: k.ops.average_pool(IMAGES, 2, padding="same"),
        "average_pool channels_first": lambda k: k.ops.average_pool(
            IMAGES.transpose(0, 3, 1, 2), 2, data_format="channels_first"),
        "ctc_loss": lambda k: k.ops.ctc_loss(
            np.array([[1, 2, 2, 0], [3, 1, 0, 0]], "int32"), F3.repeat(2, axis=1)[..., :5],
            np.array([3, 2], "int32"), np.array([6, 4], "int32")),
        "ctc_loss blank last": lambda k: k.ops.ctc_loss(
            np.array([[0, 1], [2, 2]], "int32"), F3, np.array([2, 2], "int32"),
            np.array([3, 3], "int32"), mask_index=3),
        "adaptive_average_pool": lambda k: k.ops.adaptive_average_pool(IMAGES, (3, 4)),
        "adaptive_max_pool": lambda k: k.ops.adaptive_max_pool(IMAGES, 2),
        "adaptive_average_pool 1d channels_first": lambda k: k.ops.adaptive_average_pool(
            SEQUENCES.transpose(0, 2, 1), 3, data_format="channels_first"),
        "adaptive_max_pool 3d": lambda k: k.ops.adaptive_max_pool(IMAGES[..., None, :], (2, 3, 1)),
        "unfold": lambda k: k.ops.unfold(IMAGES.transpose(0, 3, 1, 2), 2),
        "unfold options": lambda k: k.ops.unfold(IMAGES.transpose(0, 3, 1, 2), (2, 3),
                                                 dilation=(1, 2), padding=1, stride=2),
        "fold": lambda k: k.ops.fold(_kernel(2, 16, 20), (5, 6), 2, stride=1),
        "fold options": lambda k: k.ops.fold(_kernel(1, 12, 9), (5, 6), (2, 3), padding=1,
                                             stride=2),
        "ctc_decode": lambda k: k.ops.ctc_decode(F3.repeat(2, axis=1), np.array([6, 4], "int32")),
        "ctc_decode not merged blank 3": lambda k: k.ops.ctc_decode(
            F3, np.array([3, 2], "int32"), merge_repeated=False, mask_index=3),
        "dot_product_attention": lambda k: k.ops.dot_product_attention(Q, K, V),
        "dot_product_attention causal": lambda k: k.ops.dot_product_attention(
            Q, K, V, is_causal=True, scale=0.3),
        "dot_product_attention mask bias": lambda k: k.ops.dot_product_attention(
            Q, K, V, bias=np.linspace(-1, 1, 60, dtype="float32").reshape(2, 2, 3, 5),
            mask=np.arange(5) < np.array([[[[3]]], [[[5]]]])),
    }


def _math_cases():
    return {
        "segment_sum": lambda k: k.ops.segment_sum(F[:3], SEGMENTS, num_segments=3),
        "segment_sum int": lambda k: k.ops.segment_sum(I, SEGMENTS, num_segments=3),
        "segment_max": lambda k: k.ops.segment_max(F[:3], SEGMENTS),
        "segment_max int": lambda k: k.ops.segment_max(I, np.array([1, 1, 0], "int32")),
        "segment_min": lambda k: k.ops.segment_min(F[:3], SEGMENTS, num_segments=3),
        "segment_min int": lambda k: k.ops.segment_min(I, SEGMENTS, num_segments=3),
        "segment_prod": lambda k: k.ops.segment_prod(F[:3], SEGMENTS, num_segments=3),
        "erfc": lambda k: k.ops.erfc(F),
        "logdet": lambda k: k.ops.logdet(SPD),
        "cdist": lambda k: k.ops.cdist(F, F3[0]),
        "view_as_real": lambda k: k.ops.view_as_real(F[0] + 1j * F[1]),
        "view_as_complex": lambda k: k.ops.view_as_complex(F[:, :2]),
        "in_top_k": lambda k: k.ops.in_top_k(np.array([0, 3, 1], "int32"), F, 2),
        "erfinv": lambda k: k.ops.erfinv(np.tanh(F)),
        "erfinv float64": lambda k: k.ops.erfinv(np.tanh(D)),
        "extract_sequences": lambda k: k.ops.extract_sequences(F3, 2, 1),
        "extract_sequences stride": lambda k: k.ops.extract_sequences(
            np.arange(10, dtype="float32"), 4, 3),
        "fft": lambda k: k.ops.fft((F, F[::-1])),
        "fft2": lambda k: k.ops.fft2((F3, F3 * 2)),
        "ifft2": lambda k: k.ops.ifft2((F3, -F3)),
        "rfft": lambda k: k.ops.rfft(F3),
        "rfft fft_length": lambda k: k.ops.rfft(F, fft_length=6),
        "irfft": lambda k: k.ops.irfft((F, F[::-1])),
        "irfft fft_length": lambda k: k.ops.irfft((F, F[::-1]), fft_length=5),
        "stft": lambda k: k.ops.stft(SIGNAL, 10, 4, 16),
        "stft hamming no center": lambda k: k.ops.stft(SIGNAL, 8, 3, 8, window="hamming",
                                                      center=False),
        "stft float64 no window": lambda k: k.ops.stft(SIGNAL.astype("float64"), 6, 5, 8,
                                                      window=None),
        "istft": lambda k: k.ops.istft(k.ops.stft(SIGNAL, 10, 4, 16), 10, 4, 16),
        "istft length no center": lambda k: k.ops.istft(
            k.ops.stft(SIGNAL, 8, 2, 8, center=False), 8, 2, 8, length=30, center=False),
        "istft hamming": lambda k: k.ops.istft((F3[..., :3], F3[..., 1:]), 4, 2, 4,
                                               window="hamming"),
        "istft no window": lambda k: k.ops.istft((F3[..., :3], F3[..., 1:]), 4, 2, 4,
                                                 window=None),
    }


def _linalg_cases():
    return {
        "inv": lambda k: k.ops.linalg.inv(SQUARE),
        "det": lambda k: k.ops.linalg.det(SQUARE),
        "solve": lambda k: k.ops.linalg.solve(SQUARE, RHS),
        "solve_triangular lower": lambda k: k.ops.linalg.solve_triangular(SQUARE, RHS,
                                                                          lower=True),
        "solve_triangular upper": lambda k: k.ops.linalg.solve_triangular(SQUARE, RHS),
        "cholesky": lambda k: k.ops.linalg.cholesky(SPD),
        "cholesky upper": lambda k: k.ops.linalg.cholesky(SPD, upper=True),
        "cholesky_inverse": lambda k: k.ops.linalg.cholesky_inverse(np.linalg.cholesky(SPD)),
        "cholesky_inverse upper": lambda k: k.ops.linalg.cholesky_inverse(
            np.linalg.cholesky(SPD).T, upper=True),
        "pinv": lambda k: k.ops.linalg.pinv(F),
        "matrix_rank": lambda k: k.ops.linalg.matrix_rank(F),
        "eigh values": lambda k: k.ops.linalg.eigh(SPD)[0],
        "qr r abs": lambda k: k.ops.abs(k.ops.linalg.qr(SQUARE)[1]),
        "svd values": lambda k: k.ops.linalg.svd(SQUARE, compute_uv=False),
        "lu_factor": lambda k: tuple(k.ops.linalg.lu_factor(SQUARE)),
        "lstsq": lambda k: k.ops.linalg.lstsq(F, F[:, :2]),
        "norm": lambda k: k.ops.linalg.norm(F, axis=1),
        "jvp": lambda k: k.ops.linalg.jvp(lambda a, b: k.ops.sin(a) * b, (F, F[::-1]),
                                          (F3[0], F3[1])),
        "inv float64": lambda k: k.ops.linalg.inv(SQUARE.astype("float64")),
    }


def _image_cases():
    rgb = IMAGES[..., :3]
    return {
        "rgb_to_grayscale": lambda k: k.ops.image.rgb_to_grayscale(rgb),
        "rgb_to_grayscale uint8 single": lambda k: k.ops.image.rgb_to_grayscale(
            (np.abs(rgb[0]) * 80).astype("uint8")),
        "rgb_to_grayscale channels_first": lambda k: k.ops.image.rgb_to_grayscale(
            rgb.transpose(0, 3, 1, 2), data_format="channels_first"),
        "rgb_to_grayscale gray": lambda k: k.ops.image.rgb_to_grayscale(IMAGES[..., :1]),
        "rgb_to_hsv": lambda k: k.ops.image.rgb_to_hsv(np.abs(np.tanh(rgb))),
        "rgb_to_hsv channels_first greys": lambda k: k.ops.image.rgb_to_hsv(
            np.concatenate([np.abs(np.tanh(rgb)), np.full((2, 5, 1, 3), 0.5, "float32")],
                           axis=2).transpose(0, 3, 1, 2), data_format="channels_first"),
        "hsv_to_rgb": lambda k: k.ops.image.hsv_to_rgb(np.abs(np.tanh(rgb))),
        "rgb_to_hsv int": lambda k: k.ops.image.rgb_to_hsv(np.ones((2, 2, 3), "int32")),
        "extract_patches": lambda k: k.ops.image.extract_patches(IMAGES, 2),
        "extract_patches strides same single": lambda k: k.ops.image.extract_patches(
            IMAGES[0], (2, 3), strides=(1, 2), padding="same"),
        "extract_patches dilated channels_first": lambda k: k.ops.image.extract_patches(
            IMAGES.transpose(0, 3, 1, 2), 2, strides=1, dilation_rate=2,
            data_format="channels_first"),
        "extract_patches_3d": lambda k: k.ops.image.extract_patches_3d(
            IMAGES[..., None].repeat(2, axis=-1)[..., :4, :], (2, 2, 2)),
        "extract_patches 3d size": lambda k: k.ops.image.extract_patches(
            IMAGES[:1, ..., None], (2, 3, 1), strides=(1, 1, 2)),
        "pad_images": lambda k: k.ops.image.pad_images(IMAGES, 1, 2, target_height=8,
                                                       target_width=9),
        "pad_images bottom right": lambda k: k.ops.image.pad_images(
            IMAGES[0], bottom_padding=2, right_padding=1, target_height=9, target_width=8),
        "pad_images too few": lambda k: k.ops.image.pad_images(IMAGES, 1, 2),
        "crop_images": lambda k: k.ops.image.crop_images(IMAGES, 1, 2, target_height=3,
                                                         target_width=2),
        "crop_images bottom right channels_first": lambda k: k.ops.image.crop_images(
            IMAGES.transpose(0, 3, 1, 2), bottom_cropping=1, right_cropping=2, target_height=3,
            target_width=3, data_format="channels_first"),
    }


CASES = {**_numpy_cases(), **_core_cases(), **_nn_cases(), **_math_cases(), **_linalg_cases(),
         **_image_cases()}


def run_case(keras, name):
    """The case's outputs, as a tuple of numpy arrays."""
    result = CASES[name](keras)
    items = result if isinstance(result, tuple) else (result,)
    return tuple(np.asarray(item) for item in items)
