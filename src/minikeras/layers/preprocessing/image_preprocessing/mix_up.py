"""`MixUp`: each image (and label) blended with another of its batch in training."""

import numpy as np

from minikeras.layers.preprocessing.image_preprocessing.label_mixing import (
    LabelMixingLayer, permuted_adjoint,
)
from minikeras.saving import registry


def _spread(weights, ndim, dtype):
    return np.reshape(np.asarray(weights).astype(dtype), (-1,) + (1,) * (ndim - 1))


@registry.register("layer", module="keras.layers")
class MixUp(LabelMixingLayer):
    """In training, replace each image `x_i` by `w_i x_i + (1 - w_i) x_p(i)`, `p` a random
    permutation of the batch and `w_i` drawn from Beta(`alpha`, `alpha`); labels given as
    `{"images": ..., "labels": ...}` mix by the same weights. The identity at inference.

    Args:
        alpha: both parameters of the Beta distribution of the weights (default 0.2).
        data_format: "channels_last" (default) or "channels_first".
        seed: integer seed of the layer's generator.
    """

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.alpha = alpha

    def _draw(self, shape):
        return {"permutation_order": self._rng.permutation(shape[0]).astype(np.int64),
                "mix_weight": self._rng.beta(self.alpha, self.alpha, shape[0]).astype(
                    np.float32)}

    def _mix(self, x, transformation):
        weights = _spread(transformation["mix_weight"], x.ndim, x.dtype)
        permutation = np.asarray(transformation["permutation_order"], np.intp)
        return weights * x + (1.0 - weights) * x[permutation], (weights, permutation)

    def _mix_adjoint(self, ctx, grad):
        weights, permutation = ctx
        return weights * grad + permuted_adjoint((1.0 - weights) * grad, permutation)

    _apply = _mix_labels = _mix
    _adjoint = _labels_adjoint = _mix_adjoint

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "seed": self.seed}
