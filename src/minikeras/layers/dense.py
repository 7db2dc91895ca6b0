"""`Dense`: `activation(inputs @ kernel + bias)`."""

import numpy as np

from minikeras import activations, backend, constraints, initializers, regularizers
from minikeras.compat import legacy
from minikeras.layers.base import Layer, StalePlan
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Dense(Layer):
    """A densely connected layer: `activation(inputs @ kernel + bias)`.

    Inputs of rank > 2 are contracted on their last axis: `(batch, d0, in) -> (batch, d0, units)`.

    Args:
        units: positive integer, the size of the output's last axis.
        activation: the activation function (name, config or callable); None is linear.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers of the two weights.
        kernel_regularizer, bias_regularizer: regularizers of the two weights.
        activity_regularizer: regularizer of the output.
        kernel_constraint, bias_constraint: constraints applied after each update.
        **kwargs: base layer arguments (`name`, `trainable`, `dtype`, `input_shape`, ...).
            Keras 1's names (`output_dim`, `init`, `W_regularizer`, ...) work, with a warning.
    """

    _saves_built_weights_only = True  # see `Layer.save_own_variables`

    _activation_after_forward = True
    _single_input = True

    @legacy.renamed_arguments(legacy.DENSE)
    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        lora_alpha=None,
        quantization_config=None,
        **kwargs,
    ):
        if not isinstance(units, int) or units <= 0:
            raise ValueError(
                "Received an invalid value for `units`, expected a positive integer. "
                f"Received: units={units}"
            )
        if lora_rank is not None or quantization_config is not None:
            raise ValueError("minikeras' Dense does not support LoRA or quantization.")
        _check_dtype(kwargs.get("dtype"))
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._linear = self.activation is activations.linear
        self._kernel = self._bias = None
        self.supports_masking = True

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(
                f"The last axis of the inputs to Dense layer '{self.name}' must be defined to "
                f"create its kernel; received input_shape={tuple(input_shape)}"
            )
        self._kernel = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        if self.use_bias:
            self._bias = self.add_weight(
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )

    @property
    def kernel(self):
        if self._kernel is None:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        return self._kernel

    @property
    def bias(self):
        if not self.built:
            raise AttributeError("You must build the layer before accessing `bias`.")
        return self._bias

    def _conform_input(self, x):
        if x.ndim < 2:
            raise self._incompatible(
                f"expected min_ndim=2, found ndim={x.ndim}. Full shape received: {x.shape}", x
            )
        if x.shape[-1] != self._kernel.value.shape[0]:
            raise self._incompatible(
                f"expected axis -1 of input shape to have value {self._kernel.value.shape[0]}, "
                f"but received input with shape {x.shape}",
                x,
            )
        return x

    def forward(self, inputs, training=False):
        z = np.matmul(inputs, self._kernel.value)
        if self._bias is not None:
            z += self._bias.value
        return z, inputs  # the activation follows, as its own node (Layer.call)

    def _inference_step(self):
        # `forward` and the activation in one call, reading the weights' values at each (a
        # subclass's own `forward` gets the general step).
        if type(self).forward is not Dense.forward or not self._plannable():
            return super()._inference_step()
        activation, on_output = self._planned_activation()
        kernel, bias, matmul = self._kernel, self._bias, np.matmul

        def step(x):
            if self.activity_regularizer is not None or (
                    activation is not None and self.activation is not activation):
                raise StalePlan
            z = matmul(x, kernel.value)  # the arithmetic of `forward`
            if bias is not None:
                z += bias.value
            return z if on_output is None else on_output(z)

        return step

    def backward(self, inputs, grad, grads):
        kernel, bias = self._kernel, self._bias
        # Rows of features (a batch of vectors is one already: no views to make).
        flat_grad = grad if grad.ndim == 2 else grad.reshape(-1, self.units)
        if grads.wants(kernel):
            flat_inputs = inputs if inputs.ndim == 2 else inputs.reshape(-1, inputs.shape[-1])
            grads.add(kernel, np.matmul(flat_inputs.T, flat_grad, out=grads.buffer(kernel)))
        if bias is not None and grads.wants(bias):
            grads.add(bias, np.add.reduce(flat_grad, axis=0, out=grads.buffer(bias)))
        return np.matmul(grad, kernel.value.T) if grads.needs_input else None

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape)[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }


def _check_dtype(dtype):
    """Refuse a dtype a kernel cannot hold (Keras refuses `object` on construction, complex
    and string dtypes when the kernel is made): a real float or integer dtype, or None
    (the layers' default)."""
    try:
        kind = np.dtype(backend.standardize_dtype(dtype)).kind
    except ValueError:
        kind = None
    if kind not in ("f", "i", "u"):
        name = getattr(dtype, "name", dtype)
        raise ValueError(
            f"Cannot convert '{name}' to a dtype policy for a Dense layer. Valid policies include "
            "'mixed_float16', 'mixed_bfloat16', and the name of any float dtype such as "
            "'float32' (or an integer dtype)."
        )
