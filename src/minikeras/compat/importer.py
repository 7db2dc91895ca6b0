"""The import hook behind `install()`: Keras and TensorFlow module names, answered by minikeras.

Once installed, every module a script imports under `keras`, `tf_keras`, `tensorflow.keras` or
`tensorflow` is an `Alias`: a module of that name whose attributes are those of the minikeras
modules it stands for, so classes keep their identity (`keras.layers.Dense is
minikeras.layers.Dense`). Keras 3 paths follow minikeras' own (`keras.layers` stands for
`minikeras.layers`, `keras.datasets.mnist` for `minikeras.datasets.mnist`); `PATHS` lists the
rest: Keras 2's paths and the Keras 3 modules minikeras keeps elsewhere. A name minikeras
lacks raises an error that names it, as an attribute (`tf.GradientTape`) and in an import
(`from keras.layers import LSTM`).
"""

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings

from minikeras.compat import coverage
from minikeras.saving import keras_v3

# What `keras.__version__` says under the shim: the Keras release minikeras follows.
KERAS_VERSION = f"{keras_v3.KERAS_VERSION}+minikeras"

# The package names that mean Keras, longest first, and the one that means TensorFlow.
KERAS_PREFIXES = ("tensorflow.keras", "tf_keras", "keras")
TENSORFLOW = "tensorflow"

# Module paths (relative to the namespace) that are not minikeras' own module names.
PATHS = {
    "keras": {
        "": ("minikeras",),
        "backend": ("minikeras.compat.keras_backend",),  # Keras 2's K.*, a superset of Keras 3's
        "config": ("minikeras.backend",),
        "layers.core": ("minikeras.layers",),
        "layers.advanced_activations": ("minikeras.layers",),
        "layers.activation": ("minikeras.layers",),
        "engine": ("minikeras.layers", "minikeras.models"),
        "engine.topology": ("minikeras.layers", "minikeras.models"),
        "engine.base_layer": ("minikeras.layers",),
        "engine.input_layer": ("minikeras.layers",),
        "engine.sequential": ("minikeras.models",),
        "engine.training": ("minikeras.models",),
        "utils.np_utils": ("minikeras.utils",),
        "utils.generic_utils": ("minikeras.utils",),
    },
    TENSORFLOW: {"": ("minikeras.compat.tensorflow",)},
}

_MISSING = object()


def split(fullname):
    """`(namespace, relative path)` of a module name the hook answers, else None:
    `"tensorflow.keras.layers"` -> `("keras", "layers")`, `"tensorflow.nn"` -> `("tensorflow",
    "nn")`."""
    for prefix in (*KERAS_PREFIXES, TENSORFLOW):
        if fullname == prefix or fullname.startswith(prefix + "."):
            namespace = TENSORFLOW if prefix == TENSORFLOW else "keras"
            return namespace, fullname[len(prefix) + 1:]
    return None


def resolve(namespace, relative):
    """The minikeras modules a module path stands for, or None if it stands for none."""
    names = PATHS[namespace].get(relative)
    if names:
        return tuple(importlib.import_module(name) for name in names)
    parent, _, last = relative.rpartition(".")
    if last.startswith("_"):
        return None
    for module in resolve(namespace, parent) or ():
        found = _submodule(module, last)
        if found is not None:
            return (found,)
    return None


def _submodule(module, name):
    """minikeras' submodule `name` of `module` (imported if need be), or None."""
    value = getattr(module, name, None)
    if isinstance(value, types.ModuleType):
        return value if value.__name__.startswith("minikeras.") else None
    if value is None and hasattr(module, "__path__"):
        try:
            return importlib.import_module(f"{module.__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{module.__name__}.{name}":
                raise  # a real failure inside that module
    return None


class Alias(types.ModuleType):
    """A Keras or TensorFlow module of the script's name, standing for minikeras modules.

    Args:
        name: the module's name, as the script imports it ("tensorflow.keras.layers").
        targets: the minikeras modules whose attributes it has, looked up in order.
    """

    def __init__(self, name, targets):
        super().__init__(name, targets[0].__doc__)
        self.__minikeras__ = targets
        self.__all__ = sorted({n for t in targets for n in getattr(t, "__all__", ())})
        namespace, relative = split(name)
        if namespace == "keras" and not relative:
            self.__version__ = KERAS_VERSION
            self.version = lambda: KERAS_VERSION

    def __getattr__(self, attr):
        # Only called for what the module itself lacks: an object of the minikeras modules, or
        # a submodule (itself an Alias, imported under this module's name).
        for target in self.__minikeras__:
            value = getattr(target, attr, _MISSING)
            if value is not _MISSING and not isinstance(value, types.ModuleType):
                return value
        if attr.startswith("_"):
            raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r}")
        if resolve(*split(f"{self.__name__}.{attr}")):
            return importlib.import_module(f"{self.__name__}.{attr}")
        raise AttributeError(self.missing(attr))

    def __dir__(self):
        names = {n for t in self.__minikeras__ for n in getattr(t, "__all__", dir(t))}
        return sorted({n for n in names if not n.startswith("_")} | set(super().__dir__()))

    def missing(self, attr):
        """The error text for `attr`, which this module does not have."""
        namespace, relative = split(self.__name__)
        keras_name = f"{relative}.{attr}".lstrip(".") if namespace == "keras" else None
        return coverage.message(f"{self.__name__}.{attr}", keras_name)

    def has(self, attr):
        """Whether one of the minikeras modules has `attr`."""
        return any(getattr(t, attr, _MISSING) is not _MISSING for t in self.__minikeras__)


class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """The meta path entry that answers Keras and TensorFlow module names with `Alias`es."""

    def find_spec(self, fullname, path=None, target=None):
        where = split(fullname)
        if where is None:
            return None
        if resolve(*where):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        # `from keras.layers import LSTM` comes here once `keras.layers` has no `LSTM`: say so,
        # rather than Python's "cannot import name".
        parent, _, name = fullname.rpartition(".")
        module = sys.modules.get(parent)
        if isinstance(module, Alias) and not name.startswith("_") and not module.has(name):
            raise ImportError(module.missing(name), name=fullname)
        return None

    def create_module(self, spec):
        return Alias(spec.name, resolve(*split(spec.name)))

    def exec_module(self, module):
        pass  # an Alias is complete when made


FINDER = Finder()
_set_aside = {}  # modules of our names imported before `install()`, restored by `uninstall()`


def install():
    """Put the hook first on `sys.meta_path`; set aside modules already imported under its names."""
    if FINDER in sys.meta_path:
        return
    earlier = sorted(name for name in sys.modules if split(name) is not None)
    if earlier:
        warnings.warn(
            f"{', '.join(earlier[:3])}{', ...' if len(earlier) > 3 else ''} were imported before "
            "minikeras.compat.install(): names bound to them keep pointing to them.",
            stacklevel=3,
        )
    for name in earlier:
        _set_aside[name] = sys.modules.pop(name)
    sys.meta_path.insert(0, FINDER)


def uninstall():
    """Remove the hook and every Alias; put back what `install()` set aside."""
    if FINDER in sys.meta_path:
        sys.meta_path.remove(FINDER)
    for name in [name for name, module in sys.modules.items() if isinstance(module, Alias)]:
        del sys.modules[name]
    sys.modules.update(_set_aside)
    _set_aside.clear()
