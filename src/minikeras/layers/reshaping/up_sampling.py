"""`UpSampling2D` (nearest, or any of `tf.image.resize`'s interpolations), `UpSampling3D`
(nearest): the spatial axes enlarged by integer factors."""

from minikeras.layers import resampling, spatial
from minikeras.layers.preprocessing.image_preprocessing.resizing import ImageResize
from minikeras.layers.spatial import SpatialLayer
from minikeras.saving import registry


class BaseUpSampling(SpatialLayer):
    """Enlarge each spatial axis `size[i]` times, repeating each position ("nearest")."""

    _keeps_integer_inputs = _moves_values = True  # Keras 3 keeps integers integers

    def __init__(self, size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = spatial.standardize_data_format(data_format)
        self.size = spatial.standardize_tuple(size, self.rank, "size")
        self.built = True

    def _axes(self):
        return list(spatial.spatial_axes(self.rank, self.data_format))

    def forward(self, inputs, training=False):
        return resampling.nearest_repeat(inputs, self.size, self._axes()), None

    def backward(self, ctx, grad, grads):
        return resampling.nearest_repeat_adjoint(grad, self.size, self._axes())

    def compute_output_shape(self, input_shape):
        batch, sizes, channels = spatial.split_shape(input_shape, self.data_format)
        sizes = [None if n is None else n * s for n, s in zip(sizes, self.size)]
        return spatial.join_shape(batch, sizes, channels, self.data_format)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}


@registry.register("layer", module="keras.layers")
class UpSampling2D(BaseUpSampling):
    """Upsampling of rows and columns.

    Args:
        size: an int or 2 ints, the factors of rows and columns.
        data_format: "channels_last" (default) or "channels_first".
        interpolation: "nearest" (repeat each pixel), or "bilinear", "bicubic", "lanczos3",
            "lanczos5" or "area", sampled as Keras' `ops.image.resize` on TensorFlow
            (half-pixel centres, TensorFlow's bicubic table).
    """

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, **kwargs)
        self.interpolation = str(interpolation).lower()
        if self.interpolation not in resampling.RESIZE_INTERPOLATIONS:
            raise NotImplementedError(  # tf_keras' "gaussian" and "mitchellcubic"
                f"UpSampling2D's interpolation={interpolation!r} is not supported by "
                f"minikeras: use one of {resampling.RESIZE_INTERPOLATIONS}.")

    def _matrices(self, shape, dtype):
        return [resampling.resize_matrix(shape[axis], shape[axis] * factor, self.interpolation,
                                         False, dtype)
                for axis, factor in zip(self._axes(), self.size)]

    def forward(self, inputs, training=False):
        if self.interpolation == "nearest":
            return super().forward(inputs, training)
        if inputs.dtype.kind in "iu":  # as Keras' resize: in float32, rounded and saturated
            sizes = [inputs.shape[axis] * factor for axis, factor in zip(self._axes(), self.size)]
            return ImageResize(sizes, self.interpolation, False, self.data_format).forward(
                inputs), inputs.shape
        out = inputs
        for axis, matrix in zip(self._axes(), self._matrices(inputs.shape, inputs.dtype)):
            out = resampling.apply_on_axis(matrix, out, axis)
        return out, inputs.shape

    def backward(self, ctx, grad, grads):
        if self.interpolation == "nearest":
            return super().backward(ctx, grad, grads)
        for axis, matrix in zip(self._axes(), self._matrices(ctx, grad.dtype)):
            grad = resampling.apply_on_axis(matrix.T, grad, axis)
        return grad

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation}


@registry.register("layer", module="keras.layers")
class UpSampling3D(BaseUpSampling):
    """Upsampling of three spatial axes by repetition.

    Args:
        size: an int or 3 ints, the factors of the three axes.
        data_format: "channels_last" (default) or "channels_first".
    """

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)
