"""`EinsumDense`: a dense layer whose product is any `einsum` of the inputs and the kernel."""

import re

import numpy as np

from minikeras import activations, constraints, initializers, regularizers
from minikeras.core.tape import unbroadcast
from minikeras.layers.base import Layer
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class EinsumDense(Layer):
    """`activation(einsum(equation, inputs, kernel) + bias)`.

    Args:
        equation: `"ab,bc->ac"`, `"...ab,bc->...ac"` or `"ab...,bc->ac..."` shaped: the
            inputs' subscripts, the kernel's, the output's. Every kernel subscript names an
            axis of the inputs or of the output, which gives its size.
        output_shape: an int or a tuple, the output's shape without the batch axis and the
            axes the ellipsis stands for (None for an axis the inputs give).
        activation: the activation (name, config or callable); None is linear.
        bias_axes: a string of output subscripts the bias varies along (None: no bias); the
            bias is shaped like the output from the first of them on, 1 on the others.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: as for `Dense`. A
            variance-scaling kernel initializer without fan axes of its own counts the
            kernel's input and output subscripts as its fans (Keras').
        lora_rank, lora_alpha, quantization_config: Keras' low-rank adaptation and
            quantization, which minikeras does not do: only None is accepted.
        **kwargs: base layer arguments.
    """

    _saves_built_weights_only = True
    _activation_after_forward = True
    _single_input = True

    def __init__(
        self,
        equation,
        output_shape,
        activation=None,
        bias_axes=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        lora_alpha=None,
        gptq_unpacked_column_size=None,
        quantization_config=None,
        **kwargs,
    ):
        if lora_rank is not None or quantization_config is not None \
                or gptq_unpacked_column_size is not None:
            raise ValueError("minikeras' EinsumDense does not support LoRA or quantization.")
        super().__init__(**kwargs)
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) \
            else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self._linear = self.activation is activations.linear
        self._kernel = self.bias = None
        self._ndim = None
        self._gradient_equations = _gradient_equations(equation)

    def build(self, input_shape):
        kernel_shape, bias_shape, _, input_axes, output_axes = analyze_einsum_string(
            self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape)
        self._ndim = len(input_shape)
        initializer = self.kernel_initializer
        if isinstance(initializer, initializers.VarianceScaling) and (
                initializer.input_axes is None or initializer.output_axes is None):
            # A copy that knows the fans (the layer's config keeps the initializer as given).
            config = {**initializer.get_config(), "input_axes": input_axes,
                      "output_axes": output_axes}
            config["seed"] = initializer.seed
            initializer = type(initializer).from_config(config)
        self._kernel = self.add_weight(
            name="kernel", shape=tuple(kernel_shape), initializer=initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )
        if bias_shape is not None:
            self.bias = self.add_weight(
                name="bias", shape=tuple(bias_shape), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )

    @property
    def kernel(self):
        if not self.built:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        return self._kernel

    def _conform_input(self, x):
        if x.ndim != self._ndim:
            raise self._incompatible(
                f"expected ndim={self._ndim}, found ndim={x.ndim}. Full shape received: "
                f"{x.shape}", x)
        return x

    def forward(self, inputs, training=False):
        z = np.einsum(self.equation, inputs, self._kernel.value, optimize=True)
        if self.bias is not None:
            z += self.bias.value
        return z, inputs  # the activation follows (Layer.call)

    def backward(self, inputs, grad, grads):
        kernel, bias = self._kernel, self.bias
        to_kernel, to_inputs, summed = self._gradient_equations
        if grads.wants(kernel):
            grads.add(kernel, np.einsum(to_kernel, inputs, grad, optimize=True))
        if bias is not None and grads.wants(bias):
            grads.add(bias, unbroadcast(grad, bias.shape))
        if not grads.needs_input:
            return None
        # Input axes the product sums away alone get the gradient spread along them.
        spread = [np.ones(inputs.shape[axis], grad.dtype) for axis in summed]
        return np.einsum(to_inputs, grad, kernel.value, *spread, optimize=True)

    def compute_output_shape(self, input_shape):
        _, _, output_shape, _, _ = analyze_einsum_string(
            self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape)
        return tuple(output_shape)

    def get_config(self):
        base = super().get_config()
        base.pop("activity_regularizer", None)
        config = {
            **base,
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }
        return config


def _gradient_equations(equation):
    """`(to_kernel, to_inputs, summed)`: the einsum equations of the kernel's gradient (from
    the inputs and the output's gradient) and of the inputs' (from the output's gradient,
    the kernel and a vector of ones per entry of `summed`), and `summed`, the input axes
    (negative when counted from the end) of the subscripts that only the inputs have."""
    equation = equation.replace(" ", "")
    if "->" not in equation or equation.count(",") != 1:
        return None, None, ()  # build refuses it
    operands, output = equation.split("->")
    inputs, kernel = operands.split(",")
    head, _, tail = inputs.partition("...")
    alone = [c for c in inputs if c.isalpha() and c not in kernel and c not in output]
    summed = tuple(head.index(c) if c in head else tail.index(c) - len(tail) for c in alone)
    to_inputs = f"{output},{kernel}{''.join(',' + c for c in alone)}->{inputs}"
    return f"{inputs},{output}->{kernel}", to_inputs, summed


def analyze_einsum_string(equation, bias_axes, input_shape, output_shape):
    """`(kernel_shape, bias_shape, full_output_shape, input_axes, output_axes)` for an
    `EinsumDense` equation on inputs of `input_shape` (with the batch axis) and the partial
    `output_shape`; the axes are the kernel's input and output subscripts (its fans)."""
    marked = equation.replace("...", "0")
    for pattern, left in (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", False),
                          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),
                          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False)):
        match = re.match(pattern, marked)
        if match:
            return _analyze(*match.groups(), bias_axes, input_shape, output_shape, left)
    raise ValueError(
        f"Invalid einsum equation '{equation}'. Equations must be in the form "
        "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
    )


def _analyze(input_spec, weight_spec, output_spec, bias_axes, input_shape, output_shape,
             left_elided):
    elided = len(input_shape) - len(input_spec)
    full = [input_shape[0], *((output_shape,) if isinstance(output_shape, int)
                              else output_shape)]
    if elided > 0 and left_elided:
        # The axes the leading ellipsis stands for, in their order (Keras 3.15's
        # compute_output_shape reverses them when there are two or more; its outputs do not).
        full[1:1] = input_shape[1:elided]
    elif elided > 0:
        full.extend(input_shape[len(input_shape) - elided:])
    if left_elided:
        input_at = {c: i + elided - len(input_shape) for i, c in enumerate(input_spec)}
        output_at = {c: i + elided for i, c in enumerate(output_spec)}
    else:
        input_at = {c: i for i, c in enumerate(input_spec)}
        output_at = {c: i for i, c in enumerate(output_spec)}
    for c in input_spec:
        if c in output_at:
            size = full[output_at[c]]
            if size is not None and size != input_shape[input_at[c]]:
                raise ValueError(
                    f"Input shape and output shape do not match at shared dimension '{c}'. "
                    f"Input shape is {input_shape[input_at[c]]}, and output shape is {size}."
                )
    for c in output_spec:
        if c not in input_spec and c not in weight_spec:
            raise ValueError(
                f"Dimension '{c}' was specified in the output '{output_spec}' but has no "
                f"corresponding dim in the input spec '{input_spec}' or weight spec "
                f"'{output_spec}'"
            )
    kernel_shape, input_axes, output_axes = [], [], []
    for i, c in enumerate(weight_spec):
        if c in output_at:
            kernel_shape.append(full[output_at[c]])
            output_axes.append(i)
        elif c in input_at:
            kernel_shape.append(input_shape[input_at[c]])
            input_axes.append(i)
        else:
            raise ValueError(
                f"Weight dimension '{c}' did not have a match in either the input spec "
                f"'{input_spec}' or the output spec '{output_spec}'. For this layer, the "
                "weight must be fully specified."
            )
    bias_shape = None
    if bias_axes is not None:
        offset = elided if left_elided else 0
        for c in bias_axes:
            if c not in output_spec:
                raise ValueError(
                    f"Bias dimension '{c}' was requested, but is not part of the output "
                    f"spec '{output_spec}'"
                )
        first = min(output_spec.find(c) for c in bias_axes)
        bias_shape = [full[output_spec.index(c) + offset] if c in bias_axes else 1
                      for c in output_spec[first:]]
        if not left_elided:
            bias_shape.extend([1] * max(elided, 0))
    return kernel_shape, bias_shape, full, input_axes, output_axes
