"""`MultiOptimizer`: several optimizers training one model, each its own variables, chosen by
an `OptimizerMap` (patterns of variable paths) or any function of a variable."""

import re
from collections.abc import MutableMapping

from minikeras.optimizers.base import Optimizer, _not_built_error
from minikeras.optimizers.loss_scale_optimizer import LossScaleOptimizer
from minikeras.saving import registry


def _refuse_nesting(optimizer, where):
    if isinstance(optimizer, LossScaleOptimizer):
        raise ValueError(f"LossScaleOptimizer cannot be used inside {where}.")
    if isinstance(optimizer, MultiOptimizer):
        raise ValueError(f"MultiOptimizer cannot be used inside {where}.")


@registry.register("optimizer", module="keras.optimizers")
class OptimizerMap(MutableMapping):
    """Variable path patterns (full matches, `re.fullmatch`) to optimizers, and the optimizer
    of every variable no pattern matches. Called on a variable, it gives that variable's
    optimizer.

    Args:
        default_optimizer: the optimizer of unmatched variables.
        optimizer_map: `{pattern: optimizer}` (an exact path first, then the one pattern that
            matches; two matching patterns are an error).
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError("default_optimizer must be a Keras Optimizer instance. Received: "
                            f"{default_optimizer}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dictionary. Received: {optimizer_map}")
        self._default_optimizer = default_optimizer
        self._optimizer_map = {}
        for key, optimizer in (optimizer_map or {}).items():
            self._optimizer_map[key] = optimizer

    @property
    def default_optimizer(self):
        return self._default_optimizer

    def __getitem__(self, key):
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matching = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matching) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key}.")
        return self._optimizer_map[matching[0]] if matching else self._default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError(
                f"'{key}' already exists in the OptimizerMap with value "
                f"{self._optimizer_map[key]}. Please make sure to not use duplicated keys.")
        if not isinstance(key, str):
            raise ValueError(f"key must be a string. Received: {key}")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"optimizer must be a Keras Optimizer instance. Received: "
                             f"{optimizer}")
        if isinstance(optimizer, (LossScaleOptimizer, MultiOptimizer)):
            raise ValueError(f"optimizer cannot be {type(optimizer).__name__}.")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        return self[variable.path]

    def get_config(self):
        return {"default_optimizer": registry.serialize(self._default_optimizer),
                "optimizer_map": {key: registry.serialize(optimizer)
                                  for key, optimizer in self._optimizer_map.items()}}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        def optimizer(spec):
            return registry.deserialize("optimizer", spec, custom_objects)

        return cls(optimizer(config["default_optimizer"]),
                   {key: optimizer(spec) for key, spec in config["optimizer_map"].items()})


@registry.register("optimizer", module="keras.optimizers")
class MultiOptimizer(Optimizer):
    """Each variable trained by the optimizer `optimizer_map(variable)` gives it (an
    `OptimizerMap`, or any function of a variable); every update is one update of each inner
    optimizer that has variables in it.

    Args:
        optimizer_map: an `OptimizerMap` or a function from a variable to an optimizer.
        loss_scale_factor: set on every inner optimizer.
        name: default `"multi_optimizer"`, made unique.
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        self._inner_optimizers = []
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        known = list(getattr(optimizer_map, "values", lambda: [])())
        default = getattr(optimizer_map, "default_optimizer", None)
        for optimizer in [*known, *([default] if default is not None else [])]:
            self._adopt(optimizer)

    def _adopt(self, optimizer):
        if optimizer not in self._inner_optimizers:
            optimizer.loss_scale_factor = self.loss_scale_factor
            self._inner_optimizers.append(optimizer)
        return self._inner_optimizers.index(optimizer)

    def build(self, variables):
        if self.built:
            return
        variables = list(variables)
        self._owner = {}
        shares = {}
        for variable in variables:
            optimizer = self._optimizer_map(variable)
            if not isinstance(optimizer, Optimizer):
                raise ValueError(f"Optimizer for variable {variable} is not an Optimizer "
                                 "instance.")
            _refuse_nesting(optimizer, "an MultiOptimizer")
            index = self._adopt(optimizer)
            self._owner[id(variable)] = index
            shares.setdefault(index, []).append(variable)
        for index, optimizer in enumerate(self._inner_optimizers):
            if index in shares:
                optimizer.build(shares[index])
        self._trainable_variables = variables
        self._trainable_variables_indices = {id(v): i for i, v in enumerate(variables)}
        self.built = True  # (no buffers of its own: the inner optimizers keep theirs)

    @property
    def optimizers(self):
        return self._inner_optimizers

    @property
    def variables(self):
        return self._variables + [v for o in self._inner_optimizers for v in o.variables]

    @property
    def learning_rate(self):
        raise AttributeError(
            "Learning rate cannot be accessed on a MultiOptimizer. Access the learning rate on "
            "the individual sub-optimizers instead.")

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError(
            "Learning rate cannot be set on a MultiOptimizer. Set the learning rate on the "
            "individual sub-optimizers instead.")

    @property
    def loss_scale_factor(self):
        return self.__dict__.get("_loss_scale_factor")

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for optimizer in self._inner_optimizers:
            optimizer.loss_scale_factor = value

    def _shares(self, grads, variables):
        """`[(inner optimizer, its gradients, its variables)]`, in the inner optimizers' order."""
        shares = [([], []) for _ in self._inner_optimizers]
        for grad, variable in zip(grads, variables):
            share = shares[self._owner[id(variable)]]
            share[0].append(grad)
            share[1].append(variable)
        return [(o, g, v) for o, (g, v) in zip(self._inner_optimizers, shares) if v]

    def apply(self, grads, trainable_variables=None):
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise _not_built_error()
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        if len(grads) != len(self._trainable_variables_indices):
            raise ValueError(
                "Gradients must match trainable variables one-to-one. Received "
                f"{len(grads)} gradients and {len(self._trainable_variables_indices)} "
                "variables.")
        for optimizer, share_grads, share_variables in self._shares(grads, trainable_variables):
            optimizer.apply(share_grads, share_variables)
        self._iterations.value += 1

    def _fit_gradient_buffers(self, variables):
        """The inner optimizers' arrays for fit's tape, by variable id."""
        if not self.built:
            self.build(variables)
        buffers = {}
        for optimizer, _, share in self._shares(variables, variables):
            buffers.update(optimizer._fit_gradient_buffers(share))
        return buffers

    def finalize_variable_values(self, var_list):
        for optimizer, _, share in self._shares(var_list, var_list):
            optimizer.finalize_variable_values(share)

    def set_weights(self, weights):
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been built. "
                "Please call `optimizer.build(trainable_variables)` to create the optimizer "
                "weights before calling `set_weights()`.")
        for variable, value in zip(self.variables, weights, strict=True):
            variable.assign(value)

    def get_config(self):
        return {"optimizer_map": registry.serialize(self._optimizer_map),
                "loss_scale_factor": self.loss_scale_factor, "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        spec = config.pop("optimizer_map")
        return cls(registry.deserialize("optimizer", spec, custom_objects), **config)
