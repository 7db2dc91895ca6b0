"""Circle loss (Sun et al., 2020) for embeddings: pulls same-label pairs together and pushes
different-label pairs apart, each pair weighted by how far it is from its optimum."""

import numpy as np

from minikeras.losses import _BuiltinLoss, _builtin, _export, _Result


def _masked_softmax_and_logsumexp(logits, mask):
    """Log-sum-exp of `logits` over the masked entries of each row (-inf for a row with none)
    and the softmax weights its gradient spreads over them (0 outside the mask)."""
    masked = np.where(mask, logits, -np.inf)
    top = np.max(masked, axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)
    exp = np.where(mask, np.exp(masked - top), 0)
    total = np.sum(exp, axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        logsumexp = np.log(total)[:, 0] + top[:, 0]
        weights = np.where(total > 0, exp / total, 0)
    return logsumexp, weights


@_builtin()
def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80, margin=0.4):
    """The circle loss of each embedding (rows of `y_pred`, expected L2-normalised) against the
    reference embeddings (the batch itself by default): `softplus` of the log-sum-exp of the
    weighted positive-pair and negative-pair terms. Embeddings with no positive or no negative
    pair get 0 and are left out of the mean, as in Keras."""
    y_pred = np.asarray(y_pred)
    labels = np.asarray(y_true).astype(np.int32).reshape(-1, 1)
    self_reference = ref_embeddings is None
    references = y_pred if self_reference else np.asarray(ref_embeddings, y_pred.dtype)
    ref_labels = labels if ref_labels is None else np.asarray(ref_labels).astype(
        np.int32).reshape(-1, 1)
    positive = labels == ref_labels.T
    negative = ~positive
    if remove_diagonal:
        positive &= ~np.eye(*positive.shape, dtype=bool)

    similarity_gap = 1 - y_pred @ references.T
    distances = np.maximum(similarity_gap, 0)
    pos_weights = np.maximum((margin + distances) * positive, 0)
    neg_weights = np.maximum((1 + margin - distances) * negative, 0)
    pos_terms = -gamma * pos_weights * (margin - distances)
    neg_terms = gamma * neg_weights * (1 - margin - distances)
    pos_loss, pos_softmax = _masked_softmax_and_logsumexp(pos_terms, positive)
    neg_loss, neg_softmax = _masked_softmax_and_logsumexp(neg_terms, negative)
    total = pos_loss + neg_loss
    values = np.logaddexp(0, total).astype(y_pred.dtype)  # softplus

    def pullback(cotangent):
        with np.errstate(over="ignore"):
            d_total = cotangent / (1 + np.exp(-total))  # sigmoid
        d_pos_weights = positive.astype(y_pred.dtype)  # margin + d > 0 on every positive pair
        d_neg_weights = -(negative & (1 + margin - distances >= 0)).astype(y_pred.dtype)
        d_pos = -gamma * (d_pos_weights * (margin - distances) - pos_weights)
        d_neg = gamma * (d_neg_weights * (1 - margin - distances) - neg_weights)
        d_distances = d_total[:, None] * (pos_softmax * d_pos + neg_softmax * d_neg)
        d_similarity = -d_distances * (similarity_gap >= 0)  # TF's maximum: ties pass
        grad = d_similarity @ references
        if self_reference:
            grad = grad + d_similarity.T @ y_pred
        return grad.astype(y_pred.dtype)

    return _Result(values, pullback, mask=values > 0)


@_export()
class Circle(_BuiltinLoss):
    """`circle` as a `Loss` (its batch is its own reference set)."""

    _config_keys = ("gamma", "margin", "remove_diagonal")

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(circle, reduction, name, dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)
