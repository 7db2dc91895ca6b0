"""The filters of `keras.ops.image`: `gaussian_blur`, `sobel_edges` and `ssim`, as Keras
computes them on TensorFlow. Each is made of `minikeras.ops` (depthwise and plain
convolutions with a fixed kernel, slices, means), and so differentiable for free."""

import numpy as np

from minikeras import backend
from minikeras.ops._dtypes import _promote


def _float_images(images, function, ranks=(3, 4)):
    (images,) = _promote(images)
    if images.ndim not in ranks:
        if ranks == (4,):
            raise ValueError("Invalid images rank: expected rank 4 (batch of images). "
                             f"Received: images.shape={list(images.shape)}")
        raise ValueError(
            "Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
            f"Received input with shape: images.shape={images.shape}")
    if images.dtype.kind != "f":
        # TensorFlow's kernels refuse them (an `InvalidArgumentError`).
        raise TypeError(f"{function} needs float images. Received: images.dtype="
                        f"{backend.standardize_dtype(images.dtype)}")
    return images


def _gaussian(size, sigma, dtype):
    """A normalised Gaussian window of `size` taps, in `dtype`."""
    x = np.arange(size, dtype=dtype) - dtype.type((size - 1) / 2)
    window = np.exp(dtype.type(-0.5) * (x / dtype.type(sigma)) ** 2)
    return window / window.sum()


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """`images` (one, or a batch) convolved channel by channel with a Gaussian kernel, padded
    as "same". Keras builds the kernel as the outer product of the width window (of
    `kernel_size[1]`, `sigma[1]`) and the height window, then reshapes it to `kernel_size`:
    the same for a square kernel, and kept so for the others."""
    from minikeras import ops

    images = _float_images(images, "gaussian_blur")
    dtype = images.dtype
    kernel = np.outer(_gaussian(int(kernel_size[1]), sigma[1], dtype),
                      _gaussian(int(kernel_size[0]), sigma[0], dtype))
    kernel = kernel.reshape(int(kernel_size[0]), int(kernel_size[1]))
    data_format = backend.standardize_data_format(data_format)
    channels = images.shape[-1 if data_format == "channels_last" else -3]
    kernel = np.tile(kernel[:, :, None, None], (1, 1, channels, 1))
    single = images.ndim == 3
    batch = ops.expand_dims(images, 0) if single else images
    out = ops.depthwise_conv(batch, kernel, padding="same", data_format=data_format)
    return ops.squeeze(out, 0) if single else out


_SOBEL = np.stack([np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
                   np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])], -1)  # (3, 3, [dy, dx])


def sobel_edges(images, data_format=None):
    """The vertical and horizontal Sobel responses of a batch of `images`, on its edges
    reflected by one pixel: shape `images.shape + (2,)`, the last axis `[dy, dx]`."""
    from minikeras import ops

    images = _float_images(images, "sobel_edges", ranks=(4,))
    channels_first = backend.standardize_data_format(data_format) == "channels_first"
    x = ops.transpose(images, (0, 2, 3, 1)) if channels_first else images
    x = ops.concatenate([x[:, 1:2], x, x[:, -2:-1]], axis=1)
    x = ops.concatenate([x[:, :, 1:2], x, x[:, :, -2:-1]], axis=2)
    channels = x.shape[-1]
    kernel = np.tile(_SOBEL[:, :, None, :], (1, 1, channels, 1)).astype(images.dtype)
    edges = ops.depthwise_conv(x, kernel, padding="valid", data_format="channels_last")
    edges = ops.reshape(edges, tuple(edges.shape[:3]) + (channels, 2))
    return ops.transpose(edges, (0, 3, 1, 2, 4)) if channels_first else edges


def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """The structural similarity of `image1` and `image2` (Wang et al., 2004): local means,
    variances and covariance under a `filter_size` Gaussian window (valid positions only),
    averaged over the map and the channels; one value per image pair (a scalar for single
    images), in `image1`'s dtype."""
    from minikeras import ops

    (original,) = _promote(image1)
    first, second = (_promote(x, floating=True)[0] for x in (image1, image2))
    second = ops.cast(second, first.dtype)
    for name, image in (("image1", first), ("image2", second)):
        if image.ndim not in (3, 4):
            raise ValueError(
                f"Invalid {name} rank: expected rank 3 (single image) or rank 4 (batch of "
                f"images). Received input with shape: {name}.shape={image.shape}")
    single = first.ndim == 3
    if single:
        first, second = ops.expand_dims(first, 0), ops.expand_dims(second, 0)
    if backend.standardize_data_format(data_format) == "channels_first":
        first, second = ops.moveaxis(first, 1, -1), ops.moveaxis(second, 1, -1)
    batch, height, width, channels = first.shape
    dtype = np.dtype(first.dtype)
    x = np.arange(filter_size, dtype=dtype) - dtype.type((filter_size - 1) / 2.0)
    window = np.exp(-(x ** 2) / dtype.type(2.0 * filter_sigma ** 2))
    window = window / window.sum()
    kernel = np.outer(window, window).reshape(filter_size, filter_size, 1, 1)
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2

    def planes(image):  # (batch, height, width, channels) -> (batch * channels, h, w, 1)
        return ops.reshape(ops.transpose(image, (0, 3, 1, 2)), (-1, height, width, 1))

    def mean(x):
        return ops.conv(x, kernel, padding="valid", data_format="channels_last")

    first, second = planes(first), planes(second)
    mu1, mu2 = mean(first), mean(second)
    mu11, mu22, mu12 = mu1 * mu1, mu2 * mu2, mu1 * mu2
    var1 = mean(first * first) - mu11
    var2 = mean(second * second) - mu22
    covariance = mean(first * second) - mu12
    similarity = ((2.0 * mu12 + c1) * (2.0 * covariance + c2)) / (
        (mu11 + mu22 + c1) * (var1 + var2 + c2))
    per_image = ops.mean(ops.reshape(ops.mean(similarity, axis=[1, 2, 3]), (batch, channels)),
                         axis=-1)
    if single:
        per_image = ops.squeeze(per_image, 0)
    return ops.cast(per_image, original.dtype)
