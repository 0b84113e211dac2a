"""The caches of the results engine: finished results keyed on the request and a fingerprint
of the data, and each process's copy of the cycles' persisted tallies
(:mod:`survey_app.results.tally`).

A page view recomputes nothing while the data are unchanged; the fingerprint (largest
response id and the count of response changes kept by triggers, cycle states and margins,
versions, the commitments, units and questionnaires shown beside the figures, the minimum cell
size, the decisions on suspected ballot stuffing) changes with any new or removed response, so
a page after a new submission recomputes its statistics from up-to-date tables. The
fingerprint is read from the database, so several servers agree on it; with ``REDIS_URL``
they also share finished results (:mod:`survey_app.results.shared`).
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, has_request_context
from sqlalchemy import func, select

from ..extensions import db
from ..models import (BurstReview, Commitment, Cycle, ImprovementAction, OperationalIndicator, Questionnaire,
                      QuestionnaireVersion, Response, ResponseChanges, Unit)
from . import shared

T = TypeVar("T")


class Cache:
    """A small per-process LRU cache keyed on the request and a fingerprint of the data."""

    def __init__(self, size: int = 64):
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


#: Finished results (overview, one questionnaire, drill-down, sites).
results_cache = Cache()
#: Per-cycle tallies as last read or stored (:class:`survey_app.results.tally.Tally`), checked
#: against their state row before use.
table_cache = Cache(size=256)
#: Suspected bursts per questionnaire and cycle (:mod:`survey_app.results.stuffing`), apart
#: so that many questionnaires do not push finished results out.
burst_cache = Cache(size=512)


def clear_cache() -> None:
    """Forget every cached result and table (benchmarks; data changes are detected anyway)."""
    results_cache.clear()
    table_cache.clear()
    burst_cache.clear()


def fingerprint() -> tuple:
    """Changes whenever a response is added or removed, a cycle changes state or margins, or
    an evaluator decides on a suspected burst."""
    if has_request_context() and "results_fingerprint" in g:
        return g.results_fingerprint
    # the change count moves with every response or answer added, changed or removed, in the
    # writing transaction (triggers, migration 0014): no count(*) over the responses
    stats = (db.session.execute(select(func.max(Response.id))).scalar(),
             db.session.execute(select(ResponseChanges.count).where(ResponseChanges.id == 1)).scalar())
    columns = [Cycle.id, Cycle.code, Cycle.state]
    if hasattr(Cycle, "population_margins"):
        columns.append(Cycle.population_margins)
    cycles = db.session.execute(select(*columns).order_by(Cycle.id)).all()
    digest = hashlib.sha256(json.dumps([list(map(_jsonable, c)) for c in cycles],
                                       sort_keys=True, default=str).encode()).hexdigest()
    versions = db.session.execute(select(func.max(QuestionnaireVersion.id))).scalar()
    # operational indicators and improvement actions are shown beside the figures (small tables)
    beside: list[Any] = list(db.session.execute(select(OperationalIndicator.id, OperationalIndicator.updated_at)
                                .order_by(OperationalIndicator.id)).all())
    beside += db.session.execute(select(ImprovementAction.id, ImprovementAction.status, ImprovementAction.title_fr,
                                        ImprovementAction.title_en, ImprovementAction.cycle_id)
                                 .order_by(ImprovementAction.id)).all()
    # titles, norms, targets, units and publication, edited in the browser (a few rows each)
    for model in (Unit, Commitment, Questionnaire):
        table = model.__table__
        beside += db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
    # evaluators' decisions on suspected ballot stuffing change what is counted (a small table)
    beside += db.session.execute(select(BurstReview.id, BurstReview.decision, BurstReview.decided_at)
                                 .order_by(BurstReview.id)).all()
    programme = hashlib.sha256(json.dumps([list(map(_jsonable, r)) for r in beside], default=str).encode()).hexdigest()
    current = (db.engine.url.render_as_string(hide_password=True), stats, digest, versions, programme,
               current_app.config["MIN_CELL_SIZE"],
               tuple(current_app.config[k] for k in ("STUFFING_MIN_BURST", "STUFFING_SIGNIFICANCE",
                                                      "STUFFING_INLINE_LIMIT")))
    if has_request_context():
        g.results_fingerprint = current  # once per request
    return current


def _jsonable(value):
    return value if isinstance(value, (str, int, float, type(None), dict, list)) else str(value)


def cached(kind: str, args: tuple, compute: Callable[[], T]) -> T:
    """``compute()``, or its value from the cache while the data are unchanged."""
    key = (kind, args, fingerprint())
    value = results_cache.get(key)
    if value is None:
        value = shared.get(key)  # computed by another server, when they share a Redis
        if value is None:
            value = compute()
            shared.put(key, value)
        results_cache.put(key, value)
    return value
