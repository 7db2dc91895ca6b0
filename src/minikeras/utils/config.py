"""`keras.utils.Config`: a dict read and written as attributes or items, which can be frozen."""

import copy
import difflib
import json


class Config:
    """Settings held by name: `config.learning_rate` and `config["learning_rate"]` read the
    same entry; `freeze()` makes every change raise `ValueError` until `unfreeze()`.

    Args:
        **kwargs: the initial entries.
    """

    # The names that are the object's own (methods, properties, its two fields): attributes
    # of any other name are entries. None while `__init__` sets the fields.
    _own_names = None

    def __init__(self, **kwargs):
        self._config = kwargs
        self._frozen = False
        self._own_names = frozenset(dir(self))

    @property
    def frozen(self):
        return self._frozen

    def freeze(self):
        self._frozen = True

    def unfreeze(self):
        self._frozen = False

    def _check_not_frozen(self):
        if self._frozen:
            raise ValueError("Cannot mutate attribute(s) because the config is frozen.")

    def as_dict(self):
        """A shallow copy of the entries."""
        return copy.copy(self._config)

    def to_json(self):
        return json.dumps(self._config)

    def keys(self):
        return self._config.keys()

    def values(self):
        return self._config.values()

    def items(self):
        return self._config.items()

    def get(self, keyname, value=None):
        return self._config.get(keyname, value)

    def pop(self, *args):
        self._check_not_frozen()
        return self._config.pop(*args)

    def update(self, *args, **kwargs):
        self._check_not_frozen()
        return self._config.update(*args, **kwargs)

    def __setattr__(self, name, value):
        own = object.__getattribute__(self, "_own_names")
        if own is None or name in own:
            object.__setattr__(self, name, value)
            return
        self[name] = value

    def __getattr__(self, name):  # only for names that are not the object's own
        config = object.__getattribute__(self, "_config")
        if name in config:
            return config[name]
        message = f"Unknown attribute: '{name}'."
        closest = difflib.get_close_matches(name, config.keys(), n=1, cutoff=0.7)
        if closest:
            message += f" Did you mean '{closest[0]}'?"
        raise AttributeError(message)

    def __getitem__(self, key):
        return self._config[key]

    def __setitem__(self, key, value):
        self._check_not_frozen()
        self._config[key] = value

    def __delitem__(self, key):
        self._check_not_frozen()
        del self._config[key]

    def __contains__(self, key):
        return key in self._config

    def __iter__(self):
        return iter(sorted(self._config))  # as Keras: the keys in sorted order

    def __len__(self):
        return len(self._config)

    def __repr__(self):
        return f"<Config {self._config}>"
