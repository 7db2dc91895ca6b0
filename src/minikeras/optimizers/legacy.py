"""`keras.optimizers.legacy` (Keras 2): the same optimizers, for scripts that import them
from here. Keras 2's `lr=` and `decay=` work on every optimizer (see `Optimizer`)."""

from minikeras.optimizers import (
    SGD, Adadelta, Adagrad, Adam, Adamax, Ftrl, Nadam, Optimizer, RMSprop,
)

__all__ = ["Adadelta", "Adagrad", "Adam", "Adamax", "Ftrl", "Nadam", "Optimizer", "RMSprop", "SGD"]
