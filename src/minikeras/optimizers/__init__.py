"""Optimizers (`keras.optimizers`): the classes, their schedules, and `get`/`serialize`/
`deserialize`.

Every name resolves through the registry: `get("RmsProp")` is case-insensitive, and Keras 2
configs (`lr`, `decay`, `jit_compile`, `is_legacy_optimizer`, `"Custom>Adam"` as written in
Keras 2 `.h5` files) load too.
"""

from minikeras.optimizers import schedules
from minikeras.optimizers.adafactor import Adafactor
from minikeras.optimizers.adagrad import Adadelta, Adagrad
from minikeras.optimizers.adam import Adam, Adamax, AdamW, Nadam
from minikeras.optimizers.base import Optimizer
from minikeras.optimizers.ftrl import Ftrl
from minikeras.optimizers.lamb import Lamb
from minikeras.optimizers.lion import Lion
from minikeras.optimizers.loss_scale_optimizer import LossScaleOptimizer
from minikeras.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from minikeras.optimizers.muon import Muon
from minikeras.optimizers.rmsprop import RMSprop
from minikeras.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from minikeras.optimizers.sgd import SGD
from minikeras.saving import registry

__all__ = [
    "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lamb", "Lion",
    "LossScaleOptimizer", "MultiOptimizer", "Muon", "Nadam", "Optimizer", "OptimizerMap",
    "RMSprop", "SGD", "ScheduleFreeAdamW",
    "deserialize", "get", "schedules", "serialize",
]


def serialize(optimizer):
    """An optimizer as Keras 3 serializes it: `{module, class_name, config, registered_name}`."""
    return registry.serialize(optimizer)


def deserialize(config, custom_objects=None):
    """An optimizer from a Keras 3 or Keras 2 config dict (class names case-insensitive)."""
    class_name = config.get("class_name", "")
    # Keras 2 .h5 files name built-in optimizers "Custom>Adam".
    if class_name.startswith("Custom>") and registry.lookup(
        "optimizer", class_name, custom_objects
    ) is None:
        config = {**config, "class_name": class_name.split(">", 1)[1], "registered_name": None}
    return registry.deserialize("optimizer", config, custom_objects)


def get(identifier):
    """An optimizer from a name (`"adam"`), a config dict, or an optimizer instance."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        try:
            optimizer = deserialize(identifier)
        except TypeError:  # an unknown class name
            optimizer = None
    elif isinstance(identifier, str):
        try:
            optimizer = deserialize({"class_name": identifier, "config": {}})
        except TypeError:
            optimizer = None
    else:
        optimizer = identifier
    if isinstance(optimizer, Optimizer):
        return optimizer
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
