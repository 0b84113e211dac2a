"""Bulk writes: what an import's one write transaction changes to store a million sheets in a
minute on SQLite, and puts back before the connection returns to the pool.

What makes a large import cheaper than "insert every row through everything":

- a page cache large enough for the response indexes (random submission ids and receipts
  land anywhere in them), set here;
- from ``write_transaction(bulk=True)`` (survey_app/database.py ``BULK_SETTINGS``, set before
  BEGIN and put back at check-in): temporary files in memory (every INSERT keeps a statement
  journal, which once spilled to a temporary file costs a write per page per row), and no
  foreign key checked row by row, a search of the response table per answer: the import
  checks once, in its transaction, the questionnaire, version and cycle every response names
  (:func:`.sheets.check_references`), and each answer names a response it has just stored;
- the change count of migration 0014 (``response_changes``, which the stored tallies of
  :mod:`survey_app.results.tally` compare with the rows they counted) raised once for all the
  rows stored, instead of by two trigger statements per row, a third of an import's time: the
  row-insert triggers are dropped inside the transaction and created again, from their own
  SQL, before it commits; a rollback (an invalid row, a crash) restores them with everything
  else, and other connections never see the schema without them (SQLite's write lock and
  snapshots). The count ends where the triggers would have left it;
- with no INSERT trigger left on response and answer (:attr:`BulkWrites.untriggered`), the
  import's statements of 256 rows are ``INSERT OR FAIL`` (:func:`.sheets._insert_rows`), which
  SQLite runs without a statement journal; an OR clause would otherwise override the conflict
  clauses of the statements a trigger runs.

Only triggers whose body is exactly the known one are suspended: a trigger changed by a later
migration keeps firing row by row. PostgreSQL needs none of this (its triggers run once per
statement).

On every database, the objects the process holds when the import begins (the app, its
libraries: a hundred thousand and more) are set aside from Python's cyclic garbage collector
until it ends (``gc.freeze``): the chunks of sheets an import allocates set off a full
collection every few thousand sheets, and each one walked them all, a fifth of an import's
time. Nothing is lost: they are handed back (``gc.unfreeze``) and collected as before.
"""
from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..extensions import db

BULK_CACHE_KIB = 256 * 1024
# Set for the import's transaction, and put back to what the connection had.
BULK_PRAGMAS = (("cache_size", -BULK_CACHE_KIB),)

# Migration 0014's row-insert triggers on response and answer, and their one body.
CHANGE_TRIGGERS = ("response_changes_insert", "answer_changes_insert")
CHANGE_TRIGGER_BODY = ("BEGIN INSERT OR IGNORE INTO response_changes (id, count) VALUES (1, 0); "
                       "UPDATE response_changes SET count = count + 1 WHERE id = 1; END")


class BulkWrites:
    """What one bulk transaction stored while the change triggers were suspended."""

    def __init__(self, suspended: bool, untriggered: bool = False):
        self.suspended = suspended
        # No INSERT trigger left on response and answer: statements may take an OR clause.
        self.untriggered = untriggered
        self.rows = 0

    def stored(self, rows: int) -> None:
        """``rows`` rows inserted into response or answer (each one a trigger would have counted)."""
        self.rows += rows


def _change_triggers(driver: Any) -> list[tuple[str, str]]:
    """(name, SQL) of the change triggers to suspend: all of them when each has the known
    body, else none (a table whose trigger still fires must not be counted twice)."""
    found = driver.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN"
        f" ({', '.join('?' * len(CHANGE_TRIGGERS))})", CHANGE_TRIGGERS).fetchall()
    known = [(name, sql) for name, sql in found if " ".join(sql.split()).endswith(" " + CHANGE_TRIGGER_BODY)]
    return known if len(known) == len(CHANGE_TRIGGERS) else []


def _on_insert(trigger_sql: str) -> bool:
    """Whether a trigger fires on INSERT (``… [BEFORE|AFTER|INSTEAD OF] INSERT ON table …``)."""
    header = re.split(r"\bBEGIN\b", trigger_sql, maxsplit=1, flags=re.IGNORECASE)[0]
    return re.search(r"\bINSERT\s+ON\b", header, flags=re.IGNORECASE) is not None


@contextmanager
def bulk_writes() -> Iterator[BulkWrites]:
    """Inside an import's ``write_transaction(bulk=True)``: on SQLite, the settings and the
    suspended change triggers of the module's paragraph, all put back when this ends (the
    count raised first, on success); on every database, the heap set aside from the garbage
    collector."""
    gc.freeze()
    try:
        with _sqlite_bulk_writes() as bulk:
            yield bulk
    finally:
        gc.unfreeze()


@contextmanager
def _sqlite_bulk_writes() -> Iterator[BulkWrites]:
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        yield BulkWrites(suspended=False)
        return
    driver: Any = connection.connection.driver_connection  # the sqlite3 connection
    previous = [(name, driver.execute(f"PRAGMA {name}").fetchone()[0]) for name, _value in BULK_PRAGMAS]
    for name, value in BULK_PRAGMAS:
        driver.execute(f"PRAGMA {name} = {value}")
    dropped: list[str] = []
    try:
        triggers = _change_triggers(driver)
        for name, sql in triggers:
            driver.execute(f'DROP TRIGGER "{name}"')
            dropped.append(sql)
        left = driver.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'"
                              " AND tbl_name IN ('response', 'answer')").fetchall()
        bulk = BulkWrites(suspended=bool(triggers), untriggered=not any(_on_insert(sql) for sql, in left))
        yield bulk
        if bulk.rows and triggers:
            # What the triggers would have done, row after row.
            driver.execute("INSERT OR IGNORE INTO response_changes (id, count) VALUES (1, 0)")
            driver.execute("UPDATE response_changes SET count = count + ? WHERE id = 1", (bulk.rows,))
    finally:
        try:
            for sql in dropped:  # on failure too: the rollback would, but nothing may rest on it
                driver.execute(sql)
        finally:
            for name, value in previous:
                driver.execute(f"PRAGMA {name} = {value}")
