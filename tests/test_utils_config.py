"""`keras.utils.Config`, as Keras 3.15 behaves (each expectation below read off it)."""

import pytest

from minikeras.utils import Config


def test_entries_are_attributes_and_items():
    config = Config(learning_rate=0.1, momentum=0.9)
    config.units = 4
    config["layers"] = 2
    assert config.layers == 2 and config["units"] == 4 and config.get("nope", 5) == 5
    assert list(config) == ["layers", "learning_rate", "momentum", "units"]  # sorted
    assert len(config) == 4 and "units" in config and "frozen" not in config
    assert repr(config) == ("<Config {'learning_rate': 0.1, 'momentum': 0.9, 'units': 4, "
                            "'layers': 2}>")
    assert config.to_json() == '{"learning_rate": 0.1, "momentum": 0.9, "units": 4, "layers": 2}'
    copied = config.as_dict()
    copied["momentum"] = 0.0
    assert config.momentum == 0.9
    assert config.pop("units") == 4 and list(config.keys()) == ["learning_rate", "momentum",
                                                                "layers"]


def test_unknown_attributes_suggest_the_closest_entry():
    config = Config(learning_rate=0.1)
    with pytest.raises(AttributeError, match=r"^Unknown attribute: 'learning_rat'\. Did you "
                                             r"mean 'learning_rate'\?$"):
        config.learning_rat
    with pytest.raises(AttributeError, match=r"^Unknown attribute: 'zzz'\.$"):
        config.zzz


@pytest.mark.parametrize("change", [
    lambda c: setattr(c, "x", 1), lambda c: c.pop("a"), lambda c: c.update(b=1),
    lambda c: c.__delitem__("a"), lambda c: c.__setitem__("q", 1),
])
def test_a_frozen_config_refuses_every_change(change):
    config = Config(a=1)
    config.freeze()
    assert config.frozen
    with pytest.raises(ValueError, match="^Cannot mutate attribute\\(s\\) because the config "
                                         "is frozen\\.$"):
        change(config)
    config.unfreeze()
    change(config)
