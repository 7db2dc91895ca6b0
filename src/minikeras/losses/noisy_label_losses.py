"""A loss robust to noisy labels: the generalised cross-entropy of Zhang & Sabuncu (2018)."""

import numpy as np

from minikeras.losses import _BuiltinLoss, _builtin, _export, _Result


@_builtin()
def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """`(1 - p ** q) / q`, `p` the probability `y_pred` gives the integer label `y_true`:
    cross-entropy as `q` goes to 0, mean absolute error at `q = 1`."""
    y_pred = np.asarray(y_pred)
    one_hot = np.eye(y_pred.shape[-1], dtype=y_pred.dtype)[np.asarray(y_true).astype(np.int64)]
    p = np.sum(y_pred * one_hot, axis=-1)

    def pullback(cotangent):
        with np.errstate(divide="ignore"):
            return (-cotangent * p ** (q - 1))[..., None] * one_hot

    return _Result((1 - p ** q) / q, pullback)


@_export()
class CategoricalGeneralizedCrossEntropy(_BuiltinLoss):
    """`categorical_generalized_cross_entropy` as a `Loss`; `q` in (0, 1)."""

    _config_keys = ("q",)

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError("q must be in the interval (0, 1)")
        super().__init__(categorical_generalized_cross_entropy, reduction, name, dtype, q=q)
