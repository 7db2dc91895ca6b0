"""`Optimizer`, the base of every optimizer: what all of them share around the update rule.

One update (`apply`, `apply_gradients`, or `step` as `fit` calls it) runs, in Keras 3's order:
drop missing gradients, unscale by `loss_scale_factor`, accumulate (when
`gradient_accumulation_steps`), clip (`clipnorm` / `global_clipnorm` / `clipvalue`), weight
decay (`var -= var * weight_decay * lr`), the subclass's `update_step` for each variable, the
weights' moving average (`use_ema`), the variables' constraints, then `iterations += 1`. The
learning rate is read once per update: the float, the schedule at the current iteration, or the
callable's value.

Model weights are updated in place and nothing parameter-sized is allocated per update:
`build` gives each variable its slots plus `scratch_buffers` scratch arrays and one gradient
buffer, and every rule writes through numpy ufuncs with `out=`. Scalars are computed in the
variable's dtype, as Keras' casts do, so float32 weights follow Keras' float32 arithmetic.
In `fit`, an elementwise rule runs once over flat arrays of all the weights (`packing.py`:
each `variable.value` is rebound once, at the first step, to its view of the flat array).
"""

import functools
import inspect
import itertools
import operator
import re
import sys
import time
import warnings

import numpy as np

from minikeras import backend
from minikeras.core import parallel, subnormals
from minikeras.layers.base import Variable
from minikeras.optimizers import packing, schedules
from minikeras.saving import registry

# Keras 2 constructor arguments that mean nothing on numpy; accepted and dropped.
_KERAS2_IGNORED = ("jit_compile", "is_legacy_optimizer", "mesh")


@registry.register("optimizer", module="keras.optimizers")
class Optimizer:
    """The base class of every optimizer.

    Subclasses create their slots in `build(variables)` with `add_optimizer_variables` and
    implement `update_step(gradient, variable, learning_rate)`, updating `variable.value` and
    their slots in place (their `self._scratch[index]` arrays are free for temporaries).

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable taking no argument.
        weight_decay: if set, `var -= var * weight_decay * learning_rate` before each update.
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient element to `[-clipvalue, clipvalue]`.
        global_clipnorm: scale all gradients together so their joint L2 norm is at most this.
        use_ema: keep an exponential moving average of the weights (`ema_momentum`), copied
            into them every `ema_overwrite_frequency` steps and by `finalize_variable_values`.
        loss_scale_factor: gradients are divided by it (the loss was multiplied by it).
        gradient_accumulation_steps: update every N steps with the mean of N gradients.
        name: by default the snake-case class name, made unique (`adam`, `adam_1`, ...).
        lr, decay: Keras 2 spellings. `lr` is `learning_rate`; a non-zero `decay` applies
            Keras 2's `learning_rate / (1 + decay * iterations)` (Keras 3 ignores it).
    """

    # Parameter-sized scratch arrays each variable gets for `update_step`'s temporaries.
    scratch_buffers = 2
    # Whether `update_step` is elementwise: each element of the new weight and slots depends on
    # that element of the weight, gradient and slots alone, and on scalars shared by all
    # variables (no norm, no shape). Such a rule runs once over `fit`'s packed weights.
    _elementwise_update = False
    # Keras 2's `decay=` decayed the learning rate for every optimizer but Nadam.
    _legacy_decay_is_learning_rate_decay = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = _build_once(cls.__dict__["build"])
        if "__init__" in cls.__dict__:
            cls.__init__.__signature__ = _full_signature(cls.__init__)

    def __init__(
        self,
        learning_rate,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        **kwargs,
    ):
        learning_rate = self._keras2_arguments(learning_rate, kwargs)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        self.name = name if name is not None else backend.unique_name(
            backend.to_snake_case(type(self).__name__)
        )
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.use_ema = use_ema
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        if gradient_accumulation_steps and not gradient_accumulation_steps >= 2:
            raise ValueError(
                "`gradient_accumulation_steps` must be an integer >= 2. Received: "
                f"gradient_accumulation_steps={gradient_accumulation_steps}"
            )
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError(
                    "`ema_momentum` must be in the range [0, 1]. "
                    f"Received: ema_momentum={ema_momentum}"
                )
            if ema_overwrite_frequency and (
                not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1
            ):
                raise ValueError(
                    "`ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                    f"ema_overwrite_frequency={ema_overwrite_frequency}"
                )
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        if sum(arg is not None for arg in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}"
            )
        self.built = False
        self._variables = []
        self._slot_lists = []  # what `add_optimizer_variables` made: one slot per variable
        self._packing = None  # `packing.Packing` once `fit` packed; False: not packed
        self._tape_gradients = {}  # the arrays fit's tape writes gradients into, by variable id
        self._trainable_variables = []
        self._trainable_variables_indices = {}
        self._iterations = self._scalar_variable("iteration", 0, "int64")
        if callable(learning_rate):  # a LearningRateSchedule or any function
            self._learning_rate = learning_rate
        else:
            if not isinstance(learning_rate, float):
                raise ValueError(
                    "Argument `learning_rate` should be float, or an instance of "
                    "LearningRateSchedule, or a callable (that takes in the current iteration "
                    "value and returns the corresponding learning rate value). "
                    f"Received instead: learning_rate={learning_rate}"
                )
            self._learning_rate = self._scalar_variable(
                "learning_rate", learning_rate, backend.floatx()
            )

    def _keras2_arguments(self, learning_rate, kwargs):
        """Consume Keras 2's `lr`, `decay`, `jit_compile`, ...; return the learning rate."""
        for ignored in _KERAS2_IGNORED:
            kwargs.pop(ignored, None)
        if "lr" in kwargs:
            _warn("The `lr` argument is deprecated, use `learning_rate` instead.")
            learning_rate = kwargs.pop("lr")
        self._legacy_decay = 0.0
        decay = kwargs.pop("decay", None)
        if decay and not self._legacy_decay_is_learning_rate_decay:
            _warn("Argument `decay` is no longer supported and will be ignored.")
        elif decay:
            _warn(
                "Argument `decay` is deprecated (Keras 2); Keras 3 ignores it. minikeras applies "
                "it as Keras 2 did: learning_rate / (1 + decay * iterations)."
            )
            self._legacy_decay = float(decay)
        return learning_rate

    # ------------------------------------------------------------------------------------------
    # State

    def _scalar_variable(self, name, value, dtype):
        variable = Variable(
            np.array(value, dtype=dtype), name=name, path=f"{self.name}/{name}", trainable=False
        )
        self._variables.append(variable)
        return variable

    def build(self, variables):
        """Create the optimizer's state for `variables` (the model's trainable weights)."""
        variables = list(variables)
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(
                variables, "average"
            )
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = self.add_optimizer_variables(
                variables, "gradient_accumulator"
            )
        self._trainable_variables = variables
        self._trainable_variables_indices = {id(v): i for i, v in enumerate(variables)}
        self._make_buffers()
        self.built = True

    def _make_buffers(self):
        """The gradient and scratch buffers each step reuses, one set per trained variable."""
        variables = self._trainable_variables
        self._gradient_buffers = [np.empty_like(v.value) for v in variables]
        self._scratch = [
            [np.empty_like(v.value) for _ in range(self.scratch_buffers)] for v in variables
        ]

    def __getstate__(self):
        """Pickled without its buffers (parameter-sized, and only ever scratch)."""
        state = dict(self.__dict__)
        state.pop("_gradient_buffers", None)
        state.pop("_scratch", None)
        state.pop("_split_trial", None)  # a measurement of this machine, not of the optimizer
        state.pop("_update_scalars", None)
        state.pop("_packing", None)  # the slots pickle as arrays of their own; packed anew
        state.pop("_tape_gradients", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._packing, self._tape_gradients = None, {}
        if self.built:
            self._make_buffers()

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none",
                     layout=None, name=None):
        """Create and track one optimizer variable (`initializer`: a number, a name, or an
        initializer)."""
        dtype = backend.standardize_dtype(dtype)
        if isinstance(initializer, (int, float)) or initializer in ("zeros", "ones"):
            fill = {"zeros": 0, "ones": 1}.get(initializer, initializer)
            value = np.full(shape, fill, dtype=dtype)
        else:
            from minikeras import initializers

            value = initializers.get(initializer)(tuple(shape), dtype=dtype)
        variable = Variable(
            np.array(value, dtype=dtype, order="C"), name=name, path=f"{self.name}/{name}",
            trainable=False,
        )
        self._variables.append(variable)
        return variable

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A variable shaped like `reference_variable`, named `<its path with _>_<name>`."""
        name = name or "var"
        reference = getattr(reference_variable, "path", None) or str(reference_variable.name)
        prefix = reference.replace("/", "_").replace(":", "_")
        return self.add_variable(
            reference_variable.shape, initializer, reference_variable.dtype, name=f"{prefix}_{name}"
        )

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per variable and per name, created interleaved (Keras' file order).

        `name` and `initializer` may be lists; a list of names returns a tuple of lists.
        """
        names = [name] if isinstance(name, str) else list(name)
        if isinstance(initializer, (list, tuple)):
            initializers = list(initializer)
        else:
            initializers = [initializer] * len(names)
        slots = tuple([] for _ in names)
        for variable in trainable_variables:
            for slot_list, slot_name, init in zip(slots, names, initializers):
                slot_list.append(self.add_variable_from_reference(variable, slot_name, init))
        self._slot_lists.extend(slots)
        return slots[0] if isinstance(name, str) else slots

    @property
    def variables(self):
        """Every optimizer variable in Keras' order (what model files store)."""
        return self._variables[:]

    @property
    def iterations(self):
        """The number of updates done (a Variable), or of accumulated updates."""
        if self.gradient_accumulation_steps:
            return np.int64(self._iterations.value // self.gradient_accumulation_steps)
        return self._iterations

    def _local_step(self):
        """The 1-based number of the update being made, as update rules count it."""
        if not self.gradient_accumulation_steps:  # `iterations` is the Variable
            return int(self._iterations.value) + 1
        return int(self.iterations) + 1

    def _scalars_of_update(self, compute, learning_rate, dtype):
        """`compute(step, learning_rate, dtype)`: an update rule's scalars (bias corrections,
        schedules), computed for the first variable of an update and reused by the others
        (each `np.power` of a numpy scalar costs microseconds, per variable). The reuse lasts
        one `apply`; an `update_step` called on its own computes them afresh."""
        cache = self.__dict__.get("_update_scalars")
        if cache is None:
            return compute(self._local_step(), learning_rate, dtype)
        key = (compute.__name__, dtype)
        entry = cache.get(key)
        if entry is not None and entry[0] is learning_rate:
            return entry[1]
        scalars = compute(self._local_step(), learning_rate, dtype)
        cache[key] = (learning_rate, scalars)
        return scalars

    def _get_variable_index(self, variable):
        return self._trainable_variables_indices[id(variable)]

    def set_weights(self, weights):
        """Set every optimizer variable, in the order of `variables`."""
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been built. "
                "Please call `optimizer.build(trainable_variables)` to create the optimizer "
                "weights before calling `set_weights()`."
            )
        for variable, weight in zip(self._variables, weights):
            weight = np.asarray(weight)
            if variable.shape != weight.shape:
                raise ValueError(
                    f"Optimizer variable {id(variable)} has shape {variable.shape} not "
                    f"compatible with provided weight shape {weight.shape}."
                )
            variable.assign(weight)

    def _keras2_variables(self):
        """The variables a legacy `.h5` file stores: `variables` without the learning rate."""
        return [v for v in self._variables if v is not self._learning_rate]

    def _from_keras2_variables(self, arrays):
        """A tf_keras optimizer's stored values (it keeps no learning-rate variable) in this
        optimizer's `variables` order, the learning rate left out."""
        return arrays

    # Files store `variables`: a wrapping optimizer's include those of the optimizers it wraps.
    def save_own_variables(self, store):
        for index, variable in enumerate(self.variables):
            store[str(index)] = variable.numpy()

    def load_own_variables(self, store):
        variables = self.variables
        if len(store.keys()) != len(variables):
            message = (
                f"Skipping variable loading for optimizer '{self.name}', because it has "
                f"{len(variables)} variables whereas the saved optimizer has "
                f"{len(store.keys())} variables. "
            )
            if not variables:
                message += "This is likely because the optimizer has not been called/built yet."
            _warn(message)
            return
        for index, variable in enumerate(variables):
            variable.assign(store[str(index)])

    # ------------------------------------------------------------------------------------------
    # Learning rate

    @property
    def learning_rate(self):
        """The learning rate: its Variable, or the schedule's / callable's current value."""
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            return self._learning_rate(self._iterations)
        if isinstance(self._learning_rate, Variable):
            return self._learning_rate
        return self._learning_rate()

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        previous = self._learning_rate
        if callable(learning_rate):
            self._learning_rate = learning_rate
            if isinstance(previous, Variable):
                self._variables.remove(previous)
            return
        if isinstance(previous, schedules.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not settable. "
                "If you need the learning rate to be settable, you should instantiate the "
                "optimizer with a float `learning_rate` argument."
            )
        previous.assign(learning_rate)

    # Keras 2 spelling.
    lr = learning_rate

    def _current_learning_rate(self):
        """The rate this update uses, with Keras 2's `decay` applied, in floatx."""
        rate = self._learning_rate
        if (type(rate) is Variable and rate.value.dtype == backend.floatx()
                and type(self).learning_rate is Optimizer.learning_rate):  # a float's Variable
            rate = rate.value[()]
        else:
            rate = np.asarray(self.learning_rate, dtype=backend.floatx())[()]
        if self._legacy_decay:
            iterations = rate.dtype.type(self._iterations.value)
            rate = rate / (rate.dtype.type(1) + rate.dtype.type(self._legacy_decay) * iterations)
        return rate

    # ------------------------------------------------------------------------------------------
    # Updates

    def apply_gradients(self, grads_and_vars):
        """One update from `(gradient, variable)` pairs; returns `iterations`."""
        grads, variables = zip(*grads_and_vars)
        self.apply(grads, variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """One update of `trainable_variables` (by default those built with) by `grads`."""
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise _not_built_error()
            if len(grads) != len(self._trainable_variables_indices):
                raise ValueError(
                    "When passing `grads` as a list of gradient tensors, the gradients must "
                    "match `optimizer.variables` one-to-on. Received a list of "
                    f"{len(grads)} gradients, but the optimizer is tracking "
                    f"{len(self._trainable_variables)} trainable variables."
                )
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if not self.built:
                self.build(trainable_variables)
            self._check_variables_are_known(trainable_variables)

        grads, variables = _filter_empty_gradients(grads, trainable_variables)
        indices = self._variable_indices(variables)
        if not _arrays_of(grads, variables):
            grads = [_as_array(g, v.value.dtype) for g, v in zip(grads, variables)]
        learning_rate = self._current_learning_rate()
        self._update_scalars = {}  # this update's step sizes, shared by its variables
        # The update's arithmetic flushes subnormals to zero, as TensorFlow's kernels and
        # XLA's compute it: the slots and weights Keras 3 stores, and no microcode assist for
        # slots decaying towards zero (`core/subnormals.py`).
        flushing = subnormals.flush_to_zero()
        try:
            if self.loss_scale_factor is not None:
                grads = [
                    np.divide(g, self.loss_scale_factor, out=self._gradient_buffers[i])
                    for g, i in zip(grads, indices)
                ]
            if self.gradient_accumulation_steps:
                self._accumulate_and_update(grads, variables, indices, learning_rate)
            else:
                self._update(grads, variables, indices, learning_rate)
            if self.use_ema:
                self._update_moving_averages()
        finally:
            subnormals.restore(flushing, functools.partial(_written, self, variables))
            self._update_scalars = None
        if not all(map(operator.is_, map(_CONSTRAINT, variables), itertools.repeat(None))):
            for variable in variables:
                if variable.constraint is not None:
                    np.copyto(variable.value, variable.constraint(variable.value),
                              casting="unsafe")
        self._iterations.value += 1

    def _variable_indices(self, variables):
        """Each variable's index in the optimizer's lists (its slots, its buffers)."""
        if type(self)._get_variable_index is Optimizer._get_variable_index:
            return list(map(self._trainable_variables_indices.__getitem__, map(id, variables)))
        return [self._get_variable_index(v) for v in variables]

    def _check_variables_are_known(self, variables):
        if all(map(self._trainable_variables_indices.__contains__, map(id, variables))):
            return  # the check of every step, in C
        for variable in variables:
            if id(variable) not in self._trainable_variables_indices:
                raise ValueError(
                    f"Unknown variable: {variable}. This optimizer can only be called for the "
                    "variables it was originally built with. When working with a new set of "
                    "variables, you should recreate a new optimizer instance."
                )

    def _accumulate_and_update(self, grads, variables, indices, learning_rate):
        """Sum gradients for N-1 steps; on the N-th, update with their mean and reset."""
        steps = self.gradient_accumulation_steps
        accumulators = [self._accumulated_gradients[i].value for i in indices]
        if (int(self._iterations.value) + 1) % steps != 0:
            for grad, accumulator in zip(grads, accumulators):
                accumulator += grad
            return
        means = []
        for grad, accumulator, i in zip(grads, accumulators, indices):
            mean = np.add(grad, accumulator, out=self._gradient_buffers[i])
            means.append(np.divide(mean, mean.dtype.type(steps), out=mean))
        self._update(means, variables, indices, learning_rate)
        for accumulator in accumulators:
            accumulator.fill(0)

    def _fit_gradient_buffers(self, variables):
        """The arrays `fit`'s tape writes the gradients of `variables` into (its `into=`),
        kept across steps. Builds the optimizer, as Keras' `fit` does before the first step,
        and packs the variables where the rule allows."""
        if not self.built:
            self.build(variables)
        if self._packing is None:
            self._packing = packing.pack(self)
        return self._tape_gradients

    def _update(self, grads, variables, indices, learning_rate):
        grads = self._clip_gradients(grads, indices)
        units = self._units(grads, variables)
        self._apply_weight_decay(units, learning_rate)
        self._update_variables(units, learning_rate)

    def _units(self, grads, variables):
        """What this update runs `update_step` on, as `(optimizer, gradient, variable)`: each
        chunk of the packed dtypes' flat arrays with its `packing.PackedView` of this
        optimizer, where the variables were packed and still are, else each variable with this
        optimizer."""
        if self._packing and packing.ENABLED:
            units = self._packing.units(self, grads, variables)
            if units is not None:
                return units
        return [(self, grad, variable) for grad, variable in zip(grads, variables)]

    def _update_variables(self, units, learning_rate):
        """Run the update rule on every unit (Nadam hooks its per-update state here): in two
        threads, about half the elements each, where that was measured to pay."""
        taken = _other_threads_share(self, units)
        if taken is None:
            _update_units(units, learning_rate)
            return
        trial = self.__dict__.setdefault("_split_trial", _SplitTrial())
        split = trial.next_is_split()
        start = time.perf_counter()
        if split:
            done = _update_worker().submit(
                _update_units_flushed, [units[i] for i in taken], learning_rate)
            _update_units([u for i, u in enumerate(units) if i not in taken], learning_rate)
            done.result()
        else:
            _update_units(units, learning_rate)
        trial.record(split, time.perf_counter() - start)

    def update_step(self, gradient, variable, learning_rate):
        """Update `variable.value` (and this optimizer's slots for it) in place."""
        raise NotImplementedError

    def _clip_gradients(self, grads, indices):
        if not (self.clipnorm or self.global_clipnorm or self.clipvalue):
            return grads
        buffers = [self._gradient_buffers[i] for i in indices]
        if self.clipnorm and self.clipnorm > 0:
            return [_clip_by_norm(g, self.clipnorm, out) for g, out in zip(grads, buffers)]
        if self.global_clipnorm and self.global_clipnorm > 0:
            dtype = grads[0].dtype.type
            norm = np.sqrt(dtype(sum(dtype(np.vdot(g, g)) for g in grads)))
            with np.errstate(divide="ignore"):
                inverse = dtype(1) / norm
            # A non-finite norm makes the scale NaN (norm - norm), as in Keras.
            scale = dtype(self.global_clipnorm) * min(inverse, dtype(1 / self.global_clipnorm))
            scale += norm - norm
            return [np.multiply(g, scale, out=out) for g, out in zip(grads, buffers)]
        if self.clipvalue and self.clipvalue > 0:
            limit = self.clipvalue
            return [np.clip(g, -limit, limit, out=out) for g, out in zip(grads, buffers)]
        return grads

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempt variables from weight decay: these ones, or those whose name contains any
        of `var_names`. (Keras documents "before `build`" but, as here, honours it at any time.)"""
        self._exclude_from_weight_decay = {id(v) for v in var_list or ()}
        self._exclude_from_weight_decay_pattern = (
            re.compile("|".join(set(var_names))) if var_names else None
        )

    def _use_weight_decay(self, variable):
        if id(variable) in getattr(self, "_exclude_from_weight_decay", ()):
            return False
        pattern = getattr(self, "_exclude_from_weight_decay_pattern", None)
        return pattern is None or pattern.search(variable.name) is None

    def _apply_weight_decay(self, units, learning_rate):
        if self.weight_decay is None:
            return
        for optimizer, _, variable in units:  # packed units: every variable is decayed
            if optimizer is not self or self._use_weight_decay(variable):
                value = variable.value
                decay = optimizer._scratch[optimizer._get_variable_index(variable)][0]
                dtype = value.dtype.type
                np.multiply(value, dtype(self.weight_decay), out=decay)
                decay *= dtype(learning_rate)
                value -= decay

    def _update_moving_averages(self):
        """`average = m * average + (1 - m) * weight`; m is 0 at the first update."""
        iterations = int(self.iterations)
        for variable, average, scratch in zip(
            self._trainable_variables, self._model_variables_moving_average, self._scratch
        ):
            dtype = variable.value.dtype.type
            momentum = dtype(self.ema_momentum) * dtype(iterations != 0)
            average.value *= momentum
            average.value += np.multiply(variable.value, dtype(1) - momentum, out=scratch[0])
        frequency = self.ema_overwrite_frequency
        if frequency and (iterations + 1) % frequency == 0:
            self._overwrite_model_variables_with_average_value(self._trainable_variables)

    def _overwrite_model_variables_with_average_value(self, trainable_variables):
        if len(trainable_variables) != len(self._model_variables_moving_average):
            raise ValueError(
                f"The length of model variables ({len(trainable_variables)}) to override does "
                "not match the length of model variables stored in the optimizer "
                f"({len(self._model_variables_moving_average)}). Please check if the optimizer "
                "was called on your model."
            )
        for variable, average in zip(trainable_variables, self._model_variables_moving_average):
            np.copyto(variable.value, average.value)

    def finalize_variable_values(self, var_list):
        """At the end of training: with `use_ema`, set the weights to their moving average."""
        if self.use_ema:
            self._overwrite_model_variables_with_average_value(var_list)

    def scale_loss(self, loss):
        """The loss multiplied by `loss_scale_factor` (when set)."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    # ------------------------------------------------------------------------------------------
    # Config

    def get_config(self):
        if isinstance(self._learning_rate, Variable):
            learning_rate = float(self._learning_rate.value)
        else:  # a schedule or a function
            learning_rate = registry.serialize(self._learning_rate)
        config = {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }
        if self._legacy_decay:
            config["decay"] = self._legacy_decay
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """An optimizer from a Keras 3 config, or a Keras 2 one (`lr`, `decay`, ...)."""
        config = dict(config)
        if "lr" in config:  # Keras 2 configs; renamed silently, as Keras 2 did
            config["learning_rate"] = config.pop("lr")
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(
                config["learning_rate"], custom_objects=custom_objects
            )
        return cls(**config)


# Splitting the update. numpy releases the GIL in its loops, so two threads each updating half
# the weights can use both cores; each variable's arithmetic is unchanged, so the numbers are
# too. Whether it pays depends on the machine: after a product on two BLAS threads, OpenBLAS'
# idle worker spins on the second core for a tenth of a second and can halve the other
# thread's speed. So it is tried only for large updates, when the thread policy gave this
# `fit` more than one thread (free CPUs: `backend.blas_threads_for`), only for the built-in
# update rules (their `update_step` touches nothing shared but read-only scalars), and kept
# only where it measured faster: the first updates alternate between the two ways, timed.
SPLIT_MIN_SIZE = 1 << 18  # elements updated per step (mnist_mlp: 669k)
TRIALS = 8  # timed updates of each way before choosing
_worker = None


class _SplitTrial:
    """Alternate split and serial updates, `TRIALS` each, then keep the faster (by median;
    the split must win by 10%). A change of the thread count starts a new trial."""

    def __init__(self):
        self.times, self.decided, self.threads = {True: [], False: []}, None, None

    def next_is_split(self):
        if self.threads != _threads_in_use():
            self.__init__()
            self.threads = _threads_in_use()
        if self.decided is not None:
            return self.decided
        return len(self.times[True]) <= len(self.times[False])

    def record(self, split, seconds):
        if self.decided is not None:
            return
        self.times[split].append(seconds)
        if min(len(t) for t in self.times.values()) >= TRIALS:
            serial = sorted(self.times[False])[TRIALS // 2]
            self.decided = sorted(self.times[True])[TRIALS // 2] < 0.9 * serial


def _not_built_error():
    return ValueError(
        "When passing `grads` without `variables`, the optimizer must already be built on a "
        "list of variables. Call `optimizer.build(trainable_variables)` first. ")


def _update_units(units, learning_rate):
    for optimizer, grad, variable in units:
        optimizer.update_step(grad, variable, learning_rate)


def _update_units_flushed(units, learning_rate):
    """`_update_units` in another thread, with the flush its caller's thread has."""
    flushing = subnormals.flush_to_zero()
    try:
        _update_units(units, learning_rate)
    finally:
        subnormals.restore(flushing)  # without the modes, the caller's thread zeroes them


def _written(optimizer, variables):
    """The float arrays an update writes: the optimizer's variables (slots, averages,
    accumulators, scalars) and the updated variables; packed, the flat arrays that hold the
    slots and weights (fewer, larger arrays), and the scalars."""
    arrays = [v.value for v in optimizer._variables]
    if optimizer._packing:
        return [a for a in arrays if a.ndim == 0] + optimizer._packing.flat_arrays
    return arrays + [v.value for v in variables]


def _other_threads_share(optimizer, units):
    """The indices of the units the worker thread takes (about half the elements, largest
    first), or None to update in this thread alone."""
    if not _split_update(optimizer):
        return None
    sizes = [variable.value.size for _, _, variable in units]
    if sum(sizes) < SPLIT_MIN_SIZE or len(units) < 2:
        return None
    share, taken, half = set(), 0, sum(sizes) / 2
    for index in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        if taken + sizes[index] <= half or not share:
            share.add(index)
            taken += sizes[index]
    return share if len(share) < len(units) else None


def _split_update(optimizer):
    # What the running fit chose: BLAS threads for its products, or threads sharing its work.
    return (_threads_in_use() > 1 and _built_in_rule(type(optimizer)))


def _threads_in_use():
    return max(backend._blas_threads or 1, parallel.sharing_threads())


@functools.lru_cache(maxsize=None)
def _built_in_rule(cls):
    return (cls.update_step.__module__.startswith("minikeras.optimizers")
            and cls._update_variables.__module__.startswith("minikeras.optimizers"))


def _update_worker():
    global _worker
    if _worker is None:
        from concurrent.futures import ThreadPoolExecutor

        # Made inside an update's flush scope, whose modes a new thread inherits.
        _worker = ThreadPoolExecutor(1, thread_name_prefix="minikeras-update",
                                     initializer=subnormals.clear_in_new_thread)
    return _worker


def _full_signature(init):
    """A subclass `__init__(self, <own args>, **kwargs)` as Keras spells it: its own arguments,
    then the common ones it passes on through `**kwargs`, then `**kwargs`."""
    own = inspect.signature(init)
    params = [p for p in own.parameters.values() if p.kind is not p.VAR_KEYWORD]
    names = {p.name for p in params}
    common = [
        p for p in inspect.signature(Optimizer.__init__).parameters.values()
        if p.name not in names and p.name != "self"
    ]
    if any(p.name == "learning_rate" for p in common):  # `__init__(self, **kwargs)`: keep as is
        return own
    return own.replace(parameters=params + common)


def _warn(message):
    """A UserWarning pointing at the first caller outside minikeras' optimizers."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith(__package__):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, stacklevel=level)


def _build_once(build):
    """Wrap a subclass's `build`: a second call is a no-op, as in Keras."""

    def wrapper(self, variables):
        if self.built:
            return
        build(self, variables)
        self.built = True

    wrapper.__wrapped__ = build
    wrapper.__doc__ = build.__doc__
    return wrapper


_VALUE, _DTYPE = operator.attrgetter("value"), operator.attrgetter("dtype")
_CONSTRAINT = operator.attrgetter("constraint")


def _arrays_of(grads, variables):
    """Whether every gradient is an ndarray of its variable's dtype already (`_as_array` would
    keep each as it is): checked in C, as every update checks it."""
    return (all(map(operator.is_, map(type, grads), itertools.repeat(np.ndarray)))
            and list(map(_DTYPE, grads)) == list(map(_DTYPE, map(_VALUE, variables))))


def _as_array(gradient, dtype):
    gradient = gradient.value if isinstance(gradient, Variable) else gradient
    gradient = np.asarray(gradient)
    return gradient if gradient.dtype == dtype else gradient.astype(dtype)


def _filter_empty_gradients(grads, variables):
    if len(grads) == len(variables) and all(map(operator.is_not, grads, itertools.repeat(None))):
        return grads, variables  # nothing to drop (checked in C)
    kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
    if not kept:
        raise ValueError("No gradients provided for any variable.")
    if len(kept) < len(variables):
        missing = [getattr(v, "path", v.name) for g, v in zip(grads, variables) if g is None]
        _warn(
            f"Gradients do not exist for variables {missing} when minimizing the loss. If using "
            "`model.compile()`, did you forget to provide a `loss` argument?"
        )
    return [g for g, _ in kept], [v for _, v in kept]


def _clip_by_norm(gradient, clipnorm, out):
    """`g * clipnorm / max(||g||, clipnorm)`, in the gradient's dtype (as `tf.clip_by_norm`)."""
    dtype = gradient.dtype.type
    squared = dtype(np.vdot(gradient, gradient))
    norm = np.sqrt(squared) if squared > 0 else squared
    clip = dtype(clipnorm)
    np.multiply(gradient, clip, out=out)
    return np.divide(out, max(norm, clip), out=out)
