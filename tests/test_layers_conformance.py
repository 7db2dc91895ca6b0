"""One battery every layer passes: config round trip, weights, shapes, N-D input, gradients."""

import json

import numpy as np
import pytest

from minikeras import GradientTape, layers, ops, tree
from minikeras.saving import registry
from conftest import finite_difference

# (factory, input shape incl. batch, or a list of them for a layer taking a list, number of
# weights[, inputs(rng, shape)])
LAYERS = {
    "dense": (lambda **kw: layers.Dense(3, **kw), (4, 5), 2),
    "dense_relu_no_bias": (lambda **kw: layers.Dense(3, activation="tanh", use_bias=False, **kw), (4, 5), 1),
    "dense_nd": (lambda **kw: layers.Dense(2, activation="sigmoid", **kw), (2, 3, 4), 2),
    "dense_softmax": (lambda **kw: layers.Dense(4, activation="softmax", **kw), (3, 5), 2),
    "dense_regularized": (lambda **kw: layers.Dense(
        3, activation="elu", kernel_regularizer="l2", bias_regularizer="l1",
        activity_regularizer="l2", kernel_constraint="max_norm", **kw), (4, 5), 2),
    "dense_custom_activation": (lambda **kw: layers.Dense(3, activation=lambda x: x * x, **kw), (4, 5), 2),
    "einsum_dense": (lambda **kw: layers.EinsumDense("ab,bc->ac", 3, bias_axes="c", **kw),
                     (4, 5), 2),
    "einsum_dense_two_bias_axes": (lambda **kw: layers.EinsumDense(
        "abc,cde->abde", (3, 2, 4), bias_axes="be", activation="tanh", **kw), (2, 3, 5), 2),
    "einsum_dense_ellipsis": (lambda **kw: layers.EinsumDense(
        "...b,bc->...c", 4, kernel_regularizer="l2", **kw), (2, 3, 5), 1),
    "einsum_dense_right_ellipsis": (lambda **kw: layers.EinsumDense(
        "ab...,bc->ac...", 4, bias_axes="c", activation="softmax", **kw), (2, 3, 5), 2),
    "einsum_dense_summed_input_axis": (lambda **kw: layers.EinsumDense(
        "abc,cd->ad", 4, bias_axes="d", **kw), (2, 3, 5), 2),
    "activation": (lambda **kw: layers.Activation("softplus", **kw), (4, 5), 0),
    "softmax": (lambda **kw: layers.Softmax(**kw), (4, 5), 0),
    "flatten": (lambda **kw: layers.Flatten(**kw), (2, 3, 4), 0),
    "flatten_channels_first": (lambda **kw: layers.Flatten("channels_first", **kw), (2, 3, 4), 0),
    "reshape": (lambda **kw: layers.Reshape((2, -1), **kw), (3, 6), 0),
    "dropout": (lambda **kw: layers.Dropout(0.5, seed=3, **kw), (4, 5), 0),
    # Convolutions: every padding, strides, dilation, groups and data format.
    "conv1d": (lambda **kw: layers.Conv1D(4, 3, **kw), (2, 7, 3), 2),
    "conv1d_causal_dilated": (lambda **kw: layers.Conv1D(
        4, 3, padding="causal", dilation_rate=2, activation="tanh", **kw), (2, 9, 2), 2),
    "conv1d_same_strided_cf": (lambda **kw: layers.Conv1D(
        4, 3, strides=2, padding="same", data_format="channels_first", **kw), (2, 3, 8), 2),
    "conv2d": (lambda **kw: layers.Conv2D(4, 3, **kw), (2, 6, 6, 3), 2),
    "conv2d_same_strides": (lambda **kw: layers.Conv2D(
        4, (3, 2), strides=(2, 1), padding="same", activation="tanh", **kw), (2, 7, 6, 3), 2),
    "conv2d_groups_cf": (lambda **kw: layers.Conv2D(
        4, 3, groups=2, data_format="channels_first", use_bias=False, **kw), (2, 4, 6, 5), 1),
    "conv2d_dilated_regularized": (lambda **kw: layers.Conv2D(
        2, 2, dilation_rate=(2, 1), padding="same", kernel_regularizer="l2",
        bias_constraint="non_neg", **kw), (2, 6, 5, 2), 2),
    "conv3d_same_strided": (lambda **kw: layers.Conv3D(2, 2, padding="same", strides=2, **kw),
                            (2, 4, 5, 3, 2), 2),
    "conv3d_groups_cf": (lambda **kw: layers.Conv3D(
        4, (2, 1, 2), groups=2, data_format="channels_first", **kw), (1, 2, 3, 3, 4), 2),
    "conv1d_transpose": (lambda **kw: layers.Conv1DTranspose(3, 3, strides=2, **kw),
                         (2, 5, 2), 2),
    "conv2d_transpose_same_output_padding": (lambda **kw: layers.Conv2DTranspose(
        3, 3, strides=2, padding="same", output_padding=1, **kw), (2, 4, 3, 2), 2),
    "conv2d_transpose_dilated_cf": (lambda **kw: layers.Conv2DTranspose(
        2, 3, dilation_rate=2, data_format="channels_first", activation="sigmoid", **kw),
        (2, 3, 4, 4), 2),
    "conv3d_transpose_same": (lambda **kw: layers.Conv3DTranspose(
        2, 2, strides=(2, 1, 1), padding="same", **kw), (1, 3, 2, 3, 2), 2),
    "separable_conv1d": (lambda **kw: layers.SeparableConv1D(
        3, 3, depth_multiplier=2, padding="same", **kw), (2, 6, 2), 3),
    "separable_conv2d_cf": (lambda **kw: layers.SeparableConv2D(
        3, 2, strides=2, data_format="channels_first", **kw), (2, 2, 5, 5), 3),
    "depthwise_conv1d": (lambda **kw: layers.DepthwiseConv1D(3, depth_multiplier=2, **kw),
                         (2, 6, 3), 2),
    "depthwise_conv2d_same_cf": (lambda **kw: layers.DepthwiseConv2D(
        3, padding="same", data_format="channels_first", **kw), (2, 2, 5, 5), 2),
    # Pooling, padding, cropping, upsampling.
    "max_pooling1d": (lambda **kw: layers.MaxPooling1D(**kw), (2, 7, 3), 0),
    "max_pooling2d_same_overlapping": (lambda **kw: layers.MaxPooling2D(
        3, strides=2, padding="same", **kw), (2, 7, 6, 2), 0),
    "max_pooling3d_cf": (lambda **kw: layers.MaxPooling3D(2, data_format="channels_first", **kw),
                         (1, 2, 4, 4, 5), 0),
    "average_pooling1d_same": (lambda **kw: layers.AveragePooling1D(
        3, strides=2, padding="same", **kw), (2, 7, 2), 0),
    "average_pooling2d": (lambda **kw: layers.AveragePooling2D((2, 3), strides=1, **kw),
                          (2, 5, 6, 2), 0),
    "average_pooling3d_same_cf": (lambda **kw: layers.AveragePooling3D(
        2, padding="same", data_format="channels_first", **kw), (1, 2, 3, 5, 3), 0),
    "adaptive_average_pooling1d": (lambda **kw: layers.AdaptiveAveragePooling1D(3, **kw),
                                   (2, 7, 3), 0),
    "adaptive_average_pooling2d_cf": (lambda **kw: layers.AdaptiveAveragePooling2D(
        (2, 3), data_format="channels_first", **kw), (2, 2, 5, 7), 0),
    "adaptive_average_pooling3d": (lambda **kw: layers.AdaptiveAveragePooling3D((2, 1, 3), **kw),
                                   (1, 4, 3, 5, 2), 0),
    "adaptive_max_pooling1d_cf": (lambda **kw: layers.AdaptiveMaxPooling1D(
        4, data_format="channels_first", **kw), (2, 3, 7), 0),
    "adaptive_max_pooling2d": (lambda **kw: layers.AdaptiveMaxPooling2D((3, 2), **kw),
                               (2, 7, 5, 2), 0),
    "adaptive_max_pooling3d_larger": (lambda **kw: layers.AdaptiveMaxPooling3D(3, **kw),
                                      (1, 2, 3, 4, 2), 0),
    "global_average_pooling2d": (lambda **kw: layers.GlobalAveragePooling2D(**kw),
                                 (2, 3, 4, 5), 0),
    "global_max_pooling2d_keepdims": (lambda **kw: layers.GlobalMaxPooling2D(
        keepdims=True, **kw), (2, 3, 4, 5), 0),
    "global_average_pooling3d_cf_keepdims": (lambda **kw: layers.GlobalAveragePooling3D(
        "channels_first", keepdims=True, **kw), (2, 3, 2, 3, 2), 0),
    "global_max_pooling3d": (lambda **kw: layers.GlobalMaxPooling3D(**kw), (2, 2, 3, 2, 3), 0),
    "zero_padding2d": (lambda **kw: layers.ZeroPadding2D(((1, 2), (0, 1)), **kw),
                       (2, 3, 4, 2), 0),
    "zero_padding3d_cf": (lambda **kw: layers.ZeroPadding3D(1, data_format="channels_first",
                                                            **kw), (1, 2, 2, 3, 2), 0),
    "cropping2d": (lambda **kw: layers.Cropping2D(((1, 0), (1, 2)), **kw), (2, 5, 6, 2), 0),
    "cropping3d_cf": (lambda **kw: layers.Cropping3D((1, 0, 1), data_format="channels_first",
                                                     **kw), (1, 2, 4, 3, 4), 0),
    "up_sampling2d": (lambda **kw: layers.UpSampling2D((2, 3), **kw), (2, 3, 2, 2), 0),
    "up_sampling2d_bilinear_cf": (lambda **kw: layers.UpSampling2D(
        2, data_format="channels_first", interpolation="bilinear", **kw), (2, 2, 3, 4), 0),
    "up_sampling2d_bicubic": (lambda **kw: layers.UpSampling2D(
        (2, 3), interpolation="bicubic", **kw), (2, 3, 2, 2), 0),
    "up_sampling2d_lanczos5_cf": (lambda **kw: layers.UpSampling2D(
        2, data_format="channels_first", interpolation="lanczos5", **kw), (1, 2, 3, 2), 0),
    "up_sampling3d": (lambda **kw: layers.UpSampling3D((1, 2, 2), **kw), (1, 2, 2, 3, 2), 0),
    # Normalization
    "batch_norm": (lambda **kw: layers.BatchNormalization(**kw), (6, 4), 4),
    "batch_norm_axis1_no_scale": (lambda **kw: layers.BatchNormalization(
        axis=1, scale=False, momentum=0.9, beta_regularizer="l2", **kw), (3, 4, 5), 3),
    "layer_norm": (lambda **kw: layers.LayerNormalization(**kw), (3, 5), 2),
    "layer_norm_axes": (lambda **kw: layers.LayerNormalization(
        axis=[2, 1], gamma_initializer="random_normal", **kw), (2, 3, 4), 2),
    "layer_norm_middle_axis_no_center": (lambda **kw: layers.LayerNormalization(
        axis=1, center=False, **kw), (2, 3, 4), 1),
    "rms_norm": (lambda **kw: layers.RMSNormalization(**kw), (3, 5), 1),
    "rms_norm_axes": (lambda **kw: layers.RMSNormalization(axis=[2, 1], epsilon=1e-3, **kw),
                      (2, 3, 4), 1),
    "spectral_norm_dense": (lambda **kw: layers.SpectralNormalization(
        layers.Dense(3, dtype=kw.get("dtype")), **kw), (4, 5), 3),
    "spectral_norm_conv2d": (lambda **kw: layers.SpectralNormalization(
        layers.Conv2D(2, 2, use_bias=False, dtype=kw.get("dtype")), power_iterations=3, **kw),
        (2, 4, 4, 3), 2),
    "unit_norm": (lambda **kw: layers.UnitNormalization(**kw), (3, 5), 0),
    "unit_norm_axes": (lambda **kw: layers.UnitNormalization([1, 2], **kw), (2, 3, 4), 0),
    "group_norm": (lambda **kw: layers.GroupNormalization(
        2, gamma_initializer="random_normal", beta_initializer="random_normal", **kw),
        (3, 4, 6), 2),
    "group_norm_channels_first": (lambda **kw: layers.GroupNormalization(
        2, axis=1, center=False, **kw), (3, 4, 5), 1),
    "instance_norm": (lambda **kw: layers.GroupNormalization(-1, **kw), (2, 5, 3), 2),
    # Regularization (random in training: their gradients are checked in test_layer_outputs.py)
    "gaussian_noise": (lambda **kw: layers.GaussianNoise(0.3, seed=1, **kw), (4, 5), 0),
    "gaussian_dropout": (lambda **kw: layers.GaussianDropout(0.3, seed=1, **kw), (4, 5), 0),
    "alpha_dropout": (lambda **kw: layers.AlphaDropout(0.3, seed=1, **kw), (4, 5), 0),
    "spatial_dropout1d": (lambda **kw: layers.SpatialDropout1D(0.3, seed=1, **kw), (2, 3, 4), 0),
    "spatial_dropout2d": (lambda **kw: layers.SpatialDropout2D(
        0.3, "channels_first", seed=1, **kw), (2, 3, 3, 2), 0),
    "spatial_dropout3d": (lambda **kw: layers.SpatialDropout3D(0.3, seed=1, **kw),
                          (2, 2, 2, 2, 3), 0),
    "activity_regularization": (lambda **kw: layers.ActivityRegularization(0.01, 0.02, **kw),
                                (4, 5), 0),
    # Activations
    "relu": (lambda **kw: layers.ReLU(**kw), (4, 5), 0),
    "relu_capped_leaky_threshold": (lambda **kw: layers.ReLU(
        max_value=1.2, negative_slope=0.1, threshold=0.3, **kw), (4, 5), 0),
    "leaky_relu": (lambda **kw: layers.LeakyReLU(0.2, **kw), (4, 5), 0),
    "prelu": (lambda **kw: layers.PReLU(alpha_initializer="random_uniform", **kw), (4, 5), 1),
    "prelu_shared_axes": (lambda **kw: layers.PReLU(
        alpha_initializer="random_uniform", shared_axes=[1], **kw), (2, 3, 4), 1),
    "elu": (lambda **kw: layers.ELU(0.7, **kw), (4, 5), 0),
    "thresholded_relu": (lambda **kw: layers.ThresholdedReLU(0.3, **kw), (4, 5), 0),
    # Core
    "embedding": (lambda **kw: layers.Embedding(7, 3, **kw), (4, 5), 1,
                  lambda rng, shape: rng.integers(0, 7, shape)),
    "embedding_mask_zero": (lambda **kw: layers.Embedding(
        6, 2, mask_zero=True, embeddings_regularizer="l2", **kw), (3, 4), 1,
        lambda rng, shape: rng.integers(0, 6, shape)),
    # (its lookup; the reverse call, and the untied table it uses: test_reversible_embedding)
    "reversible_embedding": (lambda **kw: layers.ReversibleEmbedding(
        7, 3, logit_soft_cap=2.0, mask_zero=True, **kw), (4, 5), 1,
        lambda rng, shape: rng.integers(0, 7, shape)),
    "mel_spectrogram": (lambda **kw: layers.MelSpectrogram(
        fft_length=16, sequence_stride=8, sampling_rate=800, num_mel_bins=4, power_to_db=False,
        mag_exp=1.0,
        **kw), (2, 64), 0),
    "stft_spectrogram": (lambda **kw: layers.STFTSpectrogram(
        mode="magnitude", frame_length=8, frame_step=4, **kw), (2, 24, 2), 2),
    "masking": (lambda **kw: layers.Masking(**kw), (2, 4, 3), 0),
    "identity": (lambda **kw: layers.Identity(**kw), (4, 5), 0),
    # Pooling
    "global_average_pooling1d": (lambda **kw: layers.GlobalAveragePooling1D(**kw), (2, 4, 3), 0),
    "global_average_pooling1d_channels_first": (lambda **kw: layers.GlobalAveragePooling1D(
        "channels_first", keepdims=True, **kw), (2, 4, 3), 0),
    "global_max_pooling1d": (lambda **kw: layers.GlobalMaxPooling1D(**kw), (2, 4, 3), 0),
    "global_max_pooling1d_channels_first": (lambda **kw: layers.GlobalMaxPooling1D(
        "channels_first", keepdims=True, **kw), (2, 4, 3), 0),
    # Reshaping
    "repeat_vector": (lambda **kw: layers.RepeatVector(3, **kw), (2, 4), 0),
    "permute": (lambda **kw: layers.Permute((3, 1, 2), **kw), (2, 3, 4, 5), 0),
    "zero_padding1d": (lambda **kw: layers.ZeroPadding1D((1, 2), **kw), (2, 3, 4), 0),
    "zero_padding1d_channels_first": (lambda **kw: layers.ZeroPadding1D(
        2, "channels_first", **kw), (2, 3, 4), 0),
    "cropping1d": (lambda **kw: layers.Cropping1D((1, 2), **kw), (2, 5, 3), 0),
    "up_sampling1d": (lambda **kw: layers.UpSampling1D(3, **kw), (2, 3, 4), 0),
    "rescaling": (lambda **kw: layers.Rescaling(0.5, offset=-1.0, **kw), (4, 5), 0),
    "normalization": (lambda **kw: layers.Normalization(**kw), (4, 5), 3),
    "normalization_given": (lambda **kw: layers.Normalization(
        mean=[1.0, 2.0], variance=[4.0, 0.5], invert=True, **kw), (3, 2), 0),
    # Image preprocessing (the random ones' gradients: tests/test_image_preprocessing.py)
    "resizing_bicubic": (lambda **kw: layers.Resizing(5, 3, "bicubic", **kw), (2, 3, 4, 2), 0),
    "resizing_area_crop_cf": (lambda **kw: layers.Resizing(
        2, 3, "area", crop_to_aspect_ratio=True, data_format="channels_first", **kw),
        (2, 2, 5, 4), 0),
    "resizing_pad_antialias": (lambda **kw: layers.Resizing(
        2, 2, pad_to_aspect_ratio=True, antialias=True, fill_value=1.0, **kw), (2, 5, 3, 2), 0),
    "center_crop": (lambda **kw: layers.CenterCrop(2, 3, **kw), (2, 5, 4, 2), 0),
    "center_crop_smaller": (lambda **kw: layers.CenterCrop(4, 3, **kw), (2, 3, 4, 2), 0),
    "random_crop": (lambda **kw: layers.RandomCrop(2, 3, seed=1, **kw), (2, 4, 5, 2), 0),
    "random_flip": (lambda **kw: layers.RandomFlip(seed=1, **kw), (4, 3, 4, 2), 0),
    "random_rotation": (lambda **kw: layers.RandomRotation(0.2, seed=1, **kw), (2, 4, 5, 2), 0),
    "random_zoom_cf": (lambda **kw: layers.RandomZoom(
        0.3, fill_mode="constant", data_format="channels_first", seed=1, **kw), (2, 2, 4, 5), 0),
    "random_translation": (lambda **kw: layers.RandomTranslation(
        0.3, 0.3, fill_mode="wrap", interpolation="nearest", seed=1, **kw), (2, 4, 5, 2), 0),
    "random_contrast": (lambda **kw: layers.RandomContrast(0.5, seed=1, **kw), (2, 3, 4, 2), 0),
    "random_brightness": (lambda **kw: layers.RandomBrightness(
        0.2, value_range=(-3, 3), seed=1, **kw), (2, 3, 4, 2), 0),
    "random_grayscale": (lambda **kw: layers.RandomGrayscale(seed=1, **kw), (4, 3, 4, 3), 0),
    "random_invert_cf": (lambda **kw: layers.RandomInvert(
        value_range=(-2, 2), data_format="channels_first", seed=1, **kw), (4, 2, 3, 4), 0),
    "solarization": (lambda **kw: layers.Solarization(
        0.2, 0.5, value_range=(-3, 3), seed=1, **kw), (2, 3, 4, 2), 0),
    "random_posterization": (lambda **kw: layers.RandomPosterization(
        (2, 6), value_range=(-3, 3), seed=1, **kw), (2, 3, 4, 2), 0),
    "auto_contrast": (lambda **kw: layers.AutoContrast(value_range=(-1, 1), **kw),
                      (2, 3, 4, 2), 0),
    "random_saturation": (lambda **kw: layers.RandomSaturation(0.6, seed=1, **kw),
                          (2, 3, 4, 3), 0),
    "random_hue_cf": (lambda **kw: layers.RandomHue(
        0.5, value_range=(-3, 3), data_format="channels_first", seed=1, **kw), (2, 3, 3, 4), 0),
    "random_color_degeneration": (lambda **kw: layers.RandomColorDegeneration(
        0.6, value_range=(-3, 3), seed=1, **kw), (2, 3, 4, 3), 0),
    "random_sharpness_cf": (lambda **kw: layers.RandomSharpness(
        0.8, value_range=(-3, 3), data_format="channels_first", seed=1, **kw), (2, 2, 4, 5), 0),
    "random_color_jitter": (lambda **kw: layers.RandomColorJitter(
        (-3, 3), 0.1, 0.4, 0.6, 0.3, seed=1, **kw), (2, 3, 4, 3), 0),
    "equalization_cf": (lambda **kw: layers.Equalization(
        (-3, 3), bins=32, data_format="channels_first", **kw), (2, 2, 4, 5), 0),
    "random_erasing": (lambda **kw: layers.RandomErasing(seed=1, **kw), (2, 4, 5, 2), 0),
    "random_gaussian_blur_cf": (lambda **kw: layers.RandomGaussianBlur(
        kernel_size=(3, 5), value_range=(-9, 9), data_format="channels_first", seed=1, **kw),
        (2, 2, 4, 5), 0),
    "random_shear": (lambda **kw: layers.RandomShear(0.3, 0.3, seed=1, **kw), (2, 4, 5, 2), 0),
    "random_perspective": (lambda **kw: layers.RandomPerspective(scale=0.5, seed=1, **kw),
                           (2, 4, 5, 2), 0),
    "mix_up": (lambda **kw: layers.MixUp(seed=1, **kw), (3, 3, 4, 2), 0),
    "cut_mix": (lambda **kw: layers.CutMix(seed=1, **kw), (3, 4, 5, 2), 0),
    "random_elastic_transform": (lambda **kw: layers.RandomElasticTransform(
        value_range=(-9, 9), seed=1, **kw), (2, 8, 9, 2), 0),
    # Keras' Pipeline takes no dtype or trainable of its own: its layers are given them
    "pipeline": (lambda **kw: layers.Pipeline([
        layers.Rescaling(0.5, offset=1.0, **kw), layers.Dense(3, **kw)]), (3, 4), 2),
    "simple_rnn": (lambda **kw: layers.SimpleRNN(3, **kw), (2, 4, 3), 3),
    "lstm_sequences": (lambda **kw: layers.LSTM(3, return_sequences=True, **kw), (2, 4, 3), 3),
    "gru_backwards": (lambda **kw: layers.GRU(2, go_backwards=True, **kw), (2, 4, 3), 3),
    "gru_reset_before": (lambda **kw: layers.GRU(2, reset_after=False, **kw), (2, 4, 3), 3),
    "rnn_stacked_cells": (lambda **kw: layers.RNN(
        [layers.LSTMCell(2, dtype=kw.get("dtype")), layers.SimpleRNNCell(3, dtype=kw.get("dtype"))],
        return_sequences=True, **kw), (2, 4, 3), 6),
    "bidirectional": (lambda **kw: layers.Bidirectional(
        layers.LSTM(2, return_sequences=True, dtype=kw.get("dtype")), **kw), (2, 4, 3), 6),
    "time_distributed": (lambda **kw: layers.TimeDistributed(
        layers.Dense(2, activation="relu", dtype=kw.get("dtype")), **kw), (2, 4, 3), 2),
    "add": (lambda **kw: layers.Add(**kw), [(3, 4), (3, 4), (3, 4)], 0),
    "add_broadcast": (lambda **kw: layers.Add(**kw), [(3, 2, 4), (3, 1, 4)], 0),
    "add_lower_rank": (lambda **kw: layers.Add(**kw), [(3, 2, 4), (3, 4)], 0),
    "subtract": (lambda **kw: layers.Subtract(**kw), [(3, 4), (3, 4)], 0),
    "multiply": (lambda **kw: layers.Multiply(**kw), [(3, 4), (3, 4), (3, 4)], 0),
    "average": (lambda **kw: layers.Average(**kw), [(3, 4), (3, 4)], 0),
    "maximum": (lambda **kw: layers.Maximum(**kw), [(3, 4), (3, 4), (3, 4)], 0),
    "minimum": (lambda **kw: layers.Minimum(**kw), [(3, 4), (3, 4), (3, 4)], 0),
    "concatenate": (lambda **kw: layers.Concatenate(**kw), [(3, 4), (3, 2)], 0),
    "concatenate_axis1": (lambda **kw: layers.Concatenate(axis=1, **kw), [(3, 2, 4), (3, 5, 4)], 0),
    "dot": (lambda **kw: layers.Dot(axes=1, **kw), [(3, 4), (3, 4)], 0),
    "dot_3d": (lambda **kw: layers.Dot(axes=(1, 2), **kw), [(2, 3, 5), (2, 4, 3)], 0),
    "dot_normalize": (lambda **kw: layers.Dot(axes=-1, normalize=True, **kw), [(3, 2, 4), (3, 4)], 0),
}
SERIALIZABLE = [name for name in LAYERS if name != "dense_custom_activation"]
# Their training calls change their weights (SpectralNormalization assigns the normalized
# kernel, as Keras does): no finite differences of the whole call (the gradient is the
# wrapped layer's at the normalized kernel, tested on its own).
STATEFUL_IN_TRAINING = {"spectral_norm_dense", "spectral_norm_conv2d"}
# Random in training: no finite differences (each call draws anew).
RANDOM = {"dropout", "gaussian_noise", "gaussian_dropout", "alpha_dropout", "spatial_dropout1d",
          "spatial_dropout2d", "spatial_dropout3d", "random_crop", "random_flip",
          "random_rotation", "random_zoom_cf", "random_translation", "random_contrast",
          "random_brightness", "random_grayscale", "random_invert_cf", "solarization",
          "random_posterization", "random_saturation", "random_hue_cf",
          "random_color_degeneration", "random_sharpness_cf", "random_color_jitter",
          "random_erasing", "random_gaussian_blur_cf", "random_shear", "random_perspective",
          "mix_up", "cut_mix", "random_elastic_transform"}


def make(name, **kwargs):
    factory, shape, count, *_ = LAYERS[name]
    return factory(**kwargs), shape, count


def sample(shape, draw):
    """An input of `shape` (a list of inputs for a list of shapes), each from `draw(shape)`."""
    if isinstance(shape, list):
        return [draw(s) for s in shape]
    return draw(shape)


def sample_inputs(name, rng, shape=None):
    """An input for layer `name`: normal floats, or what its entry's input maker draws."""
    _, default_shape, _, *maker = LAYERS[name]
    shape = shape or default_shape
    return maker[0](rng, shape) if maker else sample(shape, lambda s: rng.normal(size=s))


def ones(shape):
    return sample(shape, lambda s: np.ones(s, np.float32))


@pytest.mark.parametrize("name", SERIALIZABLE)
def test_config_round_trips_through_json(name):
    layer, shape, _ = make(name)
    layer(ones(shape))
    config = json.loads(json.dumps(registry.serialize(layer)))
    clone = registry.deserialize("layer", config)
    assert type(clone) is type(layer)
    assert json.loads(json.dumps(clone.get_config())) == config["config"]
    assert config["module"] == "keras.layers"
    assert config["class_name"] == type(layer).__name__


@pytest.mark.parametrize("name", list(LAYERS))
def test_weights_and_output_shape(name):
    layer, shape, count = make(name)
    assert layer.weights == [] or layer.built
    x = tree.map_structure(lambda v: v.astype(np.float32) if v.dtype.kind == "f" else v,
                           sample_inputs(name, np.random.default_rng(0)))
    y = layer(x)
    assert y.dtype == np.float32
    assert tuple(y.shape) == tuple(layer.compute_output_shape(shape))
    assert len(layer.weights) == count == len(layer.get_weights())
    assert layer.count_params() == sum(w.size for w in layer.get_weights())
    layer.set_weights([w + 1 for w in layer.get_weights()])
    for w, v in zip(layer.weights, layer.get_weights()):
        np.testing.assert_array_equal(w.numpy(), v)


@pytest.mark.parametrize("name", list(LAYERS))
def test_trainable_false_moves_weights(name):
    layer, shape, count = make(name, trainable=False)
    layer(ones(shape))
    assert layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == count


def another_input(x, change):
    """An input unlike `x` of the same shape (for indices, the same ones reordered)."""
    if x.dtype.kind != "f":
        return np.flip(x)
    return x * change if change > 0 else x + change


def tape_gradients(layer, xs, upstreams, interleave=False):
    """The tape's gradients of `sum_i sum(upstreams[i] * layer(xs[i]))` with respect to each
    input and each trainable weight; with `interleave`, inference calls of the layer run
    between the recorded calls and the sweep (what a custom loop's validation does)."""
    with GradientTape() as tape:
        tape.watch(xs)
        total = 0.0
        for x, upstream in zip(xs, upstreams):
            total = total + ops.sum(layer(x, training=True) * upstream)
            if interleave:
                layer(tree.map_structure(lambda v: another_input(v, 3.0), x))
    if interleave:
        layer(tree.map_structure(lambda v: another_input(v, -1.0), xs[0]), training=True)
    return tape.gradient(total, [*xs, *layer.trainable_weights])


@pytest.mark.parametrize("calls", [1, 2])
@pytest.mark.parametrize("name", [n for n in LAYERS if n not in RANDOM | STATEFUL_IN_TRAINING])
def test_gradients_match_finite_differences(name, calls):
    """d(sum_i sum(upstream_i * layer(x_i)))/d(each x_i and each weight), in float64: one call,
    or the same layer called twice (each call's gradient is its own, and the weights' sum);
    for a layer taking a list, the gradient of every input of the list."""
    layer, shape, _ = make(name, dtype="float64")
    rng = np.random.default_rng(1)
    xs = [sample_inputs(name, rng) for _ in range(calls)]
    upstreams = [rng.normal(size=np.shape(layer(x))) for x in xs]

    def objective(*values):
        return float(sum(np.sum(u * np.asarray(layer(v, training=True)))
                         for u, v in zip(upstreams, values)))

    grads = tape_gradients(layer, xs, upstreams, interleave=calls == 2)
    leaves, grad_leaves = tree.flatten(xs), tree.flatten(grads[:calls])
    for i, x in enumerate(leaves):
        if x.dtype.kind != "f":  # indices: no gradient
            assert grad_leaves[i] is None
            continue

        def objective_x(value, i=i):
            return objective(*tree.pack_sequence_as(xs, [*leaves[:i], value, *leaves[i + 1:]]))

        np.testing.assert_allclose(grad_leaves[i], finite_difference(objective_x, x),
                                   rtol=1e-6, atol=1e-7)
    for variable, grad in zip(layer.trainable_weights, grads[calls:]):
        def objective_w(w_value, variable=variable):
            saved = variable.value.copy()
            variable.value[...] = w_value
            value = objective(*xs)
            variable.value[...] = saved
            return value

        expected = finite_difference(objective_w, variable.value.copy())
        np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-7, err_msg=variable.path)


def symbolic_inputs(shape):
    return sample(shape, lambda s: layers.Input(batch_shape=(None, *s[1:])))


@pytest.mark.parametrize("name", list(LAYERS))
def test_symbolic_call_gives_the_output_spec(name):
    """On symbolic inputs: a graph node, and the output shape compute_output_shape gives (the
    eager output's, batch axis unknown)."""
    layer, shape, count = make(name)
    inputs = symbolic_inputs(shape)
    output = layer(inputs)
    assert isinstance(output, layers.KerasTensor) and output.dtype == "float32"
    assert output._keras_history == (layer, 0, 0) and layer.output is output
    eager = layer(ones(shape))
    assert output.shape == layer.compute_output_shape(tree.map_structure(
        lambda x: x.shape, inputs)) == (None, *eager.shape[1:])
    assert len(layer.weights) == count


def functional_around(name):
    """A functional model with the layer under test between its inputs and a Dense head."""
    from minikeras import Model

    layer, shape, _ = make(name)
    inputs = symbolic_inputs(shape)
    outputs = layers.Dense(1, kernel_initializer="zeros")(layers.Flatten()(layer(inputs)))
    return Model(inputs, outputs), shape


@pytest.mark.parametrize("name", list(LAYERS))
def test_trains_inside_a_functional_model(name):
    """Small gradient steps on one batch lower its loss (layers drawing randomness in training
    draw anew each step), and every trainable weight moves."""
    from minikeras.optimizers import SGD

    model, shape = functional_around(name)
    model.compile(optimizer=SGD(1e-3), loss="mse")
    rng = np.random.default_rng(2)
    x = tree.map_structure(lambda v: v.astype(np.float32) if v.dtype.kind == "f" else v,
                           sample_inputs(name, rng))
    y = rng.normal(size=(shape[0] if not isinstance(shape, list) else shape[0][0], 1))
    before = [w.numpy() for w in model.trainable_weights]
    losses = [model.train_on_batch(x, y) for _ in range(3)]
    assert name == "dropout" or name in RANDOM or losses[2] < losses[1] < losses[0]
    assert all(np.any(a != w.numpy()) for a, w in zip(before, model.trainable_weights))


def test_dropout_scales_survivors_and_masks_the_gradient():
    layer = layers.Dropout(0.5, seed=1)
    x = np.ones((200, 50), np.float32)
    np.testing.assert_array_equal(layer(x), x)  # inference is the identity
    with GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        layer(x)  # an inference call between the forward pass and the gradient
        total = ops.sum(y)
    y = np.asarray(y.value)
    assert set(np.unique(y)) == {0.0, 2.0}
    assert abs((y == 0).mean() - 0.5) < 0.02
    np.testing.assert_array_equal(tape.gradient(total, x), y)


@pytest.mark.parametrize(
    "units", [0, -1, 2.0, 2.5, "3", np.int64(3), None]
)
def test_dense_rejects_bad_units(units):
    with pytest.raises(ValueError, match=r"Received an invalid value for `units`, expected a positive integer\. Received: units="):
        layers.Dense(units)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"activation": "foo"}, "Could not interpret activation function identifier: foo"),
        ({"activation": 5}, "Could not interpret activation function identifier: 5"),
        ({"kernel_initializer": "foo"}, "Could not interpret initializer identifier: foo"),
        ({"kernel_regularizer": "foo"}, "Could not interpret regularizer identifier: foo"),
        ({"kernel_constraint": "foo"}, "Could not interpret constraint identifier: foo"),
        ({"foo": 1}, "Unrecognized keyword arguments passed to Dense: {'foo': 1}"),
    ],
)
def test_dense_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError) as info:
        layers.Dense(3, **kwargs)
    assert str(info.value) == message


def test_dense_input_errors_name_the_layer():
    layer = layers.Dense(3, name="dd")
    layer.build((None, 4))
    with pytest.raises(ValueError) as info:
        layer(np.ones((2, 5)))
    assert str(info.value) == (
        "Input 0 with name 'None' of layer 'dd' is incompatible with the layer: expected axis -1 "
        "of input shape to have value 4, but received input with shape (2, 5)"
    )
    with pytest.raises(ValueError, match=r"expected min_ndim=2, found ndim=1. Full shape received: \(4,\)"):
        layer(np.ones(4))


def test_set_weights_errors():
    layer = layers.Dense(5, name="dd")
    layer.build((None, 7))
    with pytest.raises(ValueError) as info:
        layer.set_weights([np.ones((7, 5))])
    assert str(info.value) == (
        "You called `set_weights(weights)` on layer 'dd' with a weight list of length 1, but "
        "the layer was expecting 2 weights."
    )
    with pytest.raises(ValueError) as info:
        layer.set_weights([np.ones((7, 4)), np.ones(5)])
    assert str(info.value) == "Layer dd weight shape (7, 5) is not compatible with provided weight shape (7, 4)."


def test_dense_before_build():
    layer = layers.Dense(3)
    assert repr(layer) == "<Dense name=dense, built=False>"
    assert layer.weights == []
    with pytest.raises(AttributeError, match="You must build the layer before accessing `kernel`."):
        layer.kernel
    with pytest.raises(ValueError, match="You tried to call `count_params` on layer 'dense', but the layer isn't built."):
        layer.count_params()
    layer.build((None, 4))
    assert layer.kernel.shape == (4, 3) and layer.bias.shape == (3,)
    assert layer.kernel.name == "kernel" and layer.kernel.path == "dense/kernel"
    with pytest.raises(ValueError, match="You cannot add new elements of state"):
        layer.build((None, 4))


def test_dense_contracts_the_last_axis():
    layer = layers.Dense(3)
    x = np.random.default_rng(0).normal(size=(2, 6, 5, 4)).astype(np.float32)
    y = layer(x)
    assert y.shape == (2, 6, 5, 3)
    np.testing.assert_allclose(y, x @ layer.kernel.numpy() + layer.bias.numpy(), rtol=1e-6)


def test_dense_casts_inputs_to_float32():
    layer = layers.Dense(2)
    for dtype in (np.float64, np.int32):
        assert layer(np.ones((1, 3), dtype)).dtype == np.float32


def test_activity_regularizer_is_divided_by_batch_size():
    layer = layers.Dense(2, kernel_initializer="ones", activity_regularizer="l2")
    x = np.ones((4, 3), np.float32)
    y = layer(x)
    activity = layer.losses[0]
    np.testing.assert_allclose(activity, 0.01 * np.sum(y**2) / 4, rtol=1e-6)


def test_legacy_input_arguments_set_the_batch_shape():
    # Keras 3 accepts them with this warning; Keras 2's batch_input_shape passes silently.
    with pytest.warns(UserWarning, match=r"Do not pass an `input_shape`/`input_dim` argument"):
        assert layers.Dense(2, input_dim=3)._batch_input_shape == (None, 3)
    with pytest.warns(UserWarning, match=r"Do not pass an `input_shape`/`input_dim` argument"):
        assert layers.Dense(2, input_shape=(3,), batch_size=8)._batch_input_shape == (8, 3)
    assert layers.Dense(2, batch_input_shape=(None, 4))._batch_input_shape == (None, 4)


def test_reshape_and_dropout_validation():
    with pytest.raises(ValueError, match=r"The total size of the tensor must be unchanged. Received: input_shape=\(6,\), target_shape=\(5,\)"):
        layers.Reshape((5,))(np.ones((2, 6)))
    with pytest.raises(ValueError, match=r"Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate=1.5"):
        layers.Dropout(1.5)
    assert layers.Flatten()(np.ones(2)).shape == (2, 1)


def test_flatten_channels_first_moves_the_channel_axis_last():
    """Keras 3 flattens arange(6).reshape(1, 2, 3) in channels_first order to [0 3 1 4 2 5]."""
    x = np.arange(6, dtype=np.float32).reshape(1, 2, 3)
    np.testing.assert_array_equal(layers.Flatten("channels_first")(x), [[0, 3, 1, 4, 2, 5]])
    np.testing.assert_array_equal(layers.Flatten()(x), [[0, 1, 2, 3, 4, 5]])


def test_softmax_zeroes_masked_entries_as_keras_3_15():
    """Keras 3.15: masked entries get exactly 0, an axis masked throughout all zeros (not a
    uniform share), a number mask keeps entries above 0.5, several axes share one softmax;
    a mask that cannot broadcast is refused with Keras' message."""
    x = np.array([[1, 2, 3], [0.5, -1, 2], [3, 1, 0]], np.float32)
    mask = np.array([[1, 1, 0], [0, 0, 0], [1, 0, 1]], bool)

    def expected(axis):
        shares = np.where(mask, np.exp(x), 0)
        return shares / np.maximum(shares.sum(axis=axis, keepdims=True), 1e-30)

    out = layers.Softmax()(x, mask=mask)
    np.testing.assert_allclose(out, expected(-1), rtol=1e-6)
    assert np.all(out[~mask] == 0)
    np.testing.assert_array_equal(layers.Softmax()(x, mask=mask * np.float32(0.7)), out)
    np.testing.assert_array_equal(layers.Softmax()(x, mask=mask * np.float32(0.4)), 0)
    rows = mask[:, :1] | np.zeros_like(mask)
    np.testing.assert_allclose(layers.Softmax(axis=(0, 1))(x, mask=mask[:, :1]),
                               np.where(rows, np.exp(x), 0) / np.exp(x)[rows].sum(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"broadcastable to `inputs`. Each mask dimension"):
        layers.Softmax()(x, mask=np.ones((3, 2), bool))
    with pytest.raises(ValueError, match="must not have more dimensions"):
        layers.Softmax()(x, mask=np.ones((1, 3, 3), bool))


def test_softmax_honours_a_mask_and_layers_refuse_arguments_they_do_not_take():
    """Keras 3: masked-out entries get no share of the softmax; a mask or an unknown keyword
    given to a layer whose call takes none is a TypeError, not silently dropped."""
    x = np.ones((2, 3), np.float32)
    mask = np.array([[1, 1, 0], [1, 0, 0]], bool)
    np.testing.assert_allclose(layers.Softmax()(x, mask=mask), [[0.5, 0.5, 0], [1, 0, 0]])
    np.testing.assert_allclose(layers.Softmax()(x, mask=None), np.full((2, 3), 1 / 3), rtol=1e-6)
    with pytest.raises(TypeError, match="mask"):
        layers.Flatten()(x, mask=mask)
    with pytest.raises(TypeError, match="foo"):
        layers.Dense(2)(x, foo=1)


@pytest.mark.parametrize("make", [lambda: layers.LSTM(2, seed=0), lambda: layers.SimpleRNN(2),
                                  layers.GlobalAveragePooling1D],
                         ids=["LSTM", "SimpleRNN", "GlobalAveragePooling1D"])
def test_a_mask_given_as_python_lists_masks_as_its_array_does(make):
    """A `mask=` of nested lists of bools or 0/1 is the boolean array it spells (Keras 3's
    pooling layers read it so); it was once taken for a scalar and silently ignored."""
    x = np.random.default_rng(0).normal(size=(2, 3, 4)).astype(np.float32)
    rows = [[True, True, False], [True, False, False]]
    layer = make()
    expected = layer(x, mask=np.array(rows))
    assert not np.allclose(expected, layer(x))
    np.testing.assert_array_equal(layer(x, mask=rows), expected)
    np.testing.assert_array_equal(layer(x, mask=[[1, 1, 0], [1, 0, 0]]), expected)


def test_masks_given_as_lists_go_one_per_input_to_a_layer_of_several():
    rng = np.random.default_rng(1)
    query, value = (rng.normal(size=(2, 3, 4)).astype(np.float32) for _ in range(2))
    query_mask, value_mask = [[True, True, False], [True, False, True]], [[1, 0, 1], [1, 1, 0]]
    attention = layers.Attention()
    expected = attention([query, value], mask=[np.array(query_mask), np.array(value_mask, bool)])
    assert not np.allclose(expected, attention([query, value]))
    np.testing.assert_array_equal(attention([query, value], mask=[query_mask, value_mask]), expected)
    np.testing.assert_array_equal(attention([query, value], mask=[None, value_mask]),
                                  attention([query, value], mask=[None, np.array(value_mask, bool)]))


@pytest.mark.parametrize("make, dtype", [(lambda: layers.Dense(2, dtype="float16"), "float16"),
                                         (lambda: layers.Embedding(10, 2), "float32"),
                                         (lambda: layers.Hashing(3), "int64")])
def test_layers_name_their_compute_variable_and_input_dtypes_as_keras_3_15(make, dtype):
    layer = make()
    assert (layer.dtype, layer.compute_dtype, layer.variable_dtype, layer.input_dtype) == (
        dtype,) * 4


def test_variables_are_made_as_keras_makes_them():
    """Keras 3.15: Variable(1.0) is float32 of shape () named `variable`; a float64 array keeps
    its dtype; a list of ints is int32; an initializer needs a shape."""
    from minikeras import Variable, backend

    backend.clear_session()
    scalar = Variable(1.0)
    assert (scalar.name, scalar.path, scalar.dtype, scalar.shape) == ("variable", "variable",
                                                                      "float32", ())
    drawn = Variable("zeros", shape=(2, 3))
    assert (drawn.name, drawn.dtype, drawn.shape) == ("variable_1", "float32", (2, 3))
    assert Variable(np.ones(3)).dtype == "float64" and Variable([1, 2]).dtype == "int32"
    array = np.zeros(4, np.float32)
    assert Variable(array, name="kept").value is array  # weights are updated in place
    with pytest.raises(ValueError, match="the `shape` argument should be specified"):
        Variable("ones")


@pytest.mark.parametrize("name", ["a/b", 3])
def test_layer_names_must_be_strings_without_a_slash(name):
    from minikeras import Sequential

    message = r"^Argument `name` must be a string and cannot contain character `/`\. Received: "
    for make_layer in (lambda: layers.Dense(1, name=name), lambda: Sequential(name=name)):
        with pytest.raises(ValueError, match=message):
            make_layer()
