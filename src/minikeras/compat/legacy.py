"""Keras 1 and 2 argument spellings that old scripts still use, accepted with a warning.

Each is renamed to its Keras 3 name before the call, so one definition serves both spellings:
`Dense(10, init="uniform", W_regularizer=l2(0.01))` is `Dense(10,
kernel_initializer="uniform", kernel_regularizer=l2(0.01))`. (The optimizers' `lr` and
`decay` have their own handling in `Optimizer`, since `decay` changes the update.)
"""

import functools
import warnings

# Keras 1's Dense arguments, by Keras 3 name (Keras 2.0 accepted them with the same warning).
DENSE = {
    "output_dim": "units", "init": "kernel_initializer", "W_regularizer": "kernel_regularizer",
    "b_regularizer": "bias_regularizer", "W_constraint": "kernel_constraint",
    "b_constraint": "bias_constraint", "bias": "use_bias",
}


def renamed_arguments(renames):
    """Decorator for a constructor: accept each old keyword of `renames` ({old: new}) as `new`,
    with a UserWarning naming the new spelling."""

    def decorate(init):
        @functools.wraps(init)
        def wrapper(self, *args, **kwargs):
            for old in [old for old in renames if old in kwargs]:
                new = renames[old]
                if new in kwargs:
                    raise TypeError(f"Got both `{old}` and `{new}`; `{old}` is the old name "
                                    f"of `{new}`.")
                kwargs[new] = kwargs.pop(old)
                warnings.warn(
                    f"`{old}` is the Keras 1 name of `{new}`: update your "
                    f"`{type(self).__name__}` call to `{new}={kwargs[new]!r}`.",
                    UserWarning, stacklevel=2,
                )
            return init(self, *args, **kwargs)

        return wrapper

    return decorate
