"""Per-process memo tables for what derives from inputs that never change under their key
(a questionnaire version and a language: its form class, its fresh page, its rules; a row of
the offering query): built once, then shared by every request of the process.

Bounded, so that a worker seeing many versions (drafts previewed in the editor are versions
too) does not grow for ever; a full table is emptied whole, since its entries are cheap to
build again and the old ones (earlier versions, closed cycles) are not asked for again.
A dict, not functools.lru_cache: the keys are computed from the request (the language), not
from the function's arguments alone.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class Memo(Generic[T]):
    """``memo.get(key, build)``: the value kept for ``key``, built by ``build()`` the first time."""

    def __init__(self, limit: int):
        self.limit = limit
        self._values: dict[Hashable, T] = {}

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        found = self._values.get(key)
        if found is None:
            if len(self._values) >= self.limit:
                self._values.clear()
            found = self._values[key] = build()
        return found

    def __len__(self) -> int:
        return len(self._values)
