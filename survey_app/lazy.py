"""Modules imported on first use, so that a worker serving only citizens never loads them.

The results engine, the charts and the exports pull in NumPy, SciPy, pandas and matplotlib
(about 150 MB and a second of start-up). The modules whose views or helpers need them at
request time hold a :func:`lazy_module` instead of a top-level import: the real module is
imported (under Python's import lock, so two threads cannot half-import it) the first time
one of its attributes is read, and every later read goes straight to it.
"""
from __future__ import annotations

import importlib
import types
from typing import Any


class LazyModule(types.ModuleType):
    """Stands for the module ``name`` until an attribute is first read."""

    def __init__(self, name: str):
        super().__init__(name)
        self.__dict__["_lazy_module"] = None

    def __getattr__(self, attribute: str) -> Any:
        module = self.__dict__["_lazy_module"]
        if module is None:
            module = self.__dict__["_lazy_module"] = importlib.import_module(self.__name__)
        return getattr(module, attribute)


def lazy_module(name: str) -> Any:
    """The module ``name`` (absolute), imported on first attribute access."""
    return LazyModule(name)
