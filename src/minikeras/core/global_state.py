"""Process-wide objects that `clear_session` drops (Keras' global state): kept here, below
everything, so that the backend can drop what modules above it made."""

SEED_GENERATOR = "global_seed_generator"  # keras.random's, for `seed=None`

_attributes = {}


def get(name):
    return _attributes.get(name)


def set(name, value):  # noqa: A001 (the module's own namespace)
    _attributes[name] = value
    return value


def clear():
    _attributes.clear()
