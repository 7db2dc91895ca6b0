"""`LabelMixingLayer`: the base of MixUp and CutMix, which mix each image with another of its
batch (a permutation) and, given a dict `{"images": ..., "labels": ...}` as Keras 3 takes it,
mix the labels by the same weights; both are linear, so both get their gradients."""

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)

_KEYS = ("images", "labels")


def permuted_adjoint(grad, permutation):
    """The gradient of `x` given `grad` of `x[permutation]`: each row's gradient added back to
    the row it came from."""
    out = np.zeros_like(grad)
    np.add.at(out, np.asarray(permutation, np.intp), grad)
    return out


class LabelMixingLayer(BaseImagePreprocessingLayer):
    """Subclasses define `_draw(shape)`, `_apply(images, transformation) -> (images, ctx)`,
    `_adjoint(ctx, grad)` and `_mix_labels(labels, transformation) -> (labels, ctx)` with
    `_labels_adjoint(ctx, grad)`; `_mixes_single_images` says whether an unbatched image is
    transformed (as a batch of one) or passed through."""

    _random = True
    _single_input = False
    _mixes_single_images = True

    def forward(self, inputs, training=True):
        data = inputs if isinstance(inputs, dict) else {"images": inputs}
        unknown = sorted(set(data) - set(_KEYS))
        if unknown:
            raise NotImplementedError(
                f"{type(self).__name__} in minikeras transforms images and labels only. "
                f"Received keys: {unknown}")
        images = self._conform_input(data["images"])
        unbatched = images.ndim == 3
        if not training or (unbatched and not self._mixes_single_images):
            return inputs, None
        batched = {key: value[None] if unbatched else value for key, value in data.items()}
        transformation = self._draw(batched["images"].shape)
        outputs, ctx = {}, {}
        outputs["images"], ctx["images"] = self._apply(batched["images"], transformation)
        if "labels" in data:
            outputs["labels"], ctx["labels"] = self._mix_labels(batched["labels"],
                                                                transformation)
        if unbatched:
            outputs = {key: value[0] for key, value in outputs.items()}
        return (outputs if isinstance(inputs, dict) else outputs["images"]), (unbatched, ctx)

    def backward(self, ctx, grad, grads):
        if not grads.needs_input:
            return None
        if ctx is None:
            return grad
        unbatched, ctx = ctx
        grad = grad if isinstance(grad, dict) else {"images": grad}
        adjoints = {"images": self._adjoint, "labels": self._labels_adjoint}
        out = {}
        for key, g in grad.items():
            g = g[None] if unbatched else g
            g = adjoints[key](ctx[key], g)
            out[key] = g[0] if unbatched else g
        return out if len(ctx) > 1 or "labels" in grad else out["images"]

    def compute_output_shape(self, input_shape):
        return dict(input_shape) if isinstance(input_shape, dict) else tuple(input_shape)
