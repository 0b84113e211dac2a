"""Values that are pure functions of their inputs, kept in the database for every server:
a chart's SVG drawn from its figures, a questionnaire's disclosure pattern from its cells.

A freshly started server (or the other servers behind the load balancer) reads what one of
them computed instead of drawing or deciding again. The key is a hash of the inputs and of
the source of the code that computes the value, so new inputs or a new release compute
afresh; nothing is ever invalidated by hand. Rows written more than ``STORED_RESULT_DAYS``
ago are pruned. Outside an application context, or when the database refuses a write, the value is
simply computed.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import has_app_context
from sqlalchemy import delete, exc, insert, select

from .database import WRITE, is_unavailable
from .extensions import db
from .models import StoredResult, utcnow

T = TypeVar("T")
log = logging.getLogger(__name__)

#: Stored values written longer ago than this many days are deleted.
STORED_RESULT_DAYS = 30
_sources: dict[str, str] = {}


def source_digest(*paths: str) -> str:
    """A hash of the source files that compute a value (part of its key)."""
    key = "|".join(paths)
    if key not in _sources:
        digest = hashlib.sha256()
        for path in paths:
            digest.update(Path(path).read_bytes())
        _sources[key] = digest.hexdigest()
    return _sources[key]


def remembered(kind: str, inputs: Any, compute: Callable[[], T], *, code: str,
               encode: Callable[[T], str] = json.dumps, decode: Callable[[str], T] = json.loads) -> T:
    """``compute()``, or the value stored for the same ``kind``, ``inputs`` (anything
    ``repr`` renders deterministically) and ``code`` (:func:`source_digest`)."""
    if not has_app_context():
        return compute()
    key = hashlib.sha256(f"{kind}|{code}|{inputs!r}".encode()).hexdigest()
    engine = db.engine
    try:
        with engine.connect() as connection:
            found = connection.execute(select(StoredResult.value).where(StoredResult.key == key)).scalar()
    except exc.DBAPIError as error:
        if not is_unavailable(error):
            raise
        found = None
    if found is not None:
        return decode(found)
    value = compute()
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(**WRITE)
            with connection.begin():
                connection.execute(delete(StoredResult).where(
                    StoredResult.created_at < utcnow() - dt.timedelta(days=STORED_RESULT_DAYS)))
                connection.execute(insert(StoredResult).values(key=key, kind=kind, value=encode(value)))
    except exc.IntegrityError:
        pass  # another server stored the same value meanwhile
    except exc.SQLAlchemyError as error:
        # best effort, like any cache: unavailable, full, read-only or not granted
        log.warning("stored result %s not kept: %s", kind, error)
    return value
