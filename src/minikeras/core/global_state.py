"""Objects and flags that `clear_session` drops (Keras' global state), per thread as in Keras 3:
kept here, below everything, so that the backend can drop what modules above it made."""

import threading

SEED_GENERATOR = "global_seed_generator"  # keras.random's, for `seed=None`
INTERACTIVE_LOGGING = "interactive_logging"  # False: messages go to `logging`, not stdout
DTYPE_POLICY = "dtype_policy"  # keras.config.set_dtype_policy's, for layers of `dtype=None`
TRACEBACK_FILTERING = "traceback_filtering"
FLASH_ATTENTION = "flash_attention"  # keras.config's flag: False once disabled, else None

_attributes = threading.local()


def get(name, default=None):
    return getattr(_attributes, name, default)


def set(name, value):  # noqa: A001 (the module's own namespace)
    setattr(_attributes, name, value)
    return value


def clear():
    """Forget every attribute, in every thread."""
    global _attributes
    _attributes = threading.local()
