"""Write compat/data/keras_api_names.json: every public name of Keras 3's API, by module.

Run under the oracle: `/tmp/oracle/bin/python compat/make_api_names.py`. `docs/api.md` (made by
`python -m minikeras.compat.api_doc`) compares it with what minikeras provides.
"""

import json
import pathlib
import types

import keras

OUT = pathlib.Path(__file__).resolve().parent / "data" / "keras_api_names.json"


def walk(module, path, found):
    """Record `module`'s public non-module names under `path`, then walk its public submodules."""
    names, submodules = [], []
    for name in sorted(dir(module)):
        if name.startswith("_"):
            continue
        value = getattr(module, name)
        if isinstance(value, types.ModuleType):
            if value.__name__.startswith("keras.") and ".src" not in value.__name__:
                submodules.append(name)
        else:
            names.append(name)
    found[path] = names
    for name in submodules:
        walk(getattr(module, name), f"{path}.{name}" if path else name, found)


def main():
    found = {}
    walk(keras, "", found)
    document = {"keras_version": keras.__version__, "modules": found}
    OUT.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    print(f"Wrote {OUT} ({sum(map(len, found.values()))} names in {len(found)} modules)")


if __name__ == "__main__":
    main()
