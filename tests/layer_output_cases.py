"""Cases of tests/test_layer_outputs.py: issue 11's layers on fixed inputs and weights, run
the same way under Keras 3 (compat/make_layer_outputs.py writes its results) and minikeras."""

import numpy as np

# name -> (layer from a `layers` module, input shape, call options)
CASES = {
    "batch_norm_training": (lambda L: L.BatchNormalization(momentum=0.9), (5, 3), {"training": True}),
    "batch_norm_inference": (lambda L: L.BatchNormalization(momentum=0.9), (5, 3), {}),
    "batch_norm_axis1_training": (lambda L: L.BatchNormalization(axis=1, epsilon=0.01), (2, 3, 4),
                                  {"training": True}),
    "batch_norm_masked_training": (lambda L: L.BatchNormalization(momentum=0.5), (2, 4, 3),
                                   {"training": True, "mask": True}),
    "batch_norm_frozen_training": (lambda L: L.BatchNormalization(trainable=False), (5, 3),
                                   {"training": True}),
    "batch_norm_no_scale_center": (lambda L: L.BatchNormalization(center=False, scale=False), (4, 2),
                                   {"training": True}),
    "layer_norm": (lambda L: L.LayerNormalization(), (3, 4), {}),
    "layer_norm_axes": (lambda L: L.LayerNormalization(axis=[1, 2], epsilon=0.1), (2, 3, 4), {}),
    "layer_norm_middle_axis": (lambda L: L.LayerNormalization(axis=1), (2, 3, 4), {}),
    "layer_norm_rms_scaling": (lambda L: L.LayerNormalization(rms_scaling=True), (3, 4), {}),
    "group_norm": (lambda L: L.GroupNormalization(2), (2, 3, 4), {}),
    "group_norm_channels_first": (lambda L: L.GroupNormalization(3, axis=1), (2, 6, 2), {}),
    "instance_norm": (lambda L: L.GroupNormalization(-1), (2, 3, 2), {}),
    "unit_norm": (lambda L: L.UnitNormalization(), (3, 4), {}),
    "unit_norm_axes": (lambda L: L.UnitNormalization(axis=[1, 2]), (2, 3, 2), {}),
    "relu": (lambda L: L.ReLU(max_value=0.8, negative_slope=0.2, threshold=0.1), (4, 5), {}),
    "leaky_relu": (lambda L: L.LeakyReLU(), (4, 5), {}),
    "prelu_shared_axes": (lambda L: L.PReLU(shared_axes=[1]), (2, 3, 4), {}),
    "elu": (lambda L: L.ELU(alpha=0.5), (4, 5), {}),
    "embedding_mask_zero": (lambda L: L.Embedding(6, 3, mask_zero=True), (2, 4), {"indices": 6}),
    "masking": (lambda L: L.Masking(mask_value=0.5), (2, 4, 3), {"masked_steps": 0.5}),
    "global_average_pooling1d_masked": (lambda L: L.GlobalAveragePooling1D(), (2, 4, 3),
                                        {"mask": True}),
    "global_average_pooling1d_channels_first": (
        lambda L: L.GlobalAveragePooling1D(data_format="channels_first", keepdims=True), (2, 4, 3), {}),
    "global_max_pooling1d_channels_first": (
        lambda L: L.GlobalMaxPooling1D(data_format="channels_first"), (2, 4, 3), {}),
    "repeat_vector": (lambda L: L.RepeatVector(2), (2, 3), {}),
    "permute": (lambda L: L.Permute((2, 3, 1)), (2, 2, 3, 4), {}),
    "zero_padding1d": (lambda L: L.ZeroPadding1D((2, 1)), (2, 3, 2), {}),
    "zero_padding1d_channels_first": (
        lambda L: L.ZeroPadding1D(1, data_format="channels_first"),
                                      (2, 3, 2), {}),
    "cropping1d": (lambda L: L.Cropping1D((1, 0)), (2, 4, 2), {}),
    "up_sampling1d": (lambda L: L.UpSampling1D(3), (2, 2, 3), {}),
    "activity_regularization": (lambda L: L.ActivityRegularization(l1=0.1, l2=0.2), (3, 2), {}),
}


def case_inputs(name, shape, options):
    rng = np.random.default_rng(sum(map(ord, name)))
    if "indices" in options:
        x = rng.integers(0, options["indices"], shape).astype("int32")
        x[:, -1] = 0
        return x, None
    x = rng.normal(size=shape).astype("float32")
    if "masked_steps" in options:
        x[0, 1] = x[1, 3] = options["masked_steps"]
    mask = None
    if options.get("mask"):
        mask = np.ones(shape[:2], bool)
        mask[0, 2:] = False
        mask[1, 1] = False
    return x, mask


def fixed_weights(layer):
    return [np.float32(0.1 * (i + 1)) + np.float32(0.05) * np.arange(
        np.prod(w.shape), dtype="float32").reshape(w.shape) for i, w in enumerate(layer.weights)]


def run_case(keras, name):
    """The case's arrays: x, mask, y, y_mask, weights after (as w0, w1...)."""
    make_layer, shape, options = CASES[name]
    layer = make_layer(keras.layers)
    x, mask = case_inputs(name, shape, options)
    layer(x)  # build
    layer.set_weights(fixed_weights(layer))
    kwargs = {"training": True} if options.get("training") else {}
    if mask is not None:
        kwargs["mask"] = mask
    y = layer(x, **kwargs)
    arrays = {"x": x, "y": np.asarray(y)}
    if mask is not None:
        arrays["mask"] = mask
    y_mask = getattr(y, "_keras_mask", None)
    if y_mask is not None:
        arrays["y_mask"] = np.asarray(y_mask)
    if layer.losses:
        arrays["losses"] = np.array([float(loss) for loss in layer.losses], "float32")
    arrays.update({f"w{i}": np.asarray(w) for i, w in enumerate(layer.get_weights())})
    return arrays
