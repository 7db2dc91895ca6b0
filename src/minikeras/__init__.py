"""minikeras: Keras, re-made on numpy.

Swap `from tensorflow.keras...` (or `from keras...`) for `from minikeras...`; the script runs
the same, reads and writes the same files, and needs only numpy and h5py.
"""

__version__ = "0.1.0"

import importlib

# Every public name loads on first use (PEP 562), so that `import minikeras` costs next to
# nothing and a script pays only for the parts it touches (training never loads saving, the
# datasets or the callbacks' extras). The registry that turns names from files into classes
# imports the module of a name (or every built-in of its kind, for a name no package lists)
# before it resolves it (`saving.registry._builtin`).
_SUBMODULES = (
    "activations", "backend", "callbacks", "constraints", "datasets", "dtype_policies",
    "initializers", "layers", "losses", "metrics", "mixed_precision", "models", "ops",
    "optimizers", "random", "regularizers", "saving", "tree", "utils",
)
_NAMES = {
    "DTypePolicy": "minikeras.dtype_policies",
    "FloatDTypePolicy": "minikeras.dtype_policies",
    "GradientTape": "minikeras.core.tape",
    "Initializer": "minikeras.initializers",
    "InputSpec": "minikeras.layers",
    "RematScope": "minikeras.core.placement",
    "device": "minikeras.core.placement",
    "name_scope": "minikeras.core.name_scope",
    "remat": "minikeras.core.placement",
    "Input": "minikeras.layers",
    "KerasTensor": "minikeras.layers",
    "Layer": "minikeras.layers",
    "Variable": "minikeras.layers",
    "Loss": "minikeras.losses",
    "Metric": "minikeras.metrics",
    "Model": "minikeras.models",
    "Sequential": "minikeras.models",
    "Optimizer": "minikeras.optimizers",
    "Regularizer": "minikeras.regularizers",
    # Keras 3's bases of computations: a Layer is an Operation there, a functional Model a
    # Function; here the Layer is the one base, and the functional Model the graph's function.
    "Operation": ("minikeras.layers", "Layer"),
    "Function": ("minikeras.models.functional", "Functional"),
}


def version():
    """minikeras' version (Keras 3 has `keras.version()`)."""
    return __version__


def __getattr__(name):
    if name in _SUBMODULES or name == "config":
        value = importlib.import_module(f"minikeras.{'backend' if name == 'config' else name}")
    elif name in _NAMES:
        home = _NAMES[name]
        module, attribute = home if isinstance(home, tuple) else (home, name)
        value = getattr(importlib.import_module(module), attribute)
    else:
        raise AttributeError(f"module 'minikeras' has no attribute '{name}'")
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "DTypePolicy", "FloatDTypePolicy", "Function", "GradientTape", "Initializer", "Input",
    "InputSpec", "KerasTensor", "Layer", "Loss", "Metric", "Model", "Operation", "Optimizer",
    "Regularizer", "Sequential", "Variable",
    "activations", "backend", "callbacks", "config", "constraints", "datasets", "dtype_policies",
    "initializers", "layers", "losses", "metrics", "mixed_precision", "models", "ops",
    "optimizers", "random", "regularizers", "RematScope", "remat", "device", "name_scope",
    "saving", "tree", "utils", "version",
]
