"""The convolution, pooling and image layers compared with real Keras, shared by
compat/make_conv.py (which runs them on Keras 3 and tf_keras and writes compat/data/conv*) and
tests/test_conv_compat.py (which replays them on minikeras).

Only numpy and the standard library here: the same code runs under both libraries.
"""

import numpy as np

CF = {"data_format": "channels_first"}

# name -> (class name, positional arguments, keyword arguments, input shape with batch)
LAYER_CASES = {
    "conv1d_valid": ("Conv1D", (4, 3), {}, (2, 9, 3)),
    "conv1d_causal_dilated": ("Conv1D", (4, 3), dict(
        padding="causal", dilation_rate=2), (2, 9, 2)),
    "conv1d_same_strided_cf": ("Conv1D", (4, 3), dict(strides=2, padding="same",
                                                      data_format="channels_first"), (2, 3, 8)),
    "conv1d_groups": ("Conv1D", (6, 2), dict(groups=3, padding="same"), (2, 7, 6)),
    "conv2d_valid": ("Conv2D", (4, 3), {}, (2, 6, 7, 3)),
    "conv2d_same_strided": ("Conv2D", (4, (3, 2)), dict(strides=(2, 3), padding="same"),
                            (2, 8, 7, 3)),
    "conv2d_same_even_kernel": ("Conv2D", (3, 4), dict(strides=2, padding="same"), (2, 7, 6, 2)),
    "conv2d_dilated": ("Conv2D", (2, 3), dict(dilation_rate=(2, 1), padding="same"),
                       (2, 7, 6, 2)),
    "conv2d_groups_cf": ("Conv2D", (4, 3), dict(groups=2, data_format="channels_first"),
                         (2, 4, 6, 5)),
    "conv3d_same_strided": ("Conv3D", (2, 2), dict(padding="same", strides=2), (2, 5, 4, 3, 2)),
    "conv3d_groups_cf": ("Conv3D", (4, (2, 1, 2)), dict(groups=2, data_format="channels_first"),
                         (1, 2, 3, 3, 4)),
    "conv1d_transpose_valid": ("Conv1DTranspose", (3, 3), dict(strides=2), (2, 5, 2)),
    "conv1d_transpose_same_cf": ("Conv1DTranspose", (3, 4), dict(
        strides=3, padding="same", data_format="channels_first"), (2, 2, 5)),
    "conv2d_transpose_same_output_padding": ("Conv2DTranspose", (3, 3), dict(
        strides=2, padding="same", output_padding=1), (2, 4, 3, 2)),
    "conv2d_transpose_valid_output_padding": ("Conv2DTranspose", (2, (3, 2)), dict(
        strides=(3, 2), output_padding=(2, 1)), (2, 3, 4, 2)),
    "conv2d_transpose_dilated_cf": ("Conv2DTranspose", (2, 3), dict(
        dilation_rate=2, data_format="channels_first"), (2, 3, 4, 4)),
    "conv3d_transpose_same": ("Conv3DTranspose", (2, 2), dict(strides=(2, 1, 1), padding="same"),
                              (1, 3, 2, 3, 2)),
    "separable_conv1d": ("SeparableConv1D", (3, 3), dict(depth_multiplier=2, padding="same"),
                         (2, 6, 2)),
    "separable_conv2d_cf": ("SeparableConv2D", (3, 2), dict(
        strides=2, data_format="channels_first"), (2, 2, 5, 5)),
    "separable_conv2d_dilated": ("SeparableConv2D", (4, 3), dict(
        dilation_rate=2, depth_multiplier=3), (2, 7, 7, 2)),
    "depthwise_conv1d": ("DepthwiseConv1D", (3,), dict(depth_multiplier=2, strides=2), (2, 7, 3)),
    "depthwise_conv2d_same_cf": ("DepthwiseConv2D", (3,), dict(
        padding="same", data_format="channels_first", depth_multiplier=2), (2, 2, 5, 5)),
    "max_pooling1d": ("MaxPooling1D", (), {}, (2, 7, 3)),
    "max_pooling1d_same_cf": ("MaxPooling1D", (3, 2, "same", "channels_first"), {}, (2, 3, 8)),
    "max_pooling2d_same_overlapping": ("MaxPooling2D", (3,), dict(strides=2, padding="same"),
                                       (2, 7, 6, 2)),
    "max_pooling2d_cf": ("MaxPooling2D", ((2, 3),), dict(data_format="channels_first"),
                         (2, 2, 5, 7)),
    "max_pooling3d": ("MaxPooling3D", (2,), dict(strides=(1, 2, 2)), (1, 4, 4, 5, 2)),
    "average_pooling1d_same": ("AveragePooling1D", (3,), dict(strides=2, padding="same"),
                               (2, 7, 2)),
    "average_pooling2d": ("AveragePooling2D", ((2, 3),), dict(strides=1), (2, 5, 6, 2)),
    "average_pooling2d_same_cf": ("AveragePooling2D", (3,), dict(
        strides=2, padding="same", data_format="channels_first"), (2, 2, 7, 6)),
    "average_pooling3d_same": ("AveragePooling3D", (2,), dict(padding="same"), (1, 3, 5, 3, 2)),
    "global_average_pooling2d": ("GlobalAveragePooling2D", (), {}, (2, 3, 4, 5)),
    "global_max_pooling2d_keepdims_cf": ("GlobalMaxPooling2D", (), dict(
        keepdims=True, data_format="channels_first"), (2, 3, 4, 5)),
    "global_average_pooling3d_cf": ("GlobalAveragePooling3D", (), dict(
        data_format="channels_first"), (2, 3, 2, 3, 2)),
    "global_max_pooling3d_keepdims": ("GlobalMaxPooling3D", (), dict(keepdims=True),
                                      (2, 2, 3, 2, 3)),
    "zero_padding2d": ("ZeroPadding2D", (((1, 2), (0, 1)),), {}, (2, 3, 4, 2)),
    "zero_padding2d_cf": ("ZeroPadding2D", ((2, 1),), dict(data_format="channels_first"),
                          (2, 2, 3, 4)),
    "zero_padding3d": ("ZeroPadding3D", (1,), {}, (1, 2, 2, 3, 2)),
    "cropping2d": ("Cropping2D", (((1, 0), (1, 2)),), {}, (2, 5, 6, 2)),
    "cropping3d_cf": ("Cropping3D", ((1, 0, 1),), dict(data_format="channels_first"),
                      (1, 2, 4, 3, 4)),
    "up_sampling2d": ("UpSampling2D", ((2, 3),), {}, (2, 3, 2, 2)),
    "up_sampling2d_bilinear": ("UpSampling2D", (3,), dict(interpolation="bilinear"),
                               (2, 3, 4, 2)),
    "up_sampling2d_bilinear_cf": ("UpSampling2D", ((2, 1),), dict(
        interpolation="bilinear", data_format="channels_first"), (2, 2, 3, 4)),
    "up_sampling3d": ("UpSampling3D", ((1, 2, 2),), {}, (1, 2, 2, 3, 2)),
    # Issue 12's audit: every option left, and the weight arguments' losses.
    "conv1d_causal_strided": ("Conv1D", (4, 3), dict(padding="causal", strides=2), (2, 9, 2)),
    "conv1d_causal_cf": ("Conv1D", (3, 2), dict(
        padding="causal", dilation_rate=3, **CF), (2, 2, 9)),
    "conv1d_no_bias_activation": ("Conv1D", (3, 3), dict(
        use_bias=False, activation="relu"), (2, 7, 2)),
    "conv2d_valid_strided_cf": ("Conv2D", (3, (2, 3)), dict(strides=(2, 1), **CF), (2, 2, 7, 6)),
    "conv2d_groups_same_strided": ("Conv2D", (6, 3), dict(
        groups=3, strides=2, padding="same"), (2, 7, 6, 3)),
    "conv2d_activation_sigmoid": ("Conv2D", (2, 2), dict(activation="sigmoid"), (2, 4, 5, 2)),
    "conv3d_dilated": ("Conv3D", (2, 2), dict(dilation_rate=(2, 1, 1)), (1, 5, 3, 4, 2)),
    "conv3d_valid_strided_cf": ("Conv3D", (3, (2, 2, 1)), dict(
        strides=(1, 2, 2), **CF), (1, 2, 4, 5, 5)),
    "conv3d_same_dilated": ("Conv3D", (2, 3), dict(
        padding="same", dilation_rate=2), (1, 5, 5, 4, 1)),
    "conv1d_transpose_output_padding": ("Conv1DTranspose", (3, 3), dict(
        strides=3, output_padding=2), (2, 4, 2)),
    "conv1d_transpose_same_output_padding": ("Conv1DTranspose", (2, 4), dict(
        strides=2, padding="same", output_padding=1), (2, 5, 3)),
    "conv1d_transpose_dilated": ("Conv1DTranspose", (2, 3), dict(dilation_rate=2), (2, 5, 2)),
    "conv2d_transpose_same_even_kernel": ("Conv2DTranspose", (2, 4), dict(
        strides=2, padding="same"), (2, 3, 4, 2)),
    "conv2d_transpose_same_cf_strided": ("Conv2DTranspose", (2, 3), dict(
        strides=(2, 3), padding="same", **CF), (2, 2, 3, 3)),
    "conv3d_transpose_output_padding_cf": ("Conv3DTranspose", (2, 2), dict(
        strides=2, output_padding=1, **CF), (1, 2, 2, 3, 2)),
    "conv3d_transpose_valid_dilated": ("Conv3DTranspose", (2, 2), dict(
        dilation_rate=(1, 2, 1)), (1, 2, 3, 2, 2)),
    "separable_conv1d_strided_cf": ("SeparableConv1D", (3, 3), dict(strides=2, **CF), (2, 2, 9)),
    "separable_conv2d_same_strided": ("SeparableConv2D", (3, (3, 2)), dict(
        strides=2, padding="same", depth_multiplier=2), (2, 7, 6, 2)),
    "separable_conv2d_no_bias": ("SeparableConv2D", (2, 2), dict(
        use_bias=False, activation="tanh"), (2, 4, 4, 3)),
    "depthwise_conv1d_same_cf_dilated": ("DepthwiseConv1D", (3,), dict(
        padding="same", dilation_rate=2, **CF), (2, 2, 8)),
    "depthwise_conv2d_dilated": ("DepthwiseConv2D", (3,), dict(
        dilation_rate=2, depth_multiplier=2), (2, 7, 7, 2)),
    "depthwise_conv2d_strided_valid": ("DepthwiseConv2D", ((2, 3),), dict(
        strides=(2, 1), use_bias=False), (2, 6, 7, 3)),
    "max_pooling1d_strided_valid": ("MaxPooling1D", (3,), dict(strides=1), (2, 7, 2)),
    "max_pooling2d_same_strides_cf": ("MaxPooling2D", (3,), dict(
        strides=(1, 2), padding="same", **CF), (2, 2, 5, 6)),
    "max_pooling3d_same_cf": ("MaxPooling3D", (2,), dict(padding="same", **CF), (1, 2, 3, 5, 4)),
    "average_pooling1d_cf": ("AveragePooling1D", (2,), dict(**CF), (2, 3, 7)),
    "average_pooling2d_same_overlapping": ("AveragePooling2D", (3,), dict(
        strides=1, padding="same"), (2, 4, 5, 2)),
    "average_pooling3d_strided_cf": ("AveragePooling3D", ((2, 1, 2),), dict(
        strides=(1, 1, 2), **CF), (1, 2, 3, 3, 5)),
    "global_max_pooling2d": ("GlobalMaxPooling2D", (), {}, (2, 3, 4, 5)),
    "global_average_pooling2d_keepdims_cf": ("GlobalAveragePooling2D", (), dict(
        keepdims=True, **CF), (2, 3, 4, 5)),
    "global_average_pooling3d_keepdims": ("GlobalAveragePooling3D", (), dict(
        keepdims=True), (2, 2, 3, 2, 3)),
    "global_max_pooling3d_cf": ("GlobalMaxPooling3D", (), dict(**CF), (2, 3, 2, 3, 2)),
    "zero_padding2d_int": ("ZeroPadding2D", (2,), {}, (2, 3, 2, 2)),
    "zero_padding3d_asymmetric_cf": ("ZeroPadding3D", (((1, 0), (0, 2), (1, 1)),), dict(
        **CF), (1, 2, 2, 3, 2)),
    "cropping2d_cf": ("Cropping2D", ((1, 2),), dict(**CF), (2, 2, 5, 6)),
    "cropping2d_int": ("Cropping2D", (1,), {}, (2, 4, 5, 2)),
    "cropping3d_asymmetric": ("Cropping3D", (((1, 0), (0, 1), (1, 1)),), {}, (1, 3, 4, 4, 2)),
    "up_sampling2d_nearest_cf": ("UpSampling2D", ((1, 3),), dict(**CF), (2, 2, 3, 2)),
    "up_sampling2d_bilinear_asymmetric": ("UpSampling2D", ((3, 2),), dict(
        interpolation="bilinear"), (2, 3, 4, 2)),
    "up_sampling3d_cf": ("UpSampling3D", (2,), dict(**CF), (1, 2, 2, 3, 2)),
    "conv2d_regularized": ("Conv2D", (3, 2), dict(
        kernel_regularizer="l2", bias_regularizer={"class_name": "L1", "config": {"l1": 0.1}},
        activity_regularizer="l1", kernel_constraint="max_norm", bias_constraint="non_neg",
        kernel_initializer="he_normal"), (2, 4, 4, 2)),
    "separable_conv1d_regularized": ("SeparableConv1D", (2, 3), dict(
        depthwise_regularizer="l1", pointwise_regularizer="l2", bias_regularizer="l1",
        depthwise_constraint="unit_norm", pointwise_constraint="non_neg"), (2, 6, 2)),
    "depthwise_conv2d_regularized": ("DepthwiseConv2D", (2,), dict(
        depthwise_regularizer="l2", activity_regularizer="l2", depthwise_constraint="max_norm",
        depth_multiplier=2), (2, 4, 4, 2)),
    "conv3d_transpose_regularized": ("Conv3DTranspose", (2, 2), dict(
        kernel_regularizer="l1", bias_regularizer="l2"), (1, 2, 2, 2, 2)),
}

# Cases only tf_keras builds (Keras 3 refuses causal padding here): tf_keras' configs and
# outputs (data/conv_configs.json "k2", data/conv_layers_k2.npz), which minikeras loads.
KERAS2_ONLY_CASES = {
    "separable_conv1d_causal": ("SeparableConv1D", (2, 3), dict(
        padding="causal", dilation_rate=2), (2, 8, 2)),
    "separable_conv1d_causal_strided_cf": ("SeparableConv1D", (3, 3), dict(
        padding="causal", strides=2, depth_multiplier=2, data_format="channels_first"),
        (2, 3, 9)),
}

# Cases whose tf_keras config means another layer: tf_keras' Conv3DTranspose ignores
# `dilation_rate` and leaves it out of its config (which then loads undilated).
KERAS2_UNDILATED = ("conv3d_transpose_valid_dilated",)


def layer_data(name, weight_shapes):
    """The input, output gradient seed and weights of a case, from its name alone."""
    _, _, _, shape = {**LAYER_CASES, **KERAS2_ONLY_CASES}[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    x = rng.normal(size=shape).astype("float32")
    weights = [rng.uniform(-0.5, 0.5, s).astype("float32") for s in weight_shapes]
    return x, weights


def upstream(name, output_shape):
    rng = np.random.default_rng(sum(map(ord, name)) + 1)
    return rng.normal(size=output_shape).astype("float32")


# Sequential convnets saved by Keras in every format, and trained a few steps from fixed
# weights: every layer above, both data formats. (layer class, args, kwargs) after an Input.
def model_specs(data_format):
    f = {"data_format": data_format}
    cf = data_format == "channels_first"

    def shape(spatial, channels):
        return (channels, *spatial) if cf else (*spatial, channels)

    return {
        "conv2d": (shape((12, 12), 3), [
            ("Conv2D", (4, 3), dict(padding="same", activation="relu", **f)),
            ("DepthwiseConv2D", (3,), dict(depth_multiplier=2, activation="tanh", **f)),
            ("SeparableConv2D", (4, 3), dict(padding="same", **f)),
            ("MaxPooling2D", (), f),
            ("ZeroPadding2D", (1,), f),
            ("Conv2DTranspose", (3, 3), dict(strides=2, padding="same", **f)),
            ("Cropping2D", (((1, 1), (2, 0)),), f),
            ("UpSampling2D", (), dict(interpolation="bilinear", **f)),
            ("AveragePooling2D", (2,), f),
            ("UpSampling2D", ((1, 2),), f),
            ("Conv2D", (4, 2), dict(dilation_rate=2, activation="elu", **f)),
            ("GlobalAveragePooling2D" if cf else "GlobalMaxPooling2D", (), f),
            ("Dense", (3,), dict(activation="softmax")),
        ]),
        "conv1d": (shape((16,), 3), [
            ("Conv1D", (4, 3), dict(padding="causal" if not cf else "same", dilation_rate=2,
                                    **f)),
            ("DepthwiseConv1D", (3,), f),
            ("SeparableConv1D", (4, 3), dict(depth_multiplier=2, padding="same",
                                             activation="relu", **f)),
            ("MaxPooling1D", (2,), f),
            ("Conv1DTranspose", (3, 3), dict(strides=2, **f)),
            ("AveragePooling1D", (2,), dict(padding="same", **f)),
            ("Conv1D", (4, 3), dict(groups=1, strides=2, **f)),
            ("Flatten", (), {}),
            ("Dense", (2,), {}),
        ]),
        "conv3d": (shape((6, 6, 6), 2), [
            ("Conv3D", (4, 3), dict(padding="same", groups=2, activation="relu", **f)),
            ("MaxPooling3D", (2,), f),
            ("ZeroPadding3D", (1,), f),
            ("Conv3DTranspose", (2, 2), dict(strides=2, **f)),
            ("Cropping3D", (1,), f),
            ("UpSampling3D", (), f),
            ("AveragePooling3D", (4,), f),
            ("GlobalMaxPooling3D" if cf else "GlobalAveragePooling3D", (), f),
            ("Dense", (2,), dict(activation="sigmoid")),
        ]),
    }


def build_model(lib, name, data_format):
    input_shape, specs = model_specs(data_format)[name]
    layers = [lib.Input(input_shape)] + [
        getattr(lib.layers, cls)(*args, **kwargs) for cls, args, kwargs in specs]
    return lib.Sequential(layers, name=f"{name}_{data_format}")


def model_data(model_name, data_format, input_shape, output_width):
    """Inputs (predict), training rows and one-hot targets of a model, from its names."""
    rng = np.random.default_rng(sum(map(ord, model_name + data_format)))
    x = rng.uniform(-1, 1, (4, *input_shape)).astype("float32")
    train_x = rng.uniform(-1, 1, (16, *input_shape)).astype("float32")
    train_y = np.eye(output_width, dtype="float32")[rng.integers(0, output_width, 16)]
    return x, train_x, train_y


def initial_weights(shapes, seed):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-0.4, 0.4, s).astype("float32") for s in shapes]


TRAINING = dict(batch_size=4, epochs=1, shuffle=False, verbose=0)  # 4 steps of Adam
LEARNING_RATE = 0.01
