"""Learning-rate schedules (`keras.optimizers.schedules`): the learning rate as a function of
the optimizer step.

Every schedule computes in float32, as Keras does (it converts its float arguments to float32
tensors), so `schedule(step)` returns the same `np.float32` Keras prints. An optimizer built with
a schedule evaluates it at its iteration count before each update.
"""

import math

import numpy as np

from minikeras.saving import registry

_MODULE = "keras.optimizers.schedules"
_F32 = np.float32


@registry.register("schedule", module=_MODULE)
class LearningRateSchedule:
    """The base of every schedule: subclasses implement `__call__(step)` and `get_config()`."""

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` in "
            "order to be serializable."
        )

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _check_decay_steps(value, argument="decay_steps"):
    if value <= 0:
        raise ValueError(f"Argument `{argument}` must be > 0. Received: {argument}={value}")


def _step(step):
    """The step as float32, whatever it came as (int, numpy scalar, the iteration Variable)."""
    return _F32(np.asarray(step))


class _IntervalDecay(LearningRateSchedule):
    """A rate that decays with `step / decay_steps` (in whole intervals when `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_decay_steps(decay_steps)

    def _progress(self, step):
        """`step / decay_steps`, in whole intervals when `staircase`."""
        p = _step(step) / _F32(self.decay_steps)
        return np.floor(p) if self.staircase else p

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


@registry.register("schedule", module=_MODULE)
class ExponentialDecay(_IntervalDecay):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`.

    Args:
        initial_learning_rate, decay_steps, decay_rate: the rate at step 0, and the factor it
            is multiplied by every `decay_steps` steps.
        staircase: decay in whole intervals (`floor(step / decay_steps)`).
        name: the schedule's name (kept in the config).
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        return _F32(self.initial_learning_rate) * np.power(_F32(self.decay_rate), self._progress(step))


@registry.register("schedule", module=_MODULE)
class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` up to and including `boundaries[0]`, `values[1]` up to `boundaries[1]`, ...

    Args:
        boundaries: increasing step numbers.
        values: one more value than boundaries.
        name: the schedule's name.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = np.asarray(step)
        # Keras casts the boundaries to the step's type (an integer step truncates them).
        boundaries = np.asarray(self.boundaries).astype(step.dtype)
        index = np.searchsorted(boundaries, step, side="left")
        return np.asarray(self.values, dtype=_F32)[index]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


@registry.register("schedule", module=_MODULE)
class PolynomialDecay(LearningRateSchedule):
    """From `initial_learning_rate` to `end_learning_rate` along `(1 - step/decay_steps)**power`.

    Args:
        initial_learning_rate, decay_steps, end_learning_rate (default 1e-4), power (default 1).
        cycle: restart the decay with a longer period after `decay_steps`, instead of holding
            `end_learning_rate`.
        name: the schedule's name.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        _check_decay_steps(decay_steps)

    def __call__(self, step):
        step = _step(step)
        decay_steps = _F32(self.decay_steps)
        if self.cycle:
            # The first multiple of decay_steps past the step (1 at step 0).
            decay_steps = decay_steps * (_F32(1) if step == 0 else np.ceil(step / decay_steps))
        else:
            step = np.minimum(step, decay_steps)
        fraction_left = _F32(1) - step / decay_steps
        end = _F32(self.end_learning_rate)
        span = _F32(self.initial_learning_rate) - end
        return span * np.power(fraction_left, _F32(self.power)) + end

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


@registry.register("schedule", module=_MODULE)
class InverseTimeDecay(_IntervalDecay):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`.

    Args:
        initial_learning_rate, decay_steps, decay_rate.
        staircase: decay in whole intervals (`floor(step / decay_steps)`).
        name: the schedule's name.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        return _F32(self.initial_learning_rate) / (
            _F32(1) + _F32(self.decay_rate) * self._progress(step)
        )


def _cosine(fraction):
    """`0.5 * (1 + cos(pi * fraction))`: 1 at the start of a period, 0 at its end."""
    return _F32(0.5) * (_F32(1) + np.cos(_F32(math.pi) * fraction))


@registry.register("schedule", module=_MODULE)
class CosineDecay(LearningRateSchedule):
    """A half cosine from the rate down to `alpha * rate` over `decay_steps`, then flat.

    Args:
        initial_learning_rate, decay_steps.
        alpha: the final rate as a fraction of the starting one.
        name: the schedule's name.
        warmup_target, warmup_steps: when `warmup_target` is set, first rise linearly from
            `initial_learning_rate` to it over `warmup_steps`, then decay from it.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        _check_decay_steps(decay_steps)

    def _decay(self, step, decay_steps, decay_from):
        fraction = step / decay_steps
        return decay_from * (_F32(1 - self.alpha) * _cosine(fraction) + _F32(self.alpha))

    def __call__(self, step):
        step = _step(step)
        initial = _F32(self.initial_learning_rate)
        decay_steps = _F32(self.decay_steps)
        if self.warmup_target is None:
            return self._decay(np.minimum(step, decay_steps), decay_steps, initial)
        target = _F32(self.warmup_target)
        warmup_steps = _F32(self.warmup_steps)
        step = np.minimum(step, decay_steps + warmup_steps)
        if step < warmup_steps:
            return (target - initial) * (step / warmup_steps) + initial
        return self._decay(step - warmup_steps, decay_steps, target)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


@registry.register("schedule", module=_MODULE)
class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): period i lasts `first_decay_steps * t_mul**i`
    steps and starts at `initial_learning_rate * m_mul**i`.

    Args:
        initial_learning_rate, first_decay_steps.
        t_mul: how much longer each period is than the one before.
        m_mul: how much lower each restart is than the one before.
        alpha: the floor of each period, as a fraction of its starting rate.
        name: the schedule's name.
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name
        _check_decay_steps(first_decay_steps, "first_decay_steps")

    def __call__(self, step):
        one = _F32(1)
        t_mul, m_mul, alpha = _F32(self._t_mul), _F32(self._m_mul), _F32(self.alpha)
        fraction = _step(step) / _F32(self.first_decay_steps)
        if t_mul == one:
            restart = np.floor(fraction)
            fraction = fraction - restart
        else:
            # Periods grow geometrically: find the period from the sum of the series.
            restart = np.floor(np.log(one - fraction * (one - t_mul)) / np.log(t_mul))
            elapsed = (one - np.power(t_mul, restart)) / (one - t_mul)
            fraction = (fraction - elapsed) / np.power(t_mul, restart)
        cosine = _F32(0.5) * np.power(m_mul, restart) * (one + np.cos(_F32(math.pi) * fraction))
        return _F32(self.initial_learning_rate) * ((one - alpha) * cosine + alpha)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


def serialize(learning_rate_schedule):
    """A schedule as Keras 3 serializes it: `{module, class_name, config, registered_name}`."""
    return registry.serialize(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    """Rebuild a schedule from a Keras 2 or Keras 3 config dict."""
    return registry.deserialize("schedule", config, custom_objects)
