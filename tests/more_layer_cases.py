"""EinsumDense, RMSNormalization, SpectralNormalization and the adaptive pooling layers
compared with real Keras 3, shared by compat/make_more_layers.py (which runs them under Keras
and writes compat/data/more_layers.*) and tests/test_more_layers.py (which replays them).

Only numpy and the standard library here: the same code runs under both libraries.
"""

import numpy as np

# name -> (layer from a `layers` module and a dtype, input shape with batch, call in training)
CASES = {
    "einsum_dense_matrix": (lambda L: L.EinsumDense("ab,bc->ac", 4, bias_axes="c"), (3, 5), False),
    "einsum_dense_two_bias_axes": (lambda L: L.EinsumDense(
        "abc,cde->abde", (3, 2, 4), bias_axes="be", activation="relu"), (2, 3, 5), False),
    "einsum_dense_left_ellipsis": (lambda L: L.EinsumDense(
        "...b,bc->...c", 4, bias_axes="c", kernel_regularizer="l2"), (2, 3, 2, 5), False),
    "einsum_dense_right_ellipsis": (lambda L: L.EinsumDense(
        "ab...,bc->ac...", 4, bias_axes="c"), (2, 3, 5), False),
    "einsum_dense_summed_input_axis": (lambda L: L.EinsumDense(
        "abc,cd->ad", 4, activation="tanh"), (2, 3, 5), False),
    "einsum_dense_attention_heads": (lambda L: L.EinsumDense(
        "abc,cde->abde", (None, 2, 3), bias_axes="de"), (2, 4, 6), False),
    "rms_norm": (lambda L: L.RMSNormalization(), (3, 5), False),
    "rms_norm_axes": (lambda L: L.RMSNormalization(axis=[1, 2], epsilon=0.1), (2, 3, 4), False),
    "rms_norm_middle_axis_of_equal_sizes": (lambda L: L.RMSNormalization(axis=1), (2, 4, 4),
                                            False),
    "spectral_norm_dense_training": (lambda L: L.SpectralNormalization(L.Dense(3)), (4, 5),
                                     True),
    "spectral_norm_dense_inference": (lambda L: L.SpectralNormalization(L.Dense(3)), (4, 5),
                                      False),
    "spectral_norm_conv2d_training": (lambda L: L.SpectralNormalization(
        L.Conv2D(2, 2), power_iterations=4), (2, 4, 4, 3), True),
    "spectral_norm_einsum_training": (lambda L: L.SpectralNormalization(L.EinsumDense(
        "abc,cde->abde", (3, 2, 2), bias_axes="e"), power_iterations=2), (2, 3, 4), True),
    "adaptive_average_pooling1d": (lambda L: L.AdaptiveAveragePooling1D(3), (2, 7, 3), False),
    "adaptive_average_pooling1d_larger": (lambda L: L.AdaptiveAveragePooling1D(5), (2, 3, 2),
                                          False),
    "adaptive_average_pooling2d": (lambda L: L.AdaptiveAveragePooling2D((2, 3)), (2, 5, 7, 3),
                                   False),
    "adaptive_average_pooling2d_cf": (lambda L: L.AdaptiveAveragePooling2D(
        3, data_format="channels_first"), (2, 2, 7, 8), False),
    "adaptive_average_pooling3d": (lambda L: L.AdaptiveAveragePooling3D((2, 1, 3)),
                                   (1, 4, 3, 5, 2), False),
    "adaptive_max_pooling1d_cf": (lambda L: L.AdaptiveMaxPooling1D(
        4, data_format="channels_first"), (2, 3, 7), False),
    "adaptive_max_pooling2d": (lambda L: L.AdaptiveMaxPooling2D((3, 2)), (2, 7, 5, 2), False),
    "adaptive_max_pooling2d_larger": (lambda L: L.AdaptiveMaxPooling2D((4, 5)), (1, 3, 2, 2),
                                      False),
    "adaptive_max_pooling3d_cf": (lambda L: L.AdaptiveMaxPooling3D(
        (2, 3, 2), data_format="channels_first"), (1, 2, 5, 4, 3), False),
}


def case_data(name, weight_shapes, output_shape=None):
    """The input, weights and (given the output's shape) output gradient seed of a case."""
    _, shape, _ = CASES[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    x = rng.normal(size=shape).astype("float32")
    weights = [rng.uniform(-0.5, 0.5, s).astype("float32") for s in weight_shapes]
    upstream = None if output_shape is None else rng.normal(size=output_shape).astype("float32")
    return x, weights, upstream


def run_case(keras, name, gradient_tape, watchable):
    """The case's arrays: x, y, the gradients g0.. of `sum(y * upstream)` with respect to
    the input and each trainable weight, the weights after (w0..), the losses; and its config.
    `gradient_tape` is the library's GradientTape class, `watchable(x)` what it watches."""
    make_layer, shape, training = CASES[name]
    layer = make_layer(keras.layers)
    layer.build(shape)
    x, weights, _ = case_data(name, [tuple(w.shape) for w in layer.weights])
    layer.set_weights(weights)
    output_shape = layer.compute_output_shape(shape)
    xt = watchable(x)
    with gradient_tape() as tape:
        tape.watch(xt)
        y = layer(xt, training=training)
        _, _, upstream = case_data(name, [tuple(w.shape) for w in layer.weights],
                                   tuple(y.shape))
        total = keras.ops.sum(y * upstream)
    grads = tape.gradient(total, [xt, *layer.trainable_weights])
    arrays = {"x": x, "y": np.asarray(y)}
    arrays.update({f"g{i}": np.asarray(g) for i, g in enumerate(grads)})
    arrays.update({f"w{i}": np.asarray(w) for i, w in enumerate(layer.get_weights())})
    if layer.losses:
        arrays["losses"] = np.array([float(loss) for loss in layer.losses], "float32")
    paths = [w.path for w in layer.weights]
    return arrays, {"config": layer.get_config(), "paths": paths,
                    "output_shape": list(output_shape),
                    "trainable": [w.path for w in layer.trainable_weights]}


def model_layers(L):
    """A Sequential model's layers through every new layer (after `L.Input((6, 5))`)."""
    return [
        L.EinsumDense("abc,cd->abd", (6, 4), bias_axes="d", activation="tanh"),
        L.RMSNormalization(),
        L.SpectralNormalization(L.Dense(3)),
        L.AdaptiveAveragePooling1D(4),
        L.AdaptiveMaxPooling1D(3),
        L.TimeDistributed(L.Dense(4)),
        L.Reshape((3, 4, 1)),
        L.AdaptiveMaxPooling2D((2, 3)),
        L.AdaptiveAveragePooling2D(2),  # (Keras on TensorFlow fails on windows of n > 1 to 1)
        L.Flatten(),
        L.Dense(1),
    ]


def model_data(weight_shapes):
    rng = np.random.default_rng(7)
    weights = [rng.uniform(-0.5, 0.5, s).astype("float32") for s in weight_shapes]
    x = rng.normal(size=(8, 6, 5)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    return weights, x, y
