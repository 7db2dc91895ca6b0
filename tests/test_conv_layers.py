"""Convolution, pooling and spatial layers: Keras' constructor arguments, argument errors and
input checks (the numbers are checked against Keras in test_conv_compat.py, gradients in the
conformance battery)."""

import ast
import inspect
import json
import pathlib

import numpy as np
import pytest

from minikeras import layers

DATA = pathlib.Path(__file__).resolve().parent.parent / "compat" / "data"
SIGNATURES = json.loads((DATA / "layer_signatures.json").read_text())["layers"]
REQUIRED = object()


def _default(text):
    """A default as compared: required, or its value, a tuple of one repeated value as that
    value (Keras writes `strides=(1, 1)` where minikeras writes `strides=1`)."""
    if text is REQUIRED:
        return text
    try:
        value = ast.literal_eval(text)
    except ValueError:
        return text
    if isinstance(value, tuple) and value and len(set(value)) == 1:
        return value[0]
    return value


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_constructor_arguments_are_keras_3s_in_order(name):
    """Each named argument of Keras 3's constructor (compat/make_conv.py), in its place, with
    its default: positional calls mean what they mean in Keras 3. minikeras may name more
    after them (`lora_rank`, which it refuses but Keras takes from `**kwargs`)."""
    keras = [(arg, _default(REQUIRED if default is None else default))
             for arg, default in SIGNATURES[name]]
    parameters = inspect.signature(getattr(layers, name).__init__).parameters.values()
    ours = [(p.name, _default(REQUIRED if p.default is p.empty else repr(p.default)))
            for p in parameters if p.name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD]
    assert ours[:len(keras)] == keras


@pytest.mark.parametrize("make, message", [
    (lambda: layers.Conv2D(0, 3),
     "Invalid value for argument `filters`. Expected a strictly positive value. Received "
     "filters=0."),
    (lambda: layers.Conv2D(5, 3, groups=2),
     "The number of filters must be evenly divisible by the number of groups. Received: "
     "groups=2, filters=5."),
    (lambda: layers.Conv2D(4, 3, groups=0),
     "The number of groups must be a positive integer. Received: groups=0."),
    (lambda: layers.Conv2D(4, (3, 3, 3)),
     "The `kernel_size` argument must be a tuple of 2 integers. Received kernel_size=(3, 3, 3)"),
    (lambda: layers.Conv2D(4, 0),
     "The `kernel_size` argument must be a tuple of 2 integers. Received kernel_size=0, "
     "including values {0} that do not satisfy `value > 0`"),
    (lambda: layers.Conv2D(4, 3, strides=2, dilation_rate=2),
     "`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
     "strides=(2, 2) and dilation_rate=(2, 2)"),
    (lambda: layers.Conv2D(4, 3, padding="causal"),
     "The `padding` argument must be a list/tuple or one of {'valid', 'same'}. Received: "
     "causal"),
    (lambda: layers.Conv1D(4, 3, data_format="channels_middle"),
     "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
     "Received: data_format=channels_middle"),
    (lambda: layers.Conv2DTranspose(4, 3, strides=2, output_padding=2),
     "`output_padding` must be strictly less than `strides` for all dimensions. At dimension "
     "0, `output_padding` is 2 but `strides` is 2. Received: output_padding=(2, 2), "
     "strides=(2, 2)"),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0),
     "Invalid value for argument `depth_multiplier`. Expected a strictly positive value. "
     "Received depth_multiplier=0."),
    (lambda: layers.ZeroPadding2D((1, 2, 3)),
     "`padding` should have 2 elements. Received: padding=(1, 2, 3)."),
    (lambda: layers.Cropping2D(-1), "`cropping` cannot be negative. Received: cropping=-1."),
])
def test_bad_arguments_raise_keras_errors(make, message):
    with pytest.raises(ValueError) as info:
        make()
    assert str(info.value) == message


def test_inputs_are_checked_against_the_built_layer():
    layer = layers.Conv2D(2, 3, name="c")
    layer(np.zeros((1, 5, 5, 3), np.float32))
    with pytest.raises(ValueError, match=r"layer 'c' is incompatible with the layer: expected "
                                         r"axis -1 of input shape to have value 3"):
        layer(np.zeros((1, 5, 5, 4), np.float32))
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        layer(np.zeros((1, 5, 5), np.float32))


def test_groups_must_divide_the_input_channels():
    with pytest.raises(ValueError, match="The number of input channels must be evenly divisible "
                                         "by the number of groups. Received groups=2"):
        layers.Conv2D(4, 3, groups=2).build((None, 6, 6, 3))


def test_unknown_spatial_sizes_give_unknown_output_sizes():
    assert layers.Conv2D(4, 3, strides=2).compute_output_shape((None, None, 9, 3)) == (
        None, None, 4, 4)
    assert layers.Conv2DTranspose(2, 3, strides=2, padding="same").compute_output_shape(
        (None, 5, None, 3)) == (None, 10, None, 2)
    assert layers.MaxPooling2D(data_format="channels_first").compute_output_shape(
        (None, 3, None, 7)) == (None, 3, None, 3)


def test_max_pooling_gradient_goes_to_the_first_maximum():
    from minikeras import GradientTape, ops

    x = np.array([[[1.0], [1.0], [0.0], [2.0]]], np.float32)  # ties in the first window
    with GradientTape() as tape:
        tape.watch(x)
        total = ops.sum(layers.MaxPooling1D(2)(x))
    np.testing.assert_array_equal(tape.gradient(total, x)[0, :, 0], [1, 0, 0, 1])


def test_up_sampling_refuses_tf_keras_kernels_it_lacks():
    """tf_keras' UpSampling2D also took "gaussian" and "mitchellcubic" (Keras 3's resize takes
    neither); a config with one of them fails naming what minikeras takes."""
    with pytest.raises(NotImplementedError, match=r"interpolation='gaussian' is not supported"):
        layers.UpSampling2D(interpolation="gaussian")
