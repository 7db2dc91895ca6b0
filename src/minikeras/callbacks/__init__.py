"""Callbacks: hooks into `fit`, `evaluate` and `predict` (`keras.callbacks`).

The training loop talks to one `CallbackList`, which forwards each hook to the callbacks that
implement it. Messages and files match Keras 3's byte for byte.
"""

from minikeras.callbacks.callback import Callback
from minikeras.callbacks.callback_list import CallbackList
from minikeras.callbacks.csv_logger import CSVLogger
from minikeras.callbacks.early_stopping import EarlyStopping
from minikeras.callbacks.history import History
from minikeras.callbacks.lambda_callback import LambdaCallback
from minikeras.callbacks.learning_rate_scheduler import LearningRateScheduler
from minikeras.callbacks.model_checkpoint import ModelCheckpoint
from minikeras.callbacks.monitor_callback import MonitorCallback  # noqa: F401 - Keras 3 exports it
from minikeras.callbacks.progbar_logger import ProgbarLogger
from minikeras.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from minikeras.callbacks.swap_ema_weights import SwapEMAWeights
from minikeras.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History",
    "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger",
    "ReduceLROnPlateau", "RemoteMonitor", "SwapEMAWeights", "TensorBoard", "TerminateOnNaN",
]

# These load on first use (PEP 562): `fit` imports this package, and RemoteMonitor's urllib
# alone brings ssl, http and email; BackupAndRestore and TensorBoard bring the file writers.
_ON_FIRST_USE = {
    "BackupAndRestore": "backup_and_restore", "RemoteMonitor": "remote_monitor",
    "TensorBoard": "tensorboard",
}


def __getattr__(name):
    if name not in _ON_FIRST_USE:
        raise AttributeError(f"module 'minikeras.callbacks' has no attribute '{name}'")
    import importlib

    value = getattr(importlib.import_module(f"minikeras.callbacks.{_ON_FIRST_USE[name]}"), name)
    globals()[name] = value
    return value
