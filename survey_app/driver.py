"""Statements run straight on a pooled connection's driver: the citizen's reads and the
submission's write.

On the citizen's pages, SQLAlchemy's machinery around a statement (the session and its
transaction, connection events, the execution context, result objects) costs several times
the statement itself, and a submission is the platform's busiest write. Here the statements
are still SQLAlchemy Core, compiled once per dialect, and every value goes through its
column type's bind processor as SQLAlchemy would send it; only the execution is the driver's.
A driver error is raised as SQLAlchemy's own (``DBAPIError.instance``), a lost connection
invalidated, so :func:`~survey_app.database.is_unavailable` and the ``IntegrityError`` of a
replay mean what they mean elsewhere. The SQLite file check, the writers' queue and the
health check's memory of a failed write are the session's (:mod:`survey_app.database`).

Written by hand because SQLAlchemy offers no lighter public way to run a compiled statement:
``Connection.exec_driver_sql`` still runs the whole execution context.
"""
from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

from sqlalchemy import Table, bindparam, exc, insert, text
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from .database import file_check, recording_write_failures, writer_turn
from .extensions import db


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # A positional driver's parameters in order, each with its type's bind processor (SQLite);
    # None for a driver that takes them by name (psycopg).
    order: tuple[tuple[str, Callable[[Any], Any] | None], ...] | None
    defaults: dict[str, Any]
    processors: dict[str, Callable[[Any], Any]]

    def arguments(self, params: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        defaults = self.defaults
        if self.order is not None:  # one pass over them (a submission's answers: ~90 values)
            values = []
            for name, process in self.order:
                value = params[name] if name in params else defaults[name]
                values.append(value if process is None else process(value))
            return values
        named = {**defaults, **params}
        for name, process in self.processors.items():
            named[name] = process(named[name])
        return named


# statement -> dialect name -> compiled: a handful of module-level statements, and one INSERT
# per table and set of columns.
# Weak: a statement built per call (better not) is compiled each time, never kept.
_compiled: weakref.WeakKeyDictionary[ClauseElement, dict[str, _Compiled]] = weakref.WeakKeyDictionary()
_row_inserts: dict[tuple[str, tuple[str, ...], str | None], ClauseElement] = {}
_BEGIN_IMMEDIATE = text("BEGIN IMMEDIATE")


def _compile(statement: ClauseElement, dialect: Dialect) -> _Compiled:
    by_dialect = _compiled.get(statement)
    if by_dialect is None:
        by_dialect = _compiled.setdefault(statement, {})
    found = by_dialect.get(dialect.name)
    if found is None:
        done = statement.compile(dialect=dialect)
        assert isinstance(done, SQLCompiler)
        # A Python-side default would be computed by SQLAlchemy's execution context, skipped here.
        assert not getattr(done, "insert_prefetch", None), "every column's value must be given"
        processors: dict[str, Callable[[Any], Any]] = {}
        for name, bind in done.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processors[name] = process
        order = (tuple((name, processors.get(name)) for name in done.positiontup)
                 if done.positiontup is not None else None)
        found = by_dialect[dialect.name] = _Compiled(str(done), order, dict(done.params), processors)
    return found


def _row_insert(table: Table, columns: tuple[str, ...], returning: str | None = None) -> ClauseElement:
    key = (table.name, columns, returning)
    found = _row_inserts.get(key)
    if found is None:
        statement = insert(table).values({column: bindparam(column, type_=table.c[column].type)
                                          for column in columns})
        found = _row_inserts[key] = statement.returning(table.c[returning]) if returning else statement
    return found


def _raise_as_sqlalchemy(error: Any, raw: Any, cursor: Any, sql: str, dialect: Dialect) -> NoReturn:
    invalidated = bool(dialect.is_disconnect(error, raw.dbapi_connection, cursor))
    if invalidated:
        raw.invalidate(error)
    raise exc.DBAPIError.instance(sql, None, error, dialect.loaded_dbapi.Error,
                                  connection_invalidated=invalidated, dialect=dialect) from error


def read_rows(statement: ClauseElement, params: Mapping[str, Any]) -> list[tuple]:
    """The rows of one small read-only query, run by the driver of a pooled connection.

    Outside the session: no transaction is begun, so a write that follows in the request
    has none to end first. SQLite reads in autocommit (the statement is its own snapshot); on
    PostgreSQL the pool rolls back the driver's implicit transaction when the connection
    returns. An SQLite file replaced under the server is refused as for a transaction.
    """
    engine = db.engine
    compiled = _compile(statement, engine.dialect)
    check = file_check(engine)
    if check is not None:
        check()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:
            cursor.execute(compiled.sql, compiled.arguments(params))
            return [tuple(row) for row in cursor.fetchall()]
        except engine.dialect.loaded_dbapi.Error as error:
            _raise_as_sqlalchemy(error, raw, cursor, compiled.sql, engine.dialect)
        finally:
            cursor.close()
    finally:
        raw.close()


class DriverWrite:
    """The statements of one :func:`driver_write` transaction."""

    def __init__(self, raw: Any, cursor: Any, dialect: Dialect):
        self._raw, self._cursor, self._dialect = raw, cursor, dialect

    def execute(self, statement: ClauseElement, params: Mapping[str, Any] | None = None) -> Any:
        """Run one statement; the driver's cursor (``rowcount``, ``fetchone()``) is returned."""
        compiled = _compile(statement, self._dialect)
        try:
            self._cursor.execute(compiled.sql, compiled.arguments(params or {}))
        except self._dialect.loaded_dbapi.Error as error:
            _raise_as_sqlalchemy(error, self._raw, self._cursor, compiled.sql, self._dialect)
        return self._cursor

    def insert_row(self, table: Table, row: Mapping[str, Any], returning: str) -> Any:
        """Insert one row; the value of its column ``returning`` (its generated key)."""
        cursor = self.execute(_row_insert(table, tuple(row), returning), row)
        try:
            return cursor.fetchone()[0]
        except self._dialect.loaded_dbapi.Error as error:
            _raise_as_sqlalchemy(error, self._raw, cursor, "RETURNING", self._dialect)

    def insert_rows(self, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert ``rows`` (dicts of the same columns) with the driver's ``executemany``.

        Not one multi-row ``INSERT … VALUES (…), (…)``: for that statement on the answers' table
        (its triggers, its foreign keys) SQLite created, unlinked and closed a temporary file
        each time (seen with strace), which cost more server CPU than the statements it saved
        (bench/citizen.py, in paired rounds)."""
        if not rows:
            return
        compiled = _compile(_row_insert(table, tuple(rows[0])), self._dialect)
        try:
            self._cursor.executemany(compiled.sql, [compiled.arguments(row) for row in rows])
        except self._dialect.loaded_dbapi.Error as error:
            _raise_as_sqlalchemy(error, self._raw, self._cursor, compiled.sql, self._dialect)


@contextmanager
def driver_write() -> Iterator[DriverWrite]:
    """One write transaction on a pooled connection's driver: committed on success, rolled
    back on error, as :func:`~survey_app.database.write_transaction` does for the session
    (the same writers' queue, ``BEGIN IMMEDIATE`` on SQLite, the file checked with the write
    lock held before the commit, a failure remembered by the health check)."""
    # A read of this request holds a snapshot: end it, so what follows sees this write. (No
    # session built to learn that there is none: the citizen's post has read nothing by it.)
    if db.session.registry.has() and db.session().in_transaction():
        db.session().commit()
    engine = db.engine
    dialect = engine.dialect
    check = file_check(engine)
    with recording_write_failures(), writer_turn():
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            write = DriverWrite(raw, cursor, dialect)
            try:
                if dialect.name == "sqlite":
                    write.execute(_BEGIN_IMMEDIATE)
                yield write
                if check is not None:
                    check()
                try:
                    raw.commit()
                except dialect.loaded_dbapi.Error as error:
                    _raise_as_sqlalchemy(error, raw, cursor, "COMMIT", dialect)
            except BaseException:
                if raw.dbapi_connection is not None:  # not invalidated
                    try:
                        raw.rollback()
                    except dialect.loaded_dbapi.Error:
                        raw.invalidate()  # the pool will not hand out a connection in doubt
                raise
            finally:
                cursor.close()
        finally:
            raw.close()
