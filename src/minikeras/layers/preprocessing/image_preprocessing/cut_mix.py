"""`CutMix`: a random box of each image replaced by the same box of another image of its
batch in training, the labels mixed by the areas."""

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing.boxes import box_bounds, box_masks
from minikeras.layers.preprocessing.image_preprocessing.label_mixing import (
    LabelMixingLayer, permuted_adjoint,
)
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class CutMix(LabelMixingLayer):
    """In training, paste into each image the box of image `p(i)` (`p` a random permutation of
    the batch): a box of sides `sqrt(1 - w)` of the image's at a uniform position, `w` drawn
    from Beta(a, a) with `a` drawn (once per call) from `factor` (plus 1e-6). Labels given as
    `{"images": ..., "labels": ...}` mix as the areas do: `w' y_i + (1 - w') y_p(i)`, `w'` the
    fraction of the image left. A single image, and inference, pass through.

    Args:
        factor: `f` for `[0, f]`, or `(lower, upper)`, in [0, 1] (default 1).
        seed: integer seed of the layer's generator.
        data_format: "channels_last" (default) or "channels_first".
    """

    _FACTOR_BOUNDS = (0, 1)
    _mixes_single_images = False

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = self._standardize_factor(factor)

    def _draw(self, shape):
        batch = shape[0]
        height, width = shape[self._height_axis], shape[self._width_axis]
        alpha = self._uniform(self.factor[0], self.factor[1], ()) + np.float32(1e-6)
        weights = self._rng.beta(alpha, alpha, batch).astype(np.float32)
        ratios = np.sqrt(np.float32(1) - weights)
        (x0, x1), (y0, y1) = box_bounds(self._rng, ratios, width), box_bounds(
            self._rng, ratios, height)
        kept = np.float32(1) - (x1 - x0) * (y1 - y0) / np.float32(width * height)
        return {"permutation_order": self._rng.permutation(batch).astype(np.int32),
                "batch_masks": box_masks(shape, (x0, x1), (y0, y1), self.data_format),
                "mix_weight": kept.reshape(-1, 1, 1, 1)}

    def _apply(self, images, transformation):
        masks = np.asarray(transformation["batch_masks"], bool)
        permutation = np.asarray(transformation["permutation_order"], np.intp)
        return np.where(masks, images[permutation], images), (masks, permutation)

    def _adjoint(self, ctx, grad):
        masks, permutation = ctx
        zero = np.zeros((), grad.dtype)
        return np.where(masks, zero, grad) + permuted_adjoint(np.where(masks, grad, zero),
                                                              permutation)

    def _mix_labels(self, labels, transformation):
        weights = np.reshape(np.asarray(transformation["mix_weight"]), (-1, 1)).astype(
            labels.dtype)
        permutation = np.asarray(transformation["permutation_order"], np.intp)
        return weights * labels + (1.0 - weights) * labels[permutation], (weights, permutation)

    def _labels_adjoint(self, ctx, grad):
        weights, permutation = ctx
        return weights * grad + permuted_adjoint((1.0 - weights) * grad, permutation)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}
