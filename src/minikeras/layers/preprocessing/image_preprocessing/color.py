"""What Keras 3's colour layers share: their `value_range` (checked and sorted), moving
pixels between value ranges (most colour layers compute in `(0, 255)`), the luma of RGB
images and the axis of the channels."""

import numpy as np

# `tf.image.rgb_to_grayscale`'s weights of red, green and blue
LUMA_WEIGHTS = (0.2989, 0.5870, 0.1140)


def standardize_value_range(value_range):
    """`value_range` as Keras' colour layers keep it: two numbers, sorted, in a list."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(
            "The `value_range` argument should be a list of two numbers. "
            f"Received: value_range={value_range}")
    return sorted(value_range)


def rescale(images, original, target):
    """`images` moved linearly from the value range `original` to `target` (as they are when
    the two are the same), in the images' float type."""
    if original[0] == target[0] and original[1] == target[1]:
        return images
    dtype = np.dtype(images.dtype).type
    unit = (images - dtype(original[0])) / (dtype(original[1]) - dtype(original[0]))
    return unit * (dtype(target[1]) - dtype(target[0])) + dtype(target[0])


def rescale_factor(original, target, dtype):
    """The derivative of `rescale` (a constant)."""
    if original[0] == target[0] and original[1] == target[1]:
        return dtype(1)
    return (dtype(target[1]) - dtype(target[0])) / (dtype(original[1]) - dtype(original[0]))


def channels_axis(data_format):
    """The channels axis of a batch of images."""
    return 1 if data_format == "channels_first" else 3


def luma(images, data_format):
    """The grayscale of a batch of RGB images, one channel kept (grayscale images are their
    own); Keras' error for any other number of channels."""
    axis = channels_axis(data_format)
    if images.shape[axis] not in (1, 3):
        raise ValueError(
            "Invalid channel size: expected 3 (RGB) or 1 (Grayscale). "
            f"Received input with shape: images.shape={images.shape}")
    if images.shape[axis] == 1:
        return images
    weights = np.array(LUMA_WEIGHTS, images.dtype)
    return np.expand_dims(np.tensordot(images, weights, axes=([axis], [0])), axis)


def luma_adjoint(grad, data_format, channels):
    """The gradient of the images of `luma` from that of its output."""
    if channels == 1:
        return grad
    shape = [1, 1, 1, 1]
    shape[channels_axis(data_format)] = 3
    return grad * np.array(LUMA_WEIGHTS, grad.dtype).reshape(shape)


def traced(function, images):
    """`function(images)` (written with `minikeras.ops`) as an array, and its pullback: the
    gradient of the images from that of the output (the colour-space layers' gradients)."""
    from minikeras import autodiff

    out, pullback = autodiff.vjp(function, images)
    return np.asarray(out, images.dtype), pullback


def pulled_back(pullback, grad):
    """The images' gradient from a `traced` call's pullback."""
    (grad,) = pullback(grad)
    return np.asarray(grad, grad.dtype)
