"""`SwapEMAWeights`: evaluate (and optionally end epochs) with the optimizer's moving averages
of the weights in the model, the trained weights put back afterwards."""

import numpy as np

from minikeras.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """Swap the model's weights with its optimizer's EMA weights (`use_ema=True`) in place:
    before evaluation (`evaluate`, and validation inside `fit`) and back after it, so metrics
    are those of the averaged weights ("Polyak averaging"). `predict` sees the averages too.

    With `swap_on_epoch=True` the averages are also in the model from each epoch's end to the
    next epoch's start, so callbacks placed after this one (`ModelCheckpoint`) see them; at the
    last epoch's end they are kept for the averages `fit` finally copies into the model.

    Keras 3.15 leaves the averages in the model after `predict` (its `on_predict_end` tests the
    flag the wrong way round), trading them with the trained weights for good; here `predict`
    swaps back as `evaluate` does.

    Args:
        swap_on_epoch: also swap at each epoch's end and back at the next one's start
            (default False).
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _ema_optimizers(self):
        """The optimizers whose averages to swap: the model's, inside a `LossScaleOptimizer`,
        or those of a `MultiOptimizer` that keep averages."""
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if hasattr(optimizer, "optimizers"):
            optimizers = [o for o in optimizer.optimizers if getattr(o, "use_ema", False)]
            if not optimizers:
                raise ValueError(
                    "SwapEMAWeights must be used when at least one inner optimizer has "
                    "`use_ema=True` set. Received a MultiOptimizer with all inner optimizers "
                    "having `use_ema=False`."
                )
        else:
            optimizers = [optimizer]
        for optimizer in optimizers:
            if not hasattr(optimizer, "_model_variables_moving_average"):
                raise ValueError(
                    "SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. "
                    f"Received: use_ema={optimizer.use_ema}"
                )
        return optimizers

    def _pairs(self):
        for optimizer in self._ema_optimizers():
            yield from zip(optimizer._trainable_variables,
                           optimizer._model_variables_moving_average)

    def _swap_variables(self):
        for variable, average in self._pairs():
            weights = variable.value.copy()
            np.copyto(variable.value, average.value)  # in place: views of packed weights stay
            np.copyto(average.value, weights)

    def _finalize_ema_values(self):
        """The averages back in the optimizer (the model holds them), for `fit`'s final copy."""
        for variable, average in self._pairs():
            np.copyto(average.value, variable.value)

    def _swap_in(self):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def _swap_out(self):
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._swap_out()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_in()
            if epoch == self.params["epochs"] - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs=None):
        self._swap_in()

    def on_test_end(self, logs=None):
        self._swap_out()

    def on_predict_begin(self, logs=None):
        self._swap_in()

    def on_predict_end(self, logs=None):
        self._swap_out()
