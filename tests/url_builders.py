"""Werkzeug's URL builders compiled once per test process instead of once per application.

Each time an application is created, Werkzeug compiles two small Python functions for every
route (the ones ``url_for`` calls), through ``ast`` and ``compile``: about 30 ms of every test's
``app`` fixture, a quarter of the app suite's time, for the same ninety routes each time. A
builder is a pure function of the route's pattern, its defaults and whether it appends unknown
arguments; it reads the route's converters through the rule it is bound to, when called. So
:func:`install` keeps each one compiled under exactly those inputs and hands the same code to
the next application with the same route. Routes whose defaults fill one of their variables
(resolved through a converter at compile time) are compiled every time, as before.

If Werkzeug's private names change, :func:`install` does nothing and the suite is only slower.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing import Rule

_compiled: dict[tuple, Callable[..., tuple[str, str]]] = {}


def _key(rule: Rule, append_unknown: bool) -> tuple | None:
    defaults = rule.defaults or {}
    if any(is_dynamic and data in defaults for is_dynamic, data in rule._trace):
        return None
    try:
        return (rule.rule, tuple(rule._trace), tuple(sorted((str(k), repr(v)) for k, v in defaults.items())),
                append_unknown)
    except TypeError:  # something unusual in the trace: compile as Werkzeug does
        return None


def install() -> None:
    """Wrap ``Rule._compile_builder`` with the cache (once per process)."""
    original: Any = getattr(Rule, "_compile_builder", None)
    if original is None or getattr(original, "cached_by_tests", False):
        return

    def compile_builder(self: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        key = _key(self, append_unknown) if hasattr(self, "_trace") else None
        if key is None:
            return original(self, append_unknown)
        if key not in _compiled:
            _compiled[key] = original(self, append_unknown)
        return _compiled[key]

    compile_builder.cached_by_tests = True  # type: ignore[attr-defined]
    Rule._compile_builder = compile_builder  # type: ignore[method-assign]
