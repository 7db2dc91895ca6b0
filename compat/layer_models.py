"""The Sequential models of issue 11's layers (and one functional model of them), built the same way by real Keras 3, by tf_keras
and by minikeras (the three share these calls): `compat/make_layer_files.py` saves them with
Keras, `compat/check_our_files.py` with minikeras.

Every model is compiled and trained a few steps before saving, so that BatchNormalization's
moving statistics and the optimizer's slots hold more than their initial values. `resumable`
models are deterministic in training (no random layer), so that two more training steps after
loading give Keras' weights again; the others draw noise in training.
"""

import numpy as np


def layer_models(keras, flavour):
    """name -> (model, compile arguments, inputs(rng, n), targets(rng, n), resumable).

    `flavour` is "k3" (Keras 3 and minikeras' Keras 3 side) or "k2" (tf_keras: no Keras
    3-only argument, Keras 2's ThresholdedReLU)."""
    L, o = keras.layers, keras.optimizers
    k2 = flavour == "k2"

    def classes(n):
        return lambda rng, rows: np.eye(n, dtype="float32")[rng.integers(0, n, rows)]

    def uniform(shape):
        return lambda rng, rows: rng.uniform(-1, 1, (rows, *shape)).astype("float32")

    def tokens(rng, rows):
        # Sequences of 3 to 8 tokens in [1, 20), padded with 0 at the end, as pad_sequences does.
        lengths = rng.integers(3, 9, rows)
        ids = rng.integers(1, 20, (rows, 8))
        return np.where(np.arange(8) < lengths[:, None], ids, 0).astype("int32")

    normalization = keras.Sequential([
        keras.Input((6,)),
        # No bias before BatchNormalization: its gradient is zero but for rounding, which Adam
        # would scale up into steps of noise.
        L.Dense(8, use_bias=False),
        L.BatchNormalization(momentum=0.8, beta_regularizer="l2"),
        L.ReLU(max_value=2.0, negative_slope=0.1, threshold=0.05),
        L.LayerNormalization(),
        L.Dense(8),
        L.LeakyReLU(0.2),
        L.GroupNormalization(2, gamma_initializer="random_uniform"),
        L.PReLU(alpha_initializer=keras.initializers.Constant(0.25)),
        L.Dense(6),
        L.UnitNormalization(),
        L.ELU(0.5),
        L.ThresholdedReLU(0.1) if k2 else L.Identity(),
        L.BatchNormalization(center=False, moving_variance_initializer=keras.initializers.Constant(2.0)),
        L.ActivityRegularization(l1=0.001, l2=0.01),
        L.Dense(3, activation="softmax"),
    ], name="normalization")
    text = keras.Sequential([
        keras.Input((8,), dtype="int32"),
        L.Embedding(20, 4, mask_zero=True, embeddings_regularizer="l2"),
        L.Dense(6, activation="tanh"),
        # Keras 3's BatchNormalization takes the mask (tf_keras' ignores it): Keras 3 only.
        *([] if k2 else [L.BatchNormalization(momentum=0.7)]),
        L.GlobalAveragePooling1D(),
        L.Dense(3, activation="softmax"),
    ], name="text")
    sequence = keras.Sequential([
        keras.Input((5, 3)),
        L.Dense(4, activation="tanh"),
        L.ZeroPadding1D((1, 2)),
        L.Cropping1D((0, 1)),
        L.UpSampling1D(2),
        L.Masking(0.0),
        L.GlobalAveragePooling1D(),
        L.RepeatVector(3),
        L.Permute((2, 1)),
        L.GlobalMaxPooling1D(keepdims=True),
        L.Flatten(),
        L.Dense(2),
    ], name="sequence")
    noise = keras.Sequential([
        keras.Input((4, 6)),
        L.Dense(6),
        L.SpatialDropout1D(0.2, seed=1),
        L.GaussianNoise(0.1, seed=2),
        L.GaussianDropout(0.2, seed=3),
        L.AlphaDropout(0.1, seed=4),
        L.Reshape((2, 2, 6)),
        L.SpatialDropout2D(0.2, seed=5),
        L.Reshape((2, 2, 1, 6)),
        L.SpatialDropout3D(0.2, seed=6),
        L.Flatten(),
        L.Dense(3, activation="softmax"),
    ], name="noise")
    # Functional: a masked Embedding's average feeds both a BatchNormalization branch and the
    # classifier directly (after the pooling, so no mask reaches BatchNormalization: tf_keras'
    # would ignore it).
    token_ids = keras.Input((8,), dtype="int32", name="token_ids")
    average = L.GlobalAveragePooling1D()(L.Embedding(20, 4, mask_zero=True)(token_ids))
    features = L.Dense(6, use_bias=False)(average)
    features = L.Activation("tanh")(L.BatchNormalization(momentum=0.8)(features))
    functional = keras.Model(
        token_ids, L.Dense(3, activation="softmax")(L.Concatenate()([average, features])),
        name="functional")
    adam = dict(optimizer=o.Adam(0.01), loss="categorical_crossentropy", metrics=["accuracy"])
    return {
        "normalization": (normalization, adam, uniform((6,)), classes(3), True),
        # Plain SGD: the bias before the masked BatchNormalization has a gradient made mostly
        # of cancellation, whose rounding RMSprop or Adam would scale up to 1e-5 in 4 steps.
        "text": (text, dict(optimizer=o.SGD(0.5), loss="categorical_crossentropy"),
                 tokens, classes(3), True),
        "sequence": (sequence, dict(optimizer=o.SGD(0.1, momentum=0.9), loss="mse"),
                     uniform((5, 3)), lambda rng, rows: rng.normal(size=(rows, 2)).astype(
                         "float32"), True),
        "functional": (functional, dict(optimizer=o.SGD(0.5), loss="categorical_crossentropy"),
                       tokens, classes(3), True),
        "noise": (noise, dict(optimizer="adam", loss="categorical_crossentropy"),
                  uniform((4, 6)), classes(3), False),
    }
