"""ONNX export: every layer and activation minikeras has, checked by onnx.checker and run in
onnxruntime against minikeras' own predictions (to 1e-5), with a dynamic batch axis."""

import pathlib
import subprocess
import sys

import numpy as np
import pytest

import minikeras as mk
from minikeras import activations, layers
from minikeras.export import register_converter
from minikeras.layers import resampling  # a submodule: the lazy package does not import it

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

# Every activation minikeras defines but `threshold`, whose arguments have no defaults (so no
# layer can name it); Keras 2's hard_sigmoid is what 'hard_sigmoid' means in Keras 2 files.
ACTIVATIONS = sorted(name for name, fn in vars(activations).items()
                     if hasattr(fn, "backward") and not name.startswith("_") and name != "threshold")
ACTIVATIONS.append(activations._keras2_hard_sigmoid)


def _run_both(model, tmp_path, *batches):
    """Export `model`, check the file, and compare onnxruntime with `model.predict` on each
    batch (an array, or a list of one array per model input)."""
    path = tmp_path / "model.onnx"
    model.export(path, format="onnx", verbose=False)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = session.get_inputs()
    assert all(feed.shape[0] == "batch" for feed in feeds)
    for x in batches:
        xs = x if isinstance(x, list) else [x]
        # onnxruntime takes and gives strings as numpy objects
        got = session.run(None, {feed.name: value.astype(object) if value.dtype.kind == "U"
                                 else value for feed, value in zip(feeds, xs)})
        expected = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
        expected = expected if isinstance(expected, (list, tuple)) else [expected]
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            if e.dtype.kind == "U":
                assert g.dtype == object
                np.testing.assert_array_equal(g.astype(str), e)
                continue
            assert g.shape == e.shape and g.dtype == e.dtype
            np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)
    return session


def _inputs(*shape, scale=3.0, seed=0):
    rng = np.random.default_rng(seed)
    return [scale * rng.normal(size=(batch, *shape)).astype("float32") for batch in (1, 7)]


@pytest.mark.parametrize("activation", ACTIVATIONS, ids=lambda a: getattr(a, "__name__", a) + (
    "_keras2" if a is activations._keras2_hard_sigmoid else ""))
def test_dense_with_every_activation(activation, tmp_path):
    model = mk.Sequential([layers.Input((5,)), layers.Dense(8, activation=activation)])
    # Large weights push values into every activation's tails and kinks.
    model.set_weights([3 * w + 0.1 for w in model.get_weights()])
    _run_both(model, tmp_path, *_inputs(5))


L = layers


def _seq(*stack):
    return mk.Sequential(list(stack))


def _functional(build):
    """A case building a functional model: `build()` returns `(inputs, outputs)`."""
    return lambda: mk.Model(*build())


def _merges():
    a, b = L.Input((4,), name="a"), L.Input((4,), name="b")
    c = L.Input((2, 4), name="c")
    merged = [L.Add()([a, b]), L.Subtract()([a, b]), L.Multiply()([a, b, a]),
              L.Average()([a, b]), L.Maximum()([a, b]), L.Minimum()([a, b]),
              L.Concatenate()([a, b]), L.Dot(axes=1, normalize=True)([a, b]),
              L.Dot(axes=(2, 2))([c, c]), L.Add()([c, a])]
    return [a, b, c], merged


def _ops():
    x = L.Input((3, 4), name="x")
    y = x * 2.0 + 1.0
    ops = mk.ops
    outputs = [ops.tanh(y - x), x[:, 1:3, ::2], x[..., None, 0], x[:, -1], ops.mean(x, axis=1),
               ops.reshape(x, (-1, 12)), ops.transpose(x, (0, 2, 1)), ops.softmax(x),
               ops.sum(ops.square(x), axis=(1, 2), keepdims=True), ops.relu(-x) / 3.0,
               ops.concatenate([x, y], axis=1), ops.expand_dims(ops.sum(x, axis=-1), 1),
               ops.sigmoid(ops.abs(x)) ** 2.0, ops.matmul(x, ops.transpose(x, (0, 2, 1)))]
    return x, outputs


def _integers_and_floats():
    """Integer operands with numbers, floats and arrays: the types Keras' promotion gives
    them (the casts minikeras makes, floor division and modulo of negative integers)."""
    x, f = L.Input((3,), dtype="int32"), L.Input((3,))
    ops, centred = mk.ops, x - 5
    return [x, f], [
        x * 2, x * 2.5, x + f, f - x, x > 1.5, 4 <= x, mk.ops.equal(f, x), centred // 3,
        centred % 3, centred // -2.0, x / 2, ops.mean(x, axis=1), ops.sqrt(x),
        ops.cast(x, "float32") * x, ops.maximum(x, 1), ops.concatenate([x, f], axis=1),
        x + np.array([1, 2, 3]), f + np.array([1.0, 2.0, 3.0]), ops.cast(x, "int8") * 3,
        ops.cast(x, "uint8") + x, ops.sum(x > 3, axis=1), L.Dense(2)(x), L.Add()([x, f]),
        L.Dense(2)(x > 4)]


def _text_vectorization():
    """TextVectorization with the settings ONNX's string operators write: lower-casing (ASCII
    letters, as TensorFlow), whitespace of every kind, n-grams, padding and cutting, bags of
    tokens."""
    text, rows = L.Input((), dtype="string"), L.Input((1,), dtype="string")
    vocabulary = ["a", "b", "c", "é", "x", "a b", "b c", "é x", "a b c"]

    def vectorizer(**kwargs):
        return L.TextVectorization(vocabulary=vocabulary, **{"standardize": "lower", **kwargs})

    return [text, rows], [
        vectorizer()(text), vectorizer(standardize=None, output_sequence_length=4)(rows),
        vectorizer(output_sequence_length=1)(text), vectorizer(output_mode="multi_hot")(rows),
        vectorizer(output_mode="count", standardize=None)(text),
        vectorizer(output_mode="tf_idf", idf_weights=[0.5, 1.0, 2.0, 1.5, 3.0, 1, 2, 3, 4])(text),
        vectorizer(ngrams=2)(text), vectorizer(ngrams=(3, 1), output_sequence_length=5)(rows),
        vectorizer(ngrams=3, output_mode="count")(text),
        vectorizer(split=None)(rows), vectorizer(split=None, output_sequence_length=2)(rows),
        vectorizer(split=None, output_mode="count")(rows),
        vectorizer(split=None, output_mode="multi_hot")(text)]  # of rank 1: one sample


def _nested():
    inner_in = L.Input((5,))
    inner = mk.Model(inner_in, [L.Dense(3, activation="relu")(inner_in), L.Dense(2)(inner_in)])
    x = L.Input((5,))
    h, g = inner(x)
    return x, L.Concatenate()([mk.Sequential([L.Dense(4)])(h), g])


def _lstm_states():
    x, h0, c0 = L.Input((6, 3)), L.Input((5,)), L.Input((5,))
    sequence, h, c = L.LSTM(5, return_sequences=True, return_state=True)(
        x, initial_state=[h0, c0])
    return [x, h0, c0], [sequence, h, c, L.GRU(5)(sequence, initial_state=[h])]


def _attention():
    q, v = L.Input((4, 6)), L.Input((5, 6))
    return [q, v], [L.Attention(use_scale=True)([q, v, v]),
                    L.Attention(score_mode="concat", use_scale=True)([q, v]),
                    L.Attention()([q, q], use_causal_mask=True),
                    L.AdditiveAttention()([q, v])]


def _masked():
    tokens = L.Input((6,), dtype="int32")
    embedded = L.Embedding(10, 4, mask_zero=True)(tokens)
    dense = L.Dense(3)(embedded)  # the mask travels on through Dense, TimeDistributed, ...
    return tokens, [
        L.LSTM(3, return_sequences=True)(embedded),
        L.LSTM(3, return_sequences=True, zero_output_for_mask=True, go_backwards=True)(dense),
        L.Bidirectional(L.GRU(2, return_sequences=True))(embedded),
        L.GRU(2, reset_after=False)(L.TimeDistributed(L.Dense(2))(embedded)),
        L.SimpleRNN(2, go_backwards=True)(L.BatchNormalization()(dense)),
        L.RNN(L.StackedRNNCells([L.LSTMCell(2), L.GRUCell(3)]))(embedded),
        L.GlobalAveragePooling1D()(L.LSTM(2, return_sequences=True)(embedded)),
        L.GlobalAveragePooling1D(keepdims=True)(dense),
        # the query's mask and the value's (a fully masked query: uniform weights, fused)
        L.MultiHeadAttention(2, 3)(dense, embedded),
        L.GroupQueryAttention(2, 2, 1)(embedded, embedded, return_attention_scores=True)[1],
        L.LSTM(2)(L.MultiHeadAttention(2, 2, dropout=0.1)(embedded, dense))]


def _masks_into_merges_attention_softmax():
    tokens, kept = L.Input((6,), dtype="int32"), L.Input((6,), dtype="bool")
    pairs = L.Input((6, 6), dtype="bool")
    embedded = L.Embedding(10, 4, mask_zero=True)(tokens)
    dense, unmasked = L.Dense(4)(embedded), L.Embedding(10, 4)(tokens)
    return [tokens, kept, pairs], [
        L.LSTM(2)(L.Concatenate()([embedded, dense])),
        L.LSTM(2)(L.Concatenate(axis=1)([embedded, unmasked])),
        L.GRU(2)(L.Add()([embedded, dense])),
        L.SimpleRNN(2)(L.Maximum()([dense, embedded])),
        L.LSTM(2)(L.Add()([embedded, unmasked])),  # no mask: an input has none
        L.Dot(axes=2)([embedded, dense]),
        L.GlobalAveragePooling1D()(L.Attention()([dense, embedded])),
        L.Attention(score_mode="concat")([embedded, embedded], use_causal_mask=True),
        L.AdditiveAttention()([embedded, dense, embedded]),
        L.Softmax(axis=1)(L.Dense(6)(embedded), mask=pairs),  # a mask passed to the call
        L.GRU(3)(dense, mask=kept)]


def _masks_computed_by_ops():
    """Masks made with Keras' mask ops (written only because something reads them) and
    comparisons of integers with numbers."""
    tokens = L.Input((5,), dtype="int32")
    embedded = L.Embedding(10, 3)(tokens)
    kept = mk.ops.not_equal(tokens, 0)
    pairs = mk.ops.logical_and(kept[:, :, None], mk.ops.logical_not(
        mk.ops.equal(tokens[:, None, :], 0)))
    return tokens, [
        L.LSTM(2)(embedded, mask=kept),
        L.MultiHeadAttention(2, 2)(embedded, embedded, attention_mask=pairs),
        mk.ops.cast(mk.ops.any(kept, axis=-1), "float32"),
        mk.ops.cast(mk.ops.all(mk.ops.logical_or(kept, tokens > 3), axis=1, keepdims=True),
                    "int32"),
        mk.ops.equal(tokens, 2), tokens <= 4]


def _constant_masks():
    """Masks given as arrays, which Keras broadcasts against the batch: a row for every
    sample, or no batch axis at all."""
    x, q, v = L.Input((3, 2)), L.Input((4, 6)), L.Input((5, 6))
    scores = L.Dense(5)(q)
    causal = np.tril(np.ones((4, 5), bool))
    return [x, q, v], [
        L.GRU(2)(x, mask=np.array([[True, False, True]])),
        L.LSTM(2, return_sequences=True)(x, mask=np.array([[False, True, True]])),
        L.MultiHeadAttention(2, 3)(q, v, attention_mask=causal),
        L.MultiHeadAttention(2, 2)(q, v, attention_mask=causal[None, ::-1]),
        L.GroupQueryAttention(2, 2, 1)(q, v, value_mask=np.array([[1, 1, 0, 1, 0]])),
        L.Attention()([q, v], mask=[None, np.array([[True, True, False, True, False]])]),
        L.Softmax()(scores, mask=causal), L.Softmax()(scores, mask=causal[None])]


def _multi_head():
    q, v, k = L.Input((4, 6)), L.Input((5, 3)), L.Input((5, 2))
    mask = L.Input((4, 5), dtype="bool")
    output = L.MultiHeadAttention(2, 3, value_dim=4, output_shape=(7,))(
        q, v, k, attention_mask=mask)
    causal = L.MultiHeadAttention(3, 2, use_bias=False)(q, q, use_causal_mask=True)
    return [q, v, k, mask], [output, causal]


def _multi_head_variants():
    q, v = L.Input((4, 6)), L.Input((5, 6))
    grid, mask = L.Input((3, 2, 4)), L.Input((4, 5), dtype="bool")
    gated = L.MultiHeadAttention(2, 3, use_gate=True, sliding_window=2)(
        q, q, use_causal_mask=True)
    # With dropout (or the scores returned) Keras' masked softmax gives a fully masked query
    # zeros, not the fused path's uniform weights.
    output, scores = L.MultiHeadAttention(2, 2, dropout=0.5, sliding_window=3)(
        q, v, attention_mask=mask, return_attention_scores=True)
    over_two_axes = L.MultiHeadAttention(2, 3, attention_axes=(1, 2))(grid, grid)
    causal_over_grid = L.MultiHeadAttention(2, 2, attention_axes=(1,), sliding_window=2)(
        grid, grid, use_causal_mask=True)
    return [q, v, grid, mask], [gated, output, scores, over_two_axes, causal_over_grid]


def _group_query():
    q, v, k = L.Input((4, 6)), L.Input((5, 6)), L.Input((5, 2))
    mask = L.Input((4, 5), dtype="bool")
    grouped = L.GroupQueryAttention(3, num_query_heads=4, num_key_value_heads=2)
    multi_query, scores = L.GroupQueryAttention(2, 3, 1, use_gate=True, sliding_window=2)(
        q, q, use_causal_mask=True, return_attention_scores=True)
    as_many_groups = L.GroupQueryAttention(2, 2, 2, use_bias=False)(q, v, attention_mask=mask)
    kept_queries, kept_values = L.Input((4,), dtype="bool"), L.Input((5,), dtype="bool")
    masked = L.GroupQueryAttention(2, 4, 2, dropout=0.2)(
        q, v, query_mask=kept_queries, value_mask=kept_values)  # masks as arguments
    heads = L.MultiHeadAttention(2, 2)(q, v, value_mask=kept_values, key_mask=kept_values)
    return [q, v, k, mask, kept_queries, kept_values], [
        grouped(q, v, k, attention_mask=mask), multi_query, scores, as_many_groups, masked, heads]


def _tied_language_model():
    ids = L.Input((5,), dtype="int32")
    table = L.ReversibleEmbedding(10, 4, logit_soft_cap=3.0)
    untied = L.ReversibleEmbedding(10, 4, tie_weights=False)
    hidden = L.Dense(4, activation="tanh")(table(ids))
    return ids, L.Add()([table(hidden, reverse=True), untied(untied(ids), reverse=True)])


def _functional_bidirectional():
    x = L.Input((5, 3))
    outputs = L.Bidirectional(L.LSTM(4, return_sequences=True, return_state=True),
                              merge_mode=None)(x)
    return x, outputs


LAYER_MODELS = {
    "image_preprocessing": lambda: _seq(
        L.Input((6, 7, 2)), L.RandomFlip(), L.RandomRotation(0.2), L.RandomZoom(0.1),
        L.RandomTranslation(0.1, 0.1), L.RandomContrast(0.2), L.RandomBrightness(0.1),
        L.CenterCrop(4, 3), L.Conv2D(2, 2)),
    "image_color": lambda: _seq(
        L.Input((6, 7, 3)), L.RandomGrayscale(), L.RandomInvert(), L.Solarization(),
        L.RandomPosterization(4), L.RandomSaturation(0.5), L.RandomHue(0.5),
        L.RandomColorDegeneration(0.5), L.RandomSharpness(0.5),
        L.RandomColorJitter(brightness_factor=0.1, hue_factor=0.2), L.Equalization(),
        L.AutoContrast(value_range=(-1, 1)), L.Conv2D(2, 2)),
    "auto_contrast_channels_first_unit_range": lambda: _seq(
        L.Input((3, 5, 4)), L.AutoContrast(value_range=(0, 1), data_format="channels_first")),
    "image_mixing_augmentations": lambda: _seq(
        L.Input((8, 9, 3)), L.Pipeline([L.RandomErasing(), L.Rescaling(0.5, offset=1.0),
                                        L.RandomGaussianBlur()]),
        L.RandomShear(0.2, 0.2), L.RandomPerspective(), L.MixUp(), L.CutMix(),
        L.RandomElasticTransform(), L.Conv2D(2, 2)),
    "center_crop_channels_first": lambda: _seq(
        L.Input((2, 6, 7)), L.CenterCrop(3, 5, data_format="channels_first")),
    # smaller than its target on one axis: the aspect window resized
    "center_crop_of_smaller_images": lambda: _seq(L.Input((5, 7, 2)), L.CenterCrop(6, 4)),
    "random_crop": lambda: _seq(
        L.Input((9, 6, 2)), L.RandomCrop(4, 5), L.RandomCrop(
            6, 3, data_format="channels_first")),
    **{f"resizing_{interpolation}": (lambda interpolation: lambda: _seq(
        L.Input((7, 9, 2)), L.Resizing(4, 12, interpolation),
        L.Resizing(5, 3, interpolation, antialias=True),
        L.Resizing(6, 4, interpolation, crop_to_aspect_ratio=True),
        L.Resizing(3, 7, interpolation, pad_to_aspect_ratio=True, fill_value=0.5),
        L.Resizing(2, 3, interpolation, antialias=True, data_format="channels_first")))(
        interpolation) for interpolation in resampling.RESIZE_INTERPOLATIONS},
    # single images (rank 3): the first axis, dynamic, is the height (channels_first: the
    # channels)
    "single_images": lambda: _seq(
        L.Input((7, 2)), L.Resizing(4, 9, "bicubic", antialias=True), L.CenterCrop(3, 4),
        L.RandomCrop(2, 3), L.Rescaling(0.5), L.RandomFlip(), L.Resizing(4, 2, "area")),
    "single_images_of_any_height": _functional(lambda: (lambda x: (x, [
        L.CenterCrop(3, 4)(x), L.RandomCrop(2, 6)(x),
        L.Resizing(5, 3, crop_to_aspect_ratio=True)(x),
        L.Resizing(2, 6, "lanczos3", pad_to_aspect_ratio=True, fill_value=1.0)(x)]))(
        L.Input((5, 2)))),
    "single_images_channels_first": lambda: _seq(
        L.Input((6, 9)), L.Resizing(3, 4, "nearest", data_format="channels_first"),
        L.CenterCrop(2, 2, data_format="channels_first")),
    "resizing_integer_images": lambda: _seq(
        L.Input((6, 5, 3), dtype="uint8"), L.Resizing(3, 4)),
    "dropout_and_activation": lambda: _seq(
        L.Input((6,)), L.Dense(4), L.Dropout(0.5), L.Activation("tanh")),
    "noise_and_regularization": lambda: _seq(
        L.Input((5, 4)), L.GaussianNoise(1.0), L.GaussianDropout(0.3), L.AlphaDropout(0.2),
        L.SpatialDropout1D(0.5), L.ActivityRegularization(0.1), L.Identity()),
    "spatial_dropout": lambda: _seq(
        L.Input((3, 4, 2)), L.SpatialDropout2D(0.5), L.Reshape((3, 4, 1, 2)),
        L.SpatialDropout3D(0.5)),
    "softmax_axis": lambda: _seq(L.Input((3, 4)), L.Softmax(axis=1)),
    "softmax_axes": lambda: _seq(L.Input((3, 4)), L.Softmax(axis=(1, 2))),
    "flatten": lambda: _seq(L.Input((2, 3, 4)), L.Flatten(), L.Dense(3)),
    "flatten_channels_first": lambda: _seq(
        L.Input((2, 3, 4)), L.Flatten(data_format="channels_first")),
    "reshape": lambda: _seq(L.Input((12,)), L.Reshape((3, -1)), L.Dense(2)),
    "permute_repeat": lambda: _seq(
        L.Input((3, 4)), L.Permute((2, 1)), L.Flatten(), L.RepeatVector(3)),
    "dense_on_3d": lambda: _seq(L.Input((3, 5)), L.Dense(4, activation="relu", use_bias=False)),
    "input_layer": lambda: _seq(L.InputLayer(shape=(4,)), L.Dense(2)),
    "nested_sequential": lambda: _seq(L.Input((6,)), mk.Sequential(
        [L.Dense(5, activation="relu"), mk.Sequential([L.Dense(3)])]), L.Softmax()),
    # activation layers
    "relu": lambda: _seq(
        L.Input((6,)), L.ReLU(), L.Dense(6),
        L.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.5)),
    "relu_max": lambda: _seq(L.Input((6,)), L.ReLU(max_value=1.0)),
    "leaky_prelu_elu": lambda: _seq(
        L.Input((3, 4)), L.LeakyReLU(0.1), L.PReLU(shared_axes=[1]), L.ELU(0.7),
        L.ThresholdedReLU(0.5)),
    # embeddings and preprocessing
    "embedding": lambda: _seq(L.Input((5,), dtype="int32"), L.Embedding(10, 3), L.Flatten()),
    "reversible_embedding": _functional(_tied_language_model),
    "normalization_rescaling": lambda: _seq(
        L.Input((3,)), L.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 0.5, 1e-9]),
        L.Rescaling(0.5, offset=-1.0), L.Normalization(mean=2.0, variance=9.0, invert=True)),
    "text_vectorization": _functional(_text_vectorization),
    "string_lookup": _functional(lambda: (lambda s, i: ([s, i], [
        L.StringLookup(vocabulary=["a", "b", "c"], mask_token="")(s),
        L.StringLookup(vocabulary=["c", "a"], output_mode="multi_hot")(s),
        L.StringLookup(vocabulary=["a", "b", "c"], output_mode="count", mask_token="")(s),
        L.StringLookup(vocabulary=["b", "a"], output_mode="tf_idf", idf_weights=[0.5, 2.0])(s),
        L.StringLookup(vocabulary=["a", "b", "c"], output_mode="one_hot")(s),
        L.StringLookup(vocabulary=["a", "b", "c"], invert=True, mask_token="")(i),
        L.StringLookup(vocabulary=["a", "b"], invert=True, num_oov_indices=2)(i)]))(
        L.Input((4,), dtype="string"), L.Input((4,), dtype="int64"))),
    "integer_lookup": _functional(lambda: (lambda i: (i, [
        L.IntegerLookup(vocabulary=[1, 3, 5, 7])(i),
        L.IntegerLookup(vocabulary=[3, 5], num_oov_indices=3, mask_token=0)(i),
        L.IntegerLookup(vocabulary=[2, 4, 6], output_mode="multi_hot", mask_token=0)(i),
        L.IntegerLookup(vocabulary=[9, 1], output_mode="count", num_oov_indices=2)(i),
        L.IntegerLookup(vocabulary=[1, 3, 5, 7], invert=True, mask_token=0)(i)]))(
        L.Input((4,), dtype="int32"))),
    "rescaling_integers": lambda: _seq(L.Input((4,), dtype="int32"), L.Rescaling(1 / 255)),
    "discretization_category_encoding": _functional(lambda: (lambda x, i: ([x, i], [
        L.Discretization(bin_boundaries=[-1.0, 0.0, 2.5])(x),
        L.Discretization(bin_boundaries=[0.0, 1.0], output_mode="one_hot")(x),
        L.Discretization(bin_boundaries=[0.5], output_mode="count")(x),
        L.CategoryEncoding(8, output_mode="one_hot")(i[:, :1]),
        L.CategoryEncoding(12, output_mode="multi_hot")(i),
        L.CategoryEncoding(10, output_mode="count")(i)]))(
        L.Input((4,)), L.Input((3,), dtype="int32"))),
    # normalization
    "batch_normalization": lambda: _seq(
        L.Input((3, 4)), L.BatchNormalization(), L.BatchNormalization(axis=1, center=False),
        L.BatchNormalization(scale=False)),
    "layer_normalization": lambda: _seq(
        L.Input((3, 4)), L.LayerNormalization(), L.LayerNormalization(axis=(1, 2), center=False)),
    "group_normalization": lambda: _seq(
        L.Input((3, 6)), L.GroupNormalization(groups=3), L.Reshape((3, 2, 3)),
        L.GroupNormalization(groups=-1, axis=2)),
    "unit_normalization": lambda: _seq(
        L.Input((3, 4)), L.UnitNormalization(), L.UnitNormalization(axis=(1, 2))),
    "rms_and_spectral_normalization": lambda: _seq(
        L.Input((3, 4)), L.RMSNormalization(), L.RMSNormalization(axis=(1, 2), epsilon=0.1),
        L.SpectralNormalization(L.Dense(3)), L.Reshape((3, 3, 1)),
        L.SpectralNormalization(L.Conv2D(2, 2), power_iterations=2)),
    "einsum_dense": lambda: _seq(
        L.Input((3, 4)), L.EinsumDense("abc,cde->abde", (3, 2, 5), bias_axes="be"),
        L.Reshape((3, 10)), L.EinsumDense("...b,bc->...c", 4, activation="tanh"),
        L.EinsumDense("ab...,bc->ac...", 2, bias_axes="c"),
        L.EinsumDense("abc,cd->ad", 3, activation="softmax")),
    "adaptive_pooling": lambda: _seq(
        L.Input((7, 5, 2)), L.AdaptiveAveragePooling2D((3, 4)),
        L.AdaptiveMaxPooling2D((2, 5), data_format="channels_first"), L.Reshape((3, 10)),
        L.AdaptiveMaxPooling1D(4), L.AdaptiveAveragePooling1D(3, data_format="channels_first"),
        L.Reshape((4, 3, 1, 1)), L.AdaptiveAveragePooling3D((2, 2, 1)),
        L.AdaptiveMaxPooling3D((1, 3, 2))),
    # pooling
    "pooling_1d": lambda: _seq(
        L.Input((9, 3)), L.MaxPooling1D(2), L.AveragePooling1D(3, 1, padding="same"),
        L.MaxPooling1D(3, 2, padding="same")),
    "pooling_2d": lambda: _seq(
        L.Input((7, 6, 2)), L.MaxPooling2D((3, 2), padding="same"),
        L.AveragePooling2D(2, 1, padding="same"), L.AveragePooling2D(2)),
    "pooling_2d_channels_first": lambda: _seq(
        L.Input((2, 7, 6)), L.MaxPooling2D(data_format="channels_first"),
        L.AveragePooling2D(2, padding="same", data_format="channels_first")),
    "pooling_3d": lambda: _seq(
        L.Input((5, 4, 6, 2)), L.MaxPooling3D(2, padding="same"), L.AveragePooling3D((1, 2, 2))),
    "global_pooling_1d": _functional(lambda: (lambda x: (x, [
        L.GlobalAveragePooling1D()(x), L.GlobalMaxPooling1D(keepdims=True)(x),
        L.GlobalAveragePooling1D(data_format="channels_first")(x)]))(L.Input((5, 3)))),
    "global_pooling_2d_3d": _functional(lambda: (lambda x, y: ([x, y], [
        L.GlobalAveragePooling2D()(x), L.GlobalMaxPooling2D(keepdims=True)(x),
        L.GlobalMaxPooling2D(data_format="channels_first")(x),
        L.GlobalAveragePooling3D(keepdims=True)(y), L.GlobalMaxPooling3D()(y)]))(
        L.Input((4, 5, 3)), L.Input((3, 4, 5, 2)))),
    # convolutions
    "conv_1d": lambda: _seq(
        L.Input((10, 3)), L.Conv1D(4, 3, activation="relu"),
        L.Conv1D(4, 3, padding="causal", dilation_rate=2),
        L.Conv1D(2, 2, strides=2, padding="same", groups=2),
        L.Conv1D(3, 2, padding="same", dilation_rate=2, data_format="channels_first")),
    "conv_2d": lambda: _seq(
        L.Input((9, 8, 3)), L.Conv2D(4, 3, strides=2, padding="same"),
        L.Conv2D(4, (2, 3), dilation_rate=(2, 1), groups=2, use_bias=False)),
    "conv_2d_channels_first": lambda: _seq(L.Input((3, 8, 7)), L.Conv2D(
        4, 3, padding="same", data_format="channels_first", activation="tanh")),
    "conv_3d": lambda: _seq(
        L.Input((5, 6, 4, 2)), L.Conv3D(3, (2, 3, 2), padding="same", strides=(1, 2, 1)),
        L.Conv3D(2, 2)),
    "conv_transpose_1d": lambda: _seq(
        L.Input((5, 3)), L.Conv1DTranspose(2, 3, strides=2, padding="same"),
        L.Conv1DTranspose(2, 2, strides=3), L.Conv1DTranspose(2, 3, strides=2, output_padding=1)),
    "conv_transpose_2d": lambda: _seq(
        L.Input((4, 5, 3)), L.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu"),
        L.Conv2DTranspose(2, (2, 3), dilation_rate=(2, 1))),
    "conv_transpose_2d_channels_first": lambda: _seq(L.Input((3, 4, 5)), L.Conv2DTranspose(
        2, 3, strides=(2, 1), padding="same", data_format="channels_first")),
    "conv_transpose_3d": lambda: _seq(
        L.Input((3, 4, 2, 2)), L.Conv3DTranspose(2, 2, strides=2),
        L.Conv3DTranspose(1, 3, padding="same")),
    "separable_depthwise": lambda: _seq(
        L.Input((9, 8, 3)), L.SeparableConv2D(4, 3, depth_multiplier=2, padding="same"),
        L.DepthwiseConv2D(3, depth_multiplier=2, strides=2)),
    "separable_depthwise_1d": lambda: _seq(
        L.Input((9, 3)), L.SeparableConv1D(4, 3, use_bias=False),
        L.DepthwiseConv1D(2, depth_multiplier=3, padding="same", activation="relu")),
    # padding, cropping, upsampling
    "padding_cropping_1d": lambda: _seq(
        L.Input((5, 3)), L.ZeroPadding1D((1, 2)), L.Cropping1D((2, 1)), L.UpSampling1D(3)),
    "padding_cropping_2d": lambda: _seq(
        L.Input((5, 6, 2)), L.ZeroPadding2D(((1, 0), (2, 1))), L.Cropping2D(((0, 2), (1, 1))),
        L.UpSampling2D((2, 3)), L.UpSampling2D(2, interpolation="bilinear")),
    "up_sampling_2d_kernels": lambda: _seq(
        L.Input((3, 4, 2)), L.UpSampling2D((2, 3), interpolation="bicubic"),
        L.UpSampling2D(2, interpolation="lanczos3", data_format="channels_first"),
        L.UpSampling2D((1, 2), interpolation="area")),
    "padding_cropping_3d": lambda: _seq(
        L.Input((2, 5, 6, 3)), L.ZeroPadding3D(1, data_format="channels_first"),
        L.Cropping3D(((1, 0), (0, 1), (2, 2))), L.UpSampling3D((1, 2, 2))),
    # recurrent
    "simple_rnn": lambda: _seq(
        L.Input((6, 3)), L.SimpleRNN(4, return_sequences=True),
        L.SimpleRNN(3, activation="relu", go_backwards=True)),
    "lstm": lambda: _seq(
        L.Input((6, 3)), L.LSTM(4, return_sequences=True, go_backwards=True),
        L.LSTM(3, recurrent_activation="hard_sigmoid", use_bias=False)),
    "gru": lambda: _seq(
        L.Input((6, 3)), L.GRU(4, return_sequences=True),
        L.GRU(3, reset_after=False, activation="softsign")),
    "stacked_cells": lambda: _seq(L.Input((5, 3)), L.RNN(L.StackedRNNCells(
        [L.GRUCell(4), L.LSTMCell(3), L.SimpleRNNCell(2)]), return_sequences=True),
        L.RNN(L.LSTMCell(2))),
    "bidirectional": lambda: _seq(
        L.Input((5, 3)), L.Bidirectional(L.GRU(3, return_sequences=True)),
        L.Bidirectional(L.LSTM(2, return_sequences=True), merge_mode="sum"),
        L.Bidirectional(L.SimpleRNN(2, return_sequences=True), merge_mode="ave"),
        L.Bidirectional(L.GRU(2), merge_mode="mul")),
    "bidirectional_states": _functional(_functional_bidirectional),
    # sizes known only at run time
    "group_normalization_any_size": lambda: _seq(
        L.Input((None, 6)), L.GroupNormalization(groups=3), L.Reshape((-1, 2, 3)),
        L.GroupNormalization(groups=-1, axis=2)),
    "conv_transpose_any_size": lambda: _seq(
        L.Input((None, 3)), L.Conv1DTranspose(2, 3, strides=2, padding="same"),
        L.Conv1DTranspose(2, 2, strides=3), L.Conv1DTranspose(2, 3, strides=2, output_padding=1),
        L.Conv1DTranspose(2, 4, padding="same", dilation_rate=2)),
    "conv_transpose_2d_any_size": lambda: _seq(
        L.Input((None, None, 3)), L.Conv2DTranspose(2, 3, strides=2, padding="same"),
        L.Conv2DTranspose(2, (2, 3), strides=(1, 2))),
    "conv_transpose_2d_channels_first_any_size": lambda: _seq(
        L.Input((3, None, 4)), L.Conv2DTranspose(2, (2, 3), strides=(2, 1), padding="same",
                                                 data_format="channels_first")),
    "time_distributed_any_size": lambda: _seq(
        L.Input((4, None, 3)), L.TimeDistributed(L.Conv1D(2, 2)),
        L.TimeDistributed(L.GlobalMaxPooling1D()), L.TimeDistributed(L.Dense(2))),
    "time_distributed": lambda: _seq(
        L.Input((4, 6)), L.TimeDistributed(L.Dense(3)), L.Reshape((4, 3, 1)),
        L.TimeDistributed(L.Conv1D(2, 2))),
    "lstm_states_in_and_out": _functional(_lstm_states),
    "masked_sequences": _functional(_masked),
    "masks_into_merges_attention_softmax": _functional(_masks_into_merges_attention_softmax),
    "masks_computed_by_ops": _functional(_masks_computed_by_ops),
    "constant_masks": _functional(_constant_masks),
    "masking": lambda: _seq(L.Input((5, 3)), L.Masking(0.5), L.LSTM(2, return_sequences=True),
                            L.GRU(2)),
    # functional graphs
    "merges": _functional(_merges),
    "ops": _functional(_ops),
    "integers_and_floats": _functional(_integers_and_floats),
    "dense_on_integers": lambda: _seq(L.Input((3,), dtype="int32"), L.Dense(2)),
    "nested_models": _functional(_nested),
    "attention": _functional(_attention),
    "multi_head_attention": _functional(_multi_head),
    "multi_head_attention_gate_window_axes": _functional(_multi_head_variants),
    "group_query_attention": _functional(_group_query),
}


def _batches(model, seed=0, integers=10):
    """Two batches (1 and 7 rows) for the model's inputs: integers below `integers` for
    integer inputs."""
    rng = np.random.default_rng(seed)
    specs = [(x.shape, x.dtype) for x in model.inputs] if hasattr(model, "_inputs") else [
        (model.input_shape, getattr(model._input_layer, "dtype", "float32"))]
    batches = []
    for batch in (1, 7):
        xs = []
        for shape, dtype in specs:
            size = (batch, *(3 if d is None else d for d in shape[1:]))  # 3 steps where free
            if dtype == "bool":
                xs.append(rng.random(size) < 0.7)
            elif dtype == "string":
                xs.append(rng.choice(np.array(["a", "b", "c", "", "x", "[UNK]", "A  b\tC",
                                               " É é\nx\r\nb ", "\v\f"]), size))
            elif np.dtype(dtype).kind in "iu":
                xs.append(rng.integers(0, integers, size).astype(dtype))
            else:
                xs.append((3.0 * rng.normal(size=size)).astype(dtype))
        batches.append(xs)
    return batches


def _randomize(model, seed=1):
    """Weights away from their initial values (BatchNormalization's statistics too), so that
    every weight matters; variances kept positive."""
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        value = variable.numpy()
        if "variance" in variable.name:
            variable.assign(rng.uniform(0.5, 2.0, value.shape).astype(value.dtype))
        else:
            variable.assign((value + 0.3 * rng.normal(size=value.shape)).astype(value.dtype))


@pytest.mark.parametrize("name", sorted(LAYER_MODELS))
def test_every_layer(name, tmp_path):
    model = LAYER_MODELS[name]()
    _randomize(model)
    _run_both(model, tmp_path, *_batches(model))


# The layers no ONNX graph can hold (docs/export.md lists them, with why).
REFUSED = {
    L.Lambda: lambda: L.Lambda(lambda x: x + 1.0),
    L.TextVectorization: lambda: L.TextVectorization(vocabulary=["a", "b"]),
    L.Hashing: lambda: L.Hashing(4),
    L.HashedCrossing: lambda: L.HashedCrossing(4),
    L.MelSpectrogram: lambda: L.MelSpectrogram(fft_length=2, sequence_stride=1),
    L.STFTSpectrogram: lambda: L.STFTSpectrogram(frame_length=4),
}


def _classes(layer):
    """The classes of `layer` and of every layer (and cell) inside it."""
    found = {type(layer)}
    for inner in [*getattr(layer, "layers", ()), *filter(None, (
            getattr(layer, name, None) for name in (
                "layer", "forward_layer", "backward_layer", "cell")))]:
        found |= _classes(inner)
    found |= {type(cell) for cell in getattr(layer, "cells", ())}
    return found


def test_the_battery_holds_every_layer_class_or_refuses_it():
    built_in = {cls for cls in (getattr(L, n) for n in L.__all__) if isinstance(cls, type)
                and issubclass(cls, L.Layer) and cls.__module__.startswith("minikeras.layers")}
    covered = set()
    for build in LAYER_MODELS.values():
        model = build()
        covered |= _classes(model)
        if hasattr(model, "operations"):
            for operation in model.operations:
                covered |= _classes(operation)
    missing = built_in - covered - set(REFUSED) - {L.Layer, L.InputLayer, L.RNN, L.Wrapper}
    assert not sorted(c.__name__ for c in missing)


@pytest.mark.parametrize("cls", sorted(REFUSED, key=lambda c: c.__name__), ids=lambda c: c.__name__)
def test_layers_that_cannot_be_exported_say_so(cls, tmp_path):
    if cls is L.HashedCrossing:  # two columns in
        columns = [L.Input((1,), dtype="int64"), L.Input((1,), dtype="int64")]
        model = mk.Model(columns, REFUSED[cls]()(columns))
    elif cls is L.STFTSpectrogram:  # signals of (time, channels)
        model = mk.Sequential([L.Input((8, 1)), REFUSED[cls]()])
    else:
        dtype = "string" if cls is L.TextVectorization else "float32"
        model = mk.Sequential([L.Input((2,), dtype=dtype), REFUSED[cls]()])
    layer = model.layers[-1]
    with pytest.raises(ValueError, match=f"^Layer '{layer.name}' \\({cls.__name__}\\) cannot be "
                                         "exported to ONNX: "):
        model.export(tmp_path / "x.onnx", format="onnx")


@pytest.mark.parametrize("case", ["mask_into_a_converter_without_masks", "mask_of_python_lists",
                                  "stateful", "custom_cell_activation",
                                  "lookup_of_hashed_oov_tokens", "causal_mask_over_two_axes",
                                  "text_split_by_character", "text_ngrams", "text_at_opset_18"])
def test_what_the_converters_cannot_write_is_named(case, tmp_path):
    options = {}
    if case.startswith("text_"):
        setting = {"text_split_by_character": {"split": "character", "standardize": None},
                   "text_ngrams": {"ngrams": 2, "standardize": None, "split": None},
                   "text_at_opset_18": {"standardize": "lower"}}[case]
        model = mk.Sequential([L.Input((), dtype="string"), L.TextVectorization(**setting)])
        expected = {"text_split_by_character": "split='character' has no ONNX operator",
                    "text_ngrams": "ngrams=2 is exported with split='whitespace' only",
                    "text_at_opset_18": "it needs ONNX's `StringSplit`, of opset 20: pass "
                                        "opset_version=20 or later"}[case]
        options = {"opset_version": 18} if case == "text_at_opset_18" else {}
    elif case == "lookup_of_hashed_oov_tokens":
        model = mk.Sequential([L.Input((2,), dtype="string"),
                               L.StringLookup(vocabulary=["a"], num_oov_indices=2)])
        expected = "its out-of-vocabulary tokens share several indices by TensorFlow's hashes"
    elif case == "causal_mask_over_two_axes":
        grid = L.Input((3, 2, 4))
        model = mk.Model(grid, L.MultiHeadAttention(2, 3)(grid, grid, use_causal_mask=True))
        expected = "the causal mask and `sliding_window` are exported over the first axis after"
    elif case == "mask_into_a_converter_without_masks":
        tokens = L.Input((3,), dtype="int32")
        embedded = L.Embedding(5, 2, mask_zero=True)(tokens)
        model = mk.Model(tokens, MaskedDoubling()(embedded))
        expected = "the mask of its input \\(from `mask_zero`, `Masking` or the call\\) is not"
    elif case == "mask_of_python_lists":  # which Keras 3 refuses too
        x = L.Input((3, 2))
        model = mk.Model(x, L.GRU(2)(x, mask=[[True, False, True]]))
        expected = "a mask passed in a call is exported as an array or a value of the model"
    elif case == "stateful":
        model = mk.Sequential([L.Input((3, 2), batch_size=4), L.GRU(2, stateful=True)])
        expected = "a stateful RNN keeps its states between calls"
    else:
        model = mk.Sequential([L.Input((3, 2)), L.SimpleRNN(2, activation="gelu")])
        expected = "ONNX's recurrent operators have no activation 'gelu'"
    with pytest.raises(ValueError, match=f"cannot be exported to ONNX: {expected}"):
        model.export(tmp_path / "x.onnx", format="onnx", **options)


class MaskedDoubling(layers.Layer):
    def call(self, inputs, mask=None):
        return inputs * 2.0


register_converter(MaskedDoubling)(lambda layer, graph, x: graph.op("Add", x, x))


def test_masks_follow_keras_through_padding_anywhere_and_fully_masked_rows(tmp_path):
    """Keras skips a masked step wherever it is (before, between, after the kept ones), and a
    sample with no kept step gives zeros; the ONNX graph moves the kept steps to the front."""
    model = LAYER_MODELS["masked_sequences"]()
    _randomize(model)
    tokens = np.array([[0, 0, 3, 4, 5, 6], [1, 2, 3, 0, 0, 0], [0, 7, 0, 8, 0, 9],
                       [0, 0, 0, 0, 0, 0], [5, 5, 5, 5, 5, 5]], "int32")
    _run_both(model, tmp_path, tokens)
    merged = LAYER_MODELS["masks_into_merges_attention_softmax"]()
    _randomize(merged)
    _run_both(merged, tmp_path, [tokens, tokens[::-1] > 4, np.eye(6, dtype=bool)[None, [
        0, 1, 1, 2, 3, 4]].repeat(5, axis=0) & (tokens[:, :, None] > 0)])
    masking = LAYER_MODELS["masking"]()
    _randomize(masking)
    x = np.random.default_rng(3).normal(size=(4, 5, 3)).astype("float32")
    x[0, :2] = x[1, 3:] = x[2, ::2] = x[3] = 0.5
    _run_both(masking, tmp_path, x)


def test_a_functional_file_converts_with_named_inputs_and_outputs(tmp_path):
    from minikeras.__main__ import main

    model = LAYER_MODELS["merges"]()
    _randomize(model)
    model.save(tmp_path / "m.keras")
    assert main(["convert", str(tmp_path / "m.keras"), str(tmp_path / "m.onnx")]) == 0
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    assert [feed.name for feed in session.get_inputs()] == ["a", "b", "c"]
    assert [out.name for out in session.get_outputs()] == [f"output_{i}" for i in range(10)]
    xs = _batches(model)[1]
    for got, expected in zip(session.run(None, dict(zip("abc", xs))), model.predict(xs, verbose=0)):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_a_model_built_by_calling_it_and_an_input_signature(tmp_path):
    model = mk.Sequential([layers.Dense(3, activation="sigmoid")])
    model(np.zeros((2, 4), "float32"))
    _run_both(model, tmp_path, *_inputs(4))
    unbuilt = mk.Sequential([layers.Dense(3)])
    unbuilt.export(tmp_path / "s.onnx", format="onnx", input_signature=[mk.Input((4,))],
                   verbose=False)
    assert unbuilt.built
    with pytest.raises(ValueError, match="has no known input shape"):
        mk.Sequential([layers.Dense(3)]).export(tmp_path / "u.onnx", format="onnx")


def test_other_formats_and_bad_arguments_fail_clearly(tmp_path, capsys):
    model = mk.Sequential([layers.Input((4,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="cannot export format='tf_saved_model': a TensorFlow "
                                         "SavedModel needs TensorFlow. It exports format='onnx'"):
        model.export(tmp_path / "saved")  # Keras' default format
    for name in ("openvino", "litert", "torch"):
        with pytest.raises(ValueError, match=f"cannot export format='{name}'"):
            model.export(tmp_path / "x", format=name)
    with pytest.raises(ValueError, match=r"Unrecognized format=tflite. Supported formats are: "
                                         r"\['tf_saved_model', 'onnx', 'openvino'"):
        model.export(tmp_path / "x", format="tflite")
    with pytest.raises(ValueError, match="`opset_version` must be an integer from 18"):
        model.export(tmp_path / "x.onnx", format="onnx", opset_version=13)
    model.export(tmp_path / "x.onnx", format="onnx", opset_version=19)
    assert capsys.readouterr().out == f"Saved artifact at '{tmp_path / 'x.onnx'}'.\n"
    assert onnx.load(tmp_path / "x.onnx").opset_import[0].version == 19


class Doubling(layers.Layer):
    def call(self, inputs):
        return inputs * 2.0


class Halving(layers.Dense):
    def call(self, inputs, training=False):
        return super().call(inputs, training) / 2.0


def test_layers_without_a_converter_are_named_and_a_registered_one_exports(tmp_path):
    for layer in (Doubling(), Halving(2)):
        model = mk.Sequential([layers.Input((4,)), layer])
        with pytest.raises(ValueError, match=f"'{layer.name}' \\({type(layer).__name__}\\) cannot "
                                             "be exported to ONNX: no converter is registered"):
            model.export(tmp_path / "x.onnx", format="onnx")
    custom = mk.Sequential([layers.Input((4,)), layers.Dense(3, activation=lambda x: x * 2)])
    with pytest.raises(ValueError, match="activation '<lambda>' cannot be exported to ONNX"):
        custom.export(tmp_path / "x.onnx", format="onnx")

    @register_converter(Doubling)
    def _doubling(layer, graph, x):
        return graph.op("Mul", x, graph.constant(2.0))

    _run_both(mk.Sequential([layers.Input((4,)), Doubling()]), tmp_path, *_inputs(4))


def test_convert_command_writes_onnx_from_a_keras_file(tmp_path):
    from minikeras.__main__ import main

    model = mk.Sequential([layers.Input((4,)), layers.Dense(3, activation="gelu")])
    model.save(tmp_path / "m.keras")
    assert main(["convert", str(tmp_path / "m.keras"), str(tmp_path / "m.onnx")]) == 0
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    x = _inputs(4)[1]
    np.testing.assert_allclose(session.run(None, {session.get_inputs()[0].name: x})[0],
                               model.predict(x, verbose=0), rtol=1e-5, atol=1e-5)


def test_without_onnx_the_error_names_the_extra(tmp_path):
    code = (
        "import sys; sys.modules['onnx'] = None\n"
        "import minikeras as mk\n"
        "model = mk.Sequential([mk.Input((4,)), mk.layers.Dense(2)])\n"
        "try:\n"
        f"    model.export({str(tmp_path / 'x.onnx')!r}, format='onnx')\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ("Exporting to ONNX needs the `onnx` package: "
                                  "`pip install minikeras-numpy[onnx]` (or `pip install onnx`).")


@pytest.mark.parametrize("name", sorted(name for name in LAYER_MODELS if name.endswith("any_size")))
def test_sizes_known_only_at_run_time(name, tmp_path):
    model = LAYER_MODELS[name]()
    _randomize(model)
    rng = np.random.default_rng(0)
    _run_both(model, tmp_path, *[
        (3 * rng.normal(size=[3, *(size if d is None else d for d in model.input_shape[1:])]))
        .astype("float32") for size in (2, 5, 8)])


IMAGE_LAYERS_OF_ANY_SIZE = {
    **{interpolation: lambda fmt, i=interpolation: L.Resizing(5, 7, i, data_format=fmt)
       for interpolation in resampling.RESIZE_INTERPOLATIONS},
    "bicubic_antialias": lambda fmt: L.Resizing(5, 7, "bicubic", antialias=True, data_format=fmt),
    "lanczos3_antialias": lambda fmt: L.Resizing(3, 6, "lanczos3", antialias=True,
                                                 data_format=fmt),
    "bilinear_crop": lambda fmt: L.Resizing(5, 7, crop_to_aspect_ratio=True, data_format=fmt),
    "area_pad": lambda fmt: L.Resizing(6, 3, "area", pad_to_aspect_ratio=True, fill_value=0.5,
                                       data_format=fmt),
    "center_crop": lambda fmt: L.CenterCrop(5, 7, data_format=fmt),
    "random_crop": lambda fmt: L.RandomCrop(5, 7, data_format=fmt),
}


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("name", sorted(IMAGE_LAYERS_OF_ANY_SIZE))
def test_image_layers_resize_images_of_any_size(name, data_format, tmp_path):
    """Images whose size is known only at run time: the resize matrices (and crop windows)
    computed in the graph, the same numbers as minikeras' on every size (smaller, larger, odd
    ratios, one pixel)."""
    shape = (None, None, 2) if data_format == "channels_last" else (2, None, None)
    model = mk.Sequential([L.Input(shape), IMAGE_LAYERS_OF_ANY_SIZE[name](data_format)])
    rng = np.random.default_rng(0)
    sizes = [(4, 6), (9, 5), (5, 7), (43, 96), (1, 1), (15, 21), (2, 70)]
    _run_both(model, tmp_path, *[
        (3 * rng.normal(size=(2, h, w, 2) if data_format == "channels_last" else (2, 2, h, w)))
        .astype("float32") for h, w in sizes])


def test_a_closed_vocabulary_gives_minus_one_where_minikeras_raises(tmp_path):
    """With `num_oov_indices=0` an unknown token is an error in minikeras (as in Keras); an
    ONNX graph cannot raise, so its index is -1 (known tokens as minikeras gives them)."""
    model = mk.Sequential([L.Input((3,), dtype="string"),
                           L.StringLookup(vocabulary=["a", "b"], num_oov_indices=0)])
    session = _run_both(model, tmp_path, np.array([["a", "b", "b"], ["b", "a", "a"]]))
    with pytest.raises(ValueError, match="all inputs should be in vocabulary"):
        model.predict(np.array([["a", "z", "b"]]), verbose=0)
    unknown = np.array([["a", "z", "b"]], dtype=object)
    got = session.run(None, {session.get_inputs()[0].name: unknown})[0]
    np.testing.assert_array_equal(got, [[0, -1, 1]])


FILES = pathlib.Path(__file__).resolve().parent.parent / "compat" / "data" / "files"
MODEL_FILES = sorted(p.name for p in [*FILES.glob("*.keras"), *FILES.glob("*.h5")]
                     if not p.name.endswith("weights.h5"))


@pytest.mark.parametrize("name", MODEL_FILES)
def test_every_model_file_saved_by_keras_converts_and_runs_as_minikeras_predicts(name, tmp_path):
    """The model files Keras 2 and 3 saved (compat/data/files): each one's ONNX graph gives
    minikeras' predictions, on inputs of the files' shapes (3 steps where a size is free;
    token ids within their smallest vocabulary, 8)."""
    model = mk.models.load_model(FILES / name, compile=False)
    _run_both(model, tmp_path, *_batches(model, integers=8))
