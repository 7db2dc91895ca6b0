"""The sampling functions of `keras.ops.image`: `affine_transform` and `perspective_transform`
(TensorFlow's `ImageProjectiveTransformV3`, as the image preprocessing layers compute it in
`layers.preprocessing.image_preprocessing.affine`), `map_coordinates` (order 0 or 1, with
Keras' TensorFlow index fixing) and `elastic_transform` (a blurred random displacement read
through `map_coordinates`).

Each output is a weighted sum of gathered inputs, so its gradient is the scatter of the
weighted cotangent back to the pixels read: one tape node per call (`autodiff.primitive`);
the transforms and coordinates themselves get no gradient, as in Keras."""

import itertools

import numpy as np

from minikeras import autodiff, backend
from minikeras.core.tape import Node
from minikeras.ops._dtypes import _input, _value

INTERPOLATIONS = ("nearest", "bilinear")
FILL_MODES = ("constant", "nearest", "wrap", "reflect")
MAP_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _check_choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"Invalid value for argument `{name}`. Expected of one {allowed}. "
                         f"Received: {name}={value}")


def _check_images(images):
    images = _input(images)
    if np.ndim(_value(images)) not in (3, 4):
        raise ValueError(
            "Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
            f"Received input with shape: images.shape={np.shape(_value(images))}")
    return images


def _record(images, value, vjp, name):
    """`value`, computed from `images`, as a tape node when `images` is one."""
    return autodiff.primitive(value, vjp, images, name) if isinstance(images, Node) else value


# ----------------------------------------------------------------------------------------------
# Projective transforms


def _projective(images, transforms, interpolation, fill_mode, fill_value, data_format, name):
    """`images` (one or a batch, in `data_format`) read through the 8-parameter `transforms`
    (one or one per image); integers are read in float32 and truncated back, as TensorFlow's
    kernel does."""
    from minikeras.layers.preprocessing.image_preprocessing import affine

    channels_first = backend.standardize_data_format(data_format) == "channels_first"
    value = _value(images)
    batch = value[None] if value.ndim == 3 else value
    if channels_first:
        batch = np.moveaxis(batch, 1, -1)
    transforms = np.broadcast_to(np.reshape(transforms, (-1, 8)), (batch.shape[0], 8))
    tap_set = affine.taps(batch.shape, transforms, interpolation, fill_mode)
    if value.dtype.kind == "f":
        out = affine.transform(batch, tap_set, fill_value)
    else:
        fill = float(np.asarray(fill_value).astype(value.dtype))
        out = affine.transform(batch.astype(np.float32), tap_set, fill).astype(value.dtype)

    def restore(x):
        x = np.moveaxis(x, -1, 1) if channels_first else x
        return x[0] if value.ndim == 3 else x

    def vjp(grad):
        grad = grad[None] if value.ndim == 3 else grad
        grad = np.ascontiguousarray(np.moveaxis(grad, 1, -1) if channels_first else grad)
        return restore(affine.transform_adjoint(grad, tap_set))

    return _record(images, np.ascontiguousarray(restore(out)), vjp, name)


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """`images` (rank 3, or a batch of rank 4) with each output pixel `(x, y)` read at
    `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`, `k = c0 x + c1 y + 1`, for a
    `transform` `[a0, a1, a2, b0, b1, b2, c0, c1]` (one, or one per image); points outside are
    filled as `fill_mode` says ("constant": `fill_value`)."""
    _check_choice("interpolation", interpolation, INTERPOLATIONS)
    _check_choice("fill_mode", fill_mode, FILL_MODES)
    images = _check_images(images)
    transform = np.asarray(_value(transform), np.float32)
    if transform.ndim not in (1, 2):
        raise ValueError(
            "Invalid transform rank: expected rank 1 (single transform) or rank 2 (batch of "
            f"transforms). Received input with shape: transform.shape={transform.shape}")
    return _projective(images, transform, interpolation, fill_mode, fill_value, data_format,
                       "affine_transform")


def _homography(start_points, end_points):
    """The transforms mapping each output point of `end_points` (batch, 4, 2) to its input
    point of `start_points`: the 8 by 8 linear system of the four correspondences, solved in
    float32."""
    (x, y), (u, v) = np.moveaxis(end_points, -1, 0), np.moveaxis(start_points, -1, 0)
    ones, zeros = np.ones_like(x), np.zeros_like(x)
    rows = []
    for i in range(4):
        rows.append(np.stack([x[:, i], y[:, i], ones[:, i], zeros[:, i], zeros[:, i],
                              zeros[:, i], -u[:, i] * x[:, i], -u[:, i] * y[:, i]], -1))
        rows.append(np.stack([zeros[:, i], zeros[:, i], zeros[:, i], x[:, i], y[:, i],
                              ones[:, i], -v[:, i] * x[:, i], -v[:, i] * y[:, i]], -1))
    targets = np.stack([u, v], -1).reshape(-1, 8, 1)
    return np.linalg.solve(np.stack(rows, 1), targets).reshape(-1, 8).astype(np.float32)


def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """`images` warped so that the four `start_points` (`(4, 2)`, or `(N, 4, 2)`: x, y) land
    on the `end_points`; points read from outside are `fill_value`."""
    start_points = np.asarray(_value(start_points), np.float32)
    end_points = np.asarray(_value(end_points), np.float32)
    _check_choice("interpolation", interpolation, INTERPOLATIONS)
    images = _check_images(images)
    for name, points in (("start_points", start_points), ("end_points", end_points)):
        if points.ndim not in (2, 3) or points.shape[-2:] != (4, 2):
            raise ValueError(f"Invalid {name} shape: expected (4,2) for a single image or "
                             f"(N,4,2) for a batch. Received shape: {points.shape}")
    if start_points.shape != end_points.shape:
        raise ValueError(
            "start_points and end_points must have the same shape. Received "
            f"start_points.shape={start_points.shape}, end_points.shape={end_points.shape}")
    transforms = _homography(start_points.reshape(-1, 4, 2), end_points.reshape(-1, 4, 2))
    return _projective(images, transforms, interpolation, "constant", fill_value, data_format,
                       "perspective_transform")


# ----------------------------------------------------------------------------------------------
# Reading at coordinates


def _fix_index(index, size, fill_mode):
    """Keras' TensorFlow backend's treatment of an integer index outside `[0, size)`: the
    index to read and whether it counts (only "constant" has indices that do not). Its
    "mirror" can leave an index of `size` (where TensorFlow's gather then fails) and its
    "reflect" is a mirror about 0 but a reflection at the far end: both kept as they are."""
    if fill_mode == "constant":
        return np.clip(index, 0, size - 1), (index >= 0) & (index < size)
    if fill_mode == "nearest":
        return np.clip(index, 0, size - 1), None
    if fill_mode == "wrap":
        return np.mod(index, size), None
    folded = np.mod(np.abs(index), 2 * size)
    fixed = np.where(folded < size, folded, 2 * size - folded)
    if fill_mode == "reflect":
        fixed = np.where(folded >= size, fixed - 1, fixed)
    if (fixed >= size).any():
        bad = int(fixed[fixed >= size].flat[0])
        raise IndexError(f"map_coordinates: index {bad} does not index into an axis of size "
                         f"{size} (fill_mode={fill_mode!r}, as Keras on TensorFlow fails)")
    return fixed, None


def _axis_taps(coordinate, size, order, fill_mode, dtype):
    """The (index, valid, weight) pairs one axis reads at `coordinate` with."""
    if order == 0:
        index = coordinate if coordinate.dtype.kind in "iu" else np.round(coordinate)
        nodes = [(index, np.ones((), dtype))]
    else:
        lower = np.floor(coordinate)
        upper = (coordinate - lower).astype(dtype)
        nodes = [(lower, 1 - upper), (lower + 1, upper)]
    return [(*_fix_index(index.astype(np.int64), size, fill_mode), weight)
            for index, weight in nodes]


def _sample(inputs, coordinates, orders, fill_mode, fill_value, name):
    """`inputs` read at `coordinates` (one array per leading axis of `inputs`, all of one
    shape), each axis interpolated with its order of `orders`: an array of the coordinates'
    shape followed by the axes of `inputs` that are not read (read whole)."""
    value = _value(inputs)
    read = len(coordinates)
    dtype = next((c.dtype for c in coordinates if c.dtype.kind == "f"),
                 np.dtype(backend.floatx()) if 1 in orders else coordinates[0].dtype)
    shape, rest = value.shape[:read], value.shape[read:]
    flat_inputs = value.reshape((-1,) + rest)
    fill = np.asarray(fill_value).astype(value.dtype).astype(dtype)
    taps = []
    for combination in itertools.product(*(
            _axis_taps(c, n, o, fill_mode, dtype) for c, n, o in zip(coordinates, shape, orders))):
        indices, valids, weights = zip(*combination)
        flat = np.ravel_multi_index(indices, shape)
        valid = None if fill_mode != "constant" else np.logical_and.reduce(valids)
        weight = np.multiply.reduce(np.broadcast_arrays(*weights)) if len(weights) > 1 \
            else weights[0]
        taps.append((flat, valid, np.asarray(weight, dtype)))
    spread = (Ellipsis,) + (None,) * len(rest)  # a coordinates-shaped array over `rest`
    out = 0
    for flat, valid, weight in taps:
        gathered = flat_inputs[flat].astype(dtype)
        if valid is not None:
            gathered = np.where(valid[spread], gathered, fill)
        out = out + weight[spread] * gathered
    out = np.asarray(out)
    if value.dtype.kind in "iub":
        out = np.round(out)
    out = out.astype(value.dtype)

    def vjp(grad):
        total = np.zeros(flat_inputs.shape, grad.dtype)
        for flat, valid, weight in taps:
            share = grad * weight[spread].astype(grad.dtype)
            if valid is None:
                np.add.at(total, flat, share)
            else:
                np.add.at(total, flat[valid], share[valid])
        return total.reshape(value.shape)

    return _record(inputs, out, vjp, name)


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """`inputs` (any rank) read at `coordinates` (one array of points per axis of `inputs`,
    stacked first) by nearest (`order=0`) or linear (`order=1`) interpolation; integers are
    rounded back."""
    inputs = _input(inputs)
    coordinates = np.asarray(_value(coordinates))
    rank = np.ndim(_value(inputs))
    if coordinates.shape[0] != rank:
        raise ValueError(
            "First dim of `coordinates` must be the same as the rank of `inputs`. Received "
            f"inputs with shape: {np.shape(_value(inputs))} and coordinate leading dim of "
            f"{coordinates.shape[0]}")
    if coordinates.ndim < 2:
        raise ValueError("Invalid coordinates rank: expected at least rank 2. Received input "
                         f"with shape: {coordinates.shape}")
    if fill_mode not in MAP_FILL_MODES:
        raise ValueError(f"Invalid value for argument `fill_mode`. Expected one of "
                         f"{set(MAP_FILL_MODES)}. Received: fill_mode={fill_mode}")
    if order not in (0, 1):
        raise NotImplementedError("map_coordinates currently requires order<=1")
    return _sample(inputs, list(coordinates), [order] * rank, fill_mode, fill_value,
                   "map_coordinates")


def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None, data_format=None):
    """`images` read through a random displacement field: one normal draw per pixel (of each
    image) scaled by `sigma`, blurred by a Gaussian of `sigma` (a `6 * int(sigma) | 1` kernel)
    and scaled by `alpha`. As Keras on TensorFlow draws the two displacements with one seed,
    they are the same draw: every pixel moves along the diagonal."""
    from minikeras import random
    from minikeras.ops._image_filters import gaussian_blur

    _check_choice("interpolation", interpolation, INTERPOLATIONS)
    _check_choice("fill_mode", fill_mode, FILL_MODES)
    images = _check_images(images)
    value = _value(images)
    if value.dtype.kind != "f":
        raise TypeError(f"elastic_transform needs float images. Received: images.dtype="
                        f"{backend.standardize_dtype(value.dtype)}")
    dtype = value.dtype
    channels_first = backend.standardize_data_format(data_format) == "channels_first"
    batch = value[None] if value.ndim == 3 else value
    height, width = batch.shape[2:] if channels_first else batch.shape[1:3]
    size = 6 * int(sigma) | 1
    noise = np.asarray(random.normal((batch.shape[0], height, width), dtype=dtype, seed=seed))
    noise = noise * np.asarray(sigma, dtype)
    channel_axis = 1 if channels_first else -1
    blurred = np.asarray(gaussian_blur(np.expand_dims(noise, channel_axis), (size, size),
                                       (sigma, sigma), data_format=data_format))
    shift = np.asarray(alpha, dtype) * np.squeeze(blurred, channel_axis)
    rows, cols = np.meshgrid(np.arange(height, dtype=dtype), np.arange(width, dtype=dtype),
                             indexing="ij")
    index = np.broadcast_to(np.arange(batch.shape[0])[:, None, None], shift.shape)
    moved = _channels_last_batch(images, channels_first)
    order = INTERPOLATIONS.index(interpolation)
    out = _sample(moved, [index, rows + shift, cols + shift], [0, order, order], fill_mode,
                  fill_value, "elastic_transform")
    return _from_channels_last_batch(out, channels_first, value.ndim == 3)


def _channels_last_batch(images, channels_first):
    from minikeras import ops

    batch = ops.expand_dims(images, 0) if np.ndim(_value(images)) == 3 else images
    return ops.moveaxis(batch, 1, -1) if channels_first else batch


def _from_channels_last_batch(images, channels_first, single):
    from minikeras import ops

    images = ops.moveaxis(images, -1, 1) if channels_first else images
    return ops.squeeze(images, 0) if single else images
