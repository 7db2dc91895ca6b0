"""`InputLayer` and `Input`: declare the shape a model takes."""

from minikeras.layers.base import Layer, standardize_shape
from minikeras.layers.node import KerasTensor, Node
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class InputLayer(Layer):
    """The entry point of a model: holds the batch shape and dtype of its inputs.

    Args:
        shape: the shape of one sample, without the batch axis (a tuple).
        batch_size: an optional fixed batch size.
        dtype: the input dtype (default `"float32"`).
        batch_shape: the full shape, batch axis included (instead of `shape`).
        name: the layer's name (default `input_layer`, `input_layer_1`, ...).
    """

    def __init__(
        self,
        shape=None,
        batch_size=None,
        dtype=None,
        sparse=None,
        ragged=None,
        batch_shape=None,
        input_tensor=None,
        optional=False,
        name=None,
        **kwargs,
    ):
        legacy_shape = kwargs.pop("input_shape", None)
        legacy_batch_shape = kwargs.pop("batch_input_shape", None)
        shape = shape if shape is not None else legacy_shape
        batch_shape = batch_shape if batch_shape is not None else legacy_batch_shape
        kwargs.pop("trainable", None)
        strings = dtype in ("string", "str")  # text inputs (TextVectorization, StringLookup)
        super().__init__(name=name, dtype=None if strings else dtype, **kwargs)
        if strings:
            self.dtype = "string"
        if sparse or ragged:
            raise ValueError("minikeras does not support sparse or ragged inputs.")
        if batch_shape is not None:
            self.batch_shape = standardize_shape(batch_shape)
        elif shape is not None:
            self.batch_shape = (batch_size, *standardize_shape(shape))
        else:
            raise ValueError("You must pass a `shape` argument.")
        self.optional = bool(optional)
        self.built = True
        if input_tensor is not None:
            if not isinstance(input_tensor, KerasTensor):
                raise ValueError(
                    "Argument `input_tensor` must be a KerasTensor. Received invalid type: "
                    f"input_tensor={input_tensor} (of type {type(input_tensor)})"
                )
            Node(self, (), {}, input_tensor)
        else:
            Node(self, (), {}, KerasTensor(self.batch_shape, self.dtype, name=self.name))

    def get_config(self):
        return {
            "batch_shape": self.batch_shape,
            "dtype": self.dtype,
            "sparse": False,
            "ragged": False,
            "name": self.name,
            "optional": self.optional,
        }


def Input(
    shape=None,
    batch_size=None,
    dtype=None,
    sparse=None,
    ragged=None,
    batch_shape=None,
    name=None,
    tensor=None,
    optional=False,
):
    """A symbolic model input of `shape` (a tuple, without the batch axis): a `KerasTensor`."""
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype,
        sparse=sparse,
        ragged=ragged,
        batch_shape=batch_shape,
        name=name,
        optional=optional,
        input_tensor=tensor,
    )
    return layer.output
