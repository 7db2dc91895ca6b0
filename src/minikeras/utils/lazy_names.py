"""A package namespace whose names load on first use (PEP 562).

The package lists which of its modules defines each public name; importing the package then
costs that table, and a name costs its own module the first time it is read. `package.Name`,
`from package import Name`, `from package import *` and `dir(package)` behave as if every
module had been imported up front.
"""

import importlib
import sys


def lazy_names(package, homes):
    """`(__all__, __getattr__, __dir__, _load_all)` for the package named `package`.

    Args:
        package: the package's `__name__`.
        homes: {module, relative to the package (".dense"): the public names it defines}. A
            module listed with no names is imported by `_load_all` only, for what importing it
            registers.

    A name must not be the name of a submodule of the package too: importing that submodule
    would bind the module over the name, and `__getattr__` would never be asked.
    """
    where = {name: home for home, names in homes.items() for name in names}

    def __getattr__(name):
        home = where.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home, package), name)
        setattr(sys.modules[package], name, value)  # the next lookup is a plain attribute
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(where))

    def _load_all():
        """Import every module listed, and what they list in turn (the serialization registry
        must know every built-in before it resolves a name read from a file)."""
        for home in homes:
            module = importlib.import_module(home, package)
            if "_load_all" in vars(module):
                module._load_all()

    return list(where), __getattr__, __dir__, _load_all
