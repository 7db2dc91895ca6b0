"""`History`: every epoch's logs, the object `fit` returns."""

from minikeras.callbacks.callback import Callback


class History(Callback):
    """Records each epoch's logs: `history` maps each metric to its list of values, `epoch`
    lists the epochs run. Added to every `fit`, which returns it."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self
