"""`compute_mask` called by users, as Keras' masking guide does: `layer.compute_mask(inputs)`
with the previous mask optional, and masks that travel through layers as in Keras 3."""

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers

TOKENS = np.array([[3, 1, 0, 0], [2, 0, 5, 0]])
FEATURES = np.array([[[1.0, 2.0], [0.0, 0.0]], [[0.0, 0.0], [3.0, 0.0]]], "float32")


@pytest.mark.parametrize("layer, inputs, expected", [
    (layers.Embedding(8, 2, mask_zero=True), TOKENS, TOKENS != 0),
    (layers.Embedding(8, 2), TOKENS, None),
    (layers.Masking(0.0), FEATURES, np.array([[True, False], [False, True]])),
    (layers.GlobalAveragePooling1D(), FEATURES, None),
    (layers.Lambda(lambda x: x), FEATURES, None),
    (layers.Concatenate(), [FEATURES, FEATURES], None),
    (layers.Add(), [FEATURES, FEATURES], None),
    (layers.Dot(axes=1), [FEATURES[:, 0], FEATURES[:, 0]], None),
], ids=lambda value: type(value).__name__ if isinstance(value, layers.Layer) else "")
def test_compute_mask_takes_the_inputs_alone(layer, inputs, expected):
    mask = layer.compute_mask(inputs)
    if expected is None:
        assert mask is None
    else:
        np.testing.assert_array_equal(mask, expected)


def test_the_masking_guides_layer_passes_the_embeddings_mask_to_an_lstm():
    class MyLayer(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.embedding = layers.Embedding(input_dim=8, output_dim=4, mask_zero=True)
            self.lstm = layers.LSTM(3)

        def call(self, inputs):
            x = self.embedding(inputs)
            return self.lstm(x, mask=self.embedding.compute_mask(inputs))

    layer = MyLayer()
    masked = layer(TOKENS)
    # a masked step changes nothing: the padded rows equal the rows cut at their last token
    cut = [layer.lstm(layer.embedding(row[None, :n])) for row, n in zip(TOKENS, (2, 3))]
    np.testing.assert_allclose(masked, np.concatenate(cut), rtol=1e-6)


def test_a_mask_travels_through_softmax_as_in_keras():
    scores = np.arange(8, dtype="float32").reshape(2, 4)
    outputs = layers.Softmax()(scores, mask=TOKENS != 0)
    np.testing.assert_array_equal(outputs._keras_mask, TOKENS != 0)
    np.testing.assert_array_equal(outputs[TOKENS == 0], 0.0)
