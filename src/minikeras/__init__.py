"""minikeras: Keras, re-made on numpy.

Swap `from tensorflow.keras...` (or `from keras...`) for `from minikeras...`; the script runs
the same, reads and writes the same files, and needs only numpy and h5py.
"""

__version__ = "0.1.0"

from minikeras import (  # noqa: E402
    activations,
    backend,
    constraints,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    regularizers,
    saving,
    tree,
    utils,
)
from minikeras.core.tape import GradientTape  # noqa: E402
from minikeras.initializers import Initializer  # noqa: E402
from minikeras.layers import Input, KerasTensor, Layer, Variable  # noqa: E402
from minikeras.losses import Loss  # noqa: E402
from minikeras.metrics import Metric  # noqa: E402
from minikeras.models import Model, Sequential  # noqa: E402
from minikeras.optimizers import Optimizer  # noqa: E402
from minikeras.regularizers import Regularizer  # noqa: E402

config = backend


def version():
    """minikeras' version (Keras 3 has `keras.version()`)."""
    return __version__


def __getattr__(name):
    # Loaded on first use, to keep `import minikeras` fast.
    if name in ("callbacks", "datasets"):
        import importlib

        return importlib.import_module(f"minikeras.{name}")
    raise AttributeError(f"module 'minikeras' has no attribute '{name}'")


__all__ = [
    "GradientTape", "Initializer", "Input", "KerasTensor", "Layer", "Loss", "Metric", "Model", "Optimizer",
    "Regularizer", "Sequential", "Variable", "activations", "backend", "callbacks", "config",
    "constraints", "datasets", "initializers", "layers", "losses", "metrics", "models", "ops",
    "optimizers", "regularizers", "saving", "tree", "utils", "version",
]
