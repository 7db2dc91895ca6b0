"""Connectionist temporal classification (CTC): the loss of label sequences against per-step
class scores, summed over every alignment, for speech and handwriting recognition."""

import numpy as np

from minikeras import autodiff, ops
from minikeras.losses import Loss, _BuiltinLoss, _builtin, _export, _Result


@_builtin()
def ctc(y_true, y_pred):
    """The CTC loss of each sequence: `y_true` (batch, max label length) holds the labels, 0
    padding them (class 0 is the blank); `y_pred` (batch, steps, classes) the logits of every
    step. The gradient is that of `ops.ctc_loss`, taken on its own tape."""
    if np.ndim(y_true) != 2:
        raise ValueError("Targets `y_true` are expected to be a tensor of shape `(batch_size, "
                         f"max_length)` in integer format. Received: y_true.shape={np.shape(y_true)}")
    if np.ndim(y_pred) != 3:
        raise ValueError("Logits `y_pred` are expected to be a tensor of shape `(batch_size, "
                         f"max_length, num_classes)`. Received: y_pred.shape={np.shape(y_pred)}")
    labels = np.asarray(y_true).astype(np.int32)
    batch, steps = np.shape(y_pred)[:2]
    label_length = np.sum(labels != 0, axis=-1).astype(np.int32)
    output_length = np.full((batch,), steps, np.int32)
    values, vjp = autodiff.vjp(
        lambda logits: ops.ctc_loss(labels, logits, label_length, output_length, mask_index=0),
        y_pred)
    return _Result(np.asarray(values), lambda cotangent: vjp(cotangent)[0])


@_export()
class CTC(_BuiltinLoss):
    """`ctc` as a `Loss`."""

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, reduction, name, dtype)

    def get_config(self):
        return Loss.get_config(self)
