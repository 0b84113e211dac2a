"""What every test application would compile again, compiled once per test process: Werkzeug's
URL builders and Jinja's templates.

Each test creates an application of its own (its own database, nothing kept from the test
before), and each application compiled the same code again: two small Python functions per
route for ``url_for`` (through ``ast`` and ``compile``, about 20 ms of every ``app`` fixture),
and every template a test renders (its Jinja environment is new). Neither result depends on the
application: a URL builder is a pure function of the route's pattern, its defaults and whether
it appends unknown arguments (it reads the route's converters through the rule it is bound to,
when called), and a template's code of its source and of the environment's settings, the same
for every application ``tests.helpers.make_app`` makes.

:func:`install` keeps each URL builder under exactly those inputs (routes whose defaults fill one
of their variables, resolved through a converter when compiled, are compiled every time, as
before); if Werkzeug's private names change, it does nothing and the suite is only slower.
:data:`TEMPLATES` is a Jinja bytecode cache (Jinja's documented hook), keyed by template name
and checked against the source's checksum.
"""
from __future__ import annotations

from collections.abc import Callable
from types import CodeType
from typing import Any

from jinja2.bccache import Bucket, BytecodeCache
from werkzeug.routing import Rule

_builders: dict[tuple, Callable[..., tuple[str, str]]] = {}


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
    """Wrap ``Rule._compile_builder`` with the cache of URL builders (once per process)."""
    original: Any = getattr(Rule, "_compile_builder", None)
    if original is None or getattr(original, "cached_by_tests", False):
        return

    def compile_builder(self: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        key = _key(self, append_unknown) if hasattr(self, "_trace") else None
        if key is None:
            return original(self, append_unknown)
        if key not in _builders:
            _builders[key] = original(self, append_unknown)
        return _builders[key]

    compile_builder.cached_by_tests = True  # type: ignore[attr-defined]
    Rule._compile_builder = compile_builder  # type: ignore[method-assign]


class _Templates(BytecodeCache):
    """Compiled templates in memory, for every Jinja environment of the process."""

    def __init__(self) -> None:
        self.code: dict[str, tuple[str, CodeType | None]] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        checksum, code = self.code.get(bucket.key, ("", None))
        if checksum == bucket.checksum:
            bucket.code = code

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = (bucket.checksum, bucket.code)


#: Set as ``app.jinja_env.bytecode_cache`` by ``tests.helpers.make_app``.
TEMPLATES = _Templates()
