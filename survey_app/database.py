"""Engine tuning: SQLite in WAL mode with immediate write transactions.

pysqlite opens transactions lazily and as DEFERRED, so two writers can both read, then both
try to upgrade to a write lock, and one fails at once with "database is locked" whatever the
busy timeout. The SQLAlchemy documentation's recipe ("Serializable isolation / Savepoints /
Transactional DDL") takes over BEGIN; we go one step further and emit ``BEGIN IMMEDIATE`` for
transactions that will write, so writers queue on the busy timeout instead of failing.

It also tells a fault from a bug: :func:`is_unavailable` recognises a database that is
unreachable, locked past its timeout, read-only or full (answered 503 with ``Retry-After``,
never 500); an SQLite file deleted or replaced under a running server (its inode changed) is
refused with :class:`DatabaseUnavailable` before any transaction, and again before each commit,
so that nothing is acknowledged into a deleted file. :func:`write_probe` is the health check's
cheap answer to "would a write succeed now?". The citizen's reads and the submission's write
run on the driver (:mod:`survey_app.driver`) with the same checks.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from flask import Flask, current_app
from sqlalchemy import event, exc, text
from sqlalchemy.engine import Engine

from .extensions import db

WRITE = {"servir_write": True}
# A bulk write (a CSV import) keeps SQLite's temporary files in memory, its statement journals
# among them, and checks no foreign key row by row (the import stores only references it
# checked in its transaction: services/bulk.py). SQLite places a transaction's statement
# journal when it begins and ignores foreign_keys inside a transaction, hence before BEGIN;
# both are put back when the connection returns to the pool: (setting, bulk, ordinary).
BULK_WRITE = {**WRITE, "servir_bulk": True}
BULK_SETTINGS = (("temp_store", "MEMORY", "DEFAULT"), ("foreign_keys", "OFF", "ON"))

# Below this much free space beside an SQLite file, the health check says a write would fail.
MIN_FREE_BYTES = 1024 * 1024


class DatabaseUnavailable(Exception):
    """The database cannot take this request now (a fault of the server, not of the client)."""


def is_unavailable(error: BaseException) -> bool:
    """True for a database fault (unreachable, locked, read-only, full, file replaced).

    Errors of the DBAPI's "operational" and "interface" kinds are faults of the server; a data
    or integrity error is a bug (the edge and the schemas keep clients' mistakes out).
    """
    return isinstance(error, (DatabaseUnavailable, exc.OperationalError, exc.InterfaceError,
                              exc.TimeoutError, exc.DisconnectionError)) or (
        isinstance(error, exc.DBAPIError) and error.connection_invalidated)


def _file_identity(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino


def sqlite_file(engine: Engine) -> str | None:
    """The path of an SQLite database file, None for a server or an in-memory database."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


# Each SQLite engine's check that its file is still the one it opened (configure_engine);
# weak, so that an application's engine, once dropped, is not kept alive here.
_file_checks: weakref.WeakKeyDictionary[Engine, Callable[[], None]] = weakref.WeakKeyDictionary()


def configure_engine(app: Flask, engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    busy_ms = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])
    path = sqlite_file(engine)
    # The file this server opened first: a later connection to another file (a restored copy,
    # a new empty one SQLite would create) would answer from the wrong database.
    first_seen: dict[str, tuple[int, int]] = {}

    def check_file() -> None:
        if path is None or "identity" not in first_seen:
            return
        identity = _file_identity(path)
        if identity != first_seen["identity"]:
            raise DatabaseUnavailable(f"the database file {path} was deleted or replaced")

    _file_checks[engine] = check_file

    @event.listens_for(engine, "do_connect")
    def _refuse_missing_file(_dialect, _record, _cargs, _cparams):
        # sqlite3.connect would create an empty database in place of a deleted one.
        if path is not None and "identity" in first_seen and _file_identity(path) is None:
            raise DatabaseUnavailable(f"the database file {path} is missing")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
        cursor.execute("PRAGMA journal_mode = WAL")
        # FULL: a commit survives a power cut, not only a crash of the process.
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()
        identity = _file_identity(path) if path is not None else None
        if identity is not None:
            first_seen.setdefault("identity", identity)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        options = connection.get_execution_options()
        if options.get("servir_bulk"):
            connection.info["servir_bulk"] = True  # put back at check-in
            for name, value, _ordinary in BULK_SETTINGS:
                connection.exec_driver_sql(f"PRAGMA {name} = {value}")
        if options.get("servir_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            try:
                # Straight to the driver: a deferred BEGIN takes no lock and reads nothing, and
                # every read of the citizen's pages begins with one (SQLAlchemy's statement
                # machinery cost more than the query itself).
                connection.connection.driver_connection.execute("BEGIN")
            except sqlite3.Error:
                connection.exec_driver_sql("BEGIN")  # again, so that SQLAlchemy raises its own error
        try:
            check_file()
        except DatabaseUnavailable:
            connection.exec_driver_sql("ROLLBACK")  # release the lock at once
            raise

    @event.listens_for(engine, "checkin")
    def _after_bulk(dbapi_connection, record):
        # The transaction has ended (committed, or rolled back by the pool's reset).
        if record is not None and record.info.pop("servir_bulk", False) and dbapi_connection is not None:
            for name, _value, ordinary in BULK_SETTINGS:
                dbapi_connection.execute(f"PRAGMA {name} = {ordinary}")

    @event.listens_for(engine, "commit")
    def _before_commit(connection):
        # Checked again with the write lock held: the file may have gone since BEGIN.
        check_file()


class _WriterQueue:
    """Lets SQLite writers of every process and thread take turns without polling.

    SQLite's busy handler retries a locked database after sleeps that grow to 100 ms, so
    under load writers idle while the lock is free, and latency soars. Taking an advisory
    ``flock`` on a file beside the database first makes the kernel wake the next writer the
    moment the previous one commits. ``flock`` belongs to an open file, shared by a process's
    threads, hence the thread lock in front of it. Other programs writing to the database
    are still handled by SQLite's own locking and busy timeout.
    """

    def __init__(self, path: str):
        self.path = path
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._thread_lock:
            if self._fd is None or self._pid != os.getpid():  # a forked worker opens its own
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                self._pid = os.getpid()
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)


_queues: dict[str, _WriterQueue] = {}
_queues_lock = threading.Lock()


def writer_turn() -> AbstractContextManager[None]:
    """This database's turn among its writers (SQLite; nothing to wait for elsewhere)."""
    database = sqlite_file(db.engine)
    if database is None:
        return nullcontext()
    with _queues_lock:
        queue = _queues.get(database)
        if queue is None:
            queue = _queues[database] = _WriterQueue(database + "-writers.lock")
    return queue.turn()


def file_check(engine: Engine) -> Callable[[], None] | None:
    """The check that an SQLite engine's file is still the one it opened (raises
    :class:`DatabaseUnavailable`), or None for other databases."""
    return _file_checks.get(engine)


@contextmanager
def recording_write_failures() -> Iterator[None]:
    """Around a write: a fault is remembered for the health check (``write_probe``)."""
    try:
        yield
    except Exception as error:
        if is_unavailable(error):
            _last_write(current_app)["failed_at"] = time.monotonic()
        raise
    _last_write(current_app)["failed_at"] = None


@contextmanager
def write_transaction(bulk: bool = False) -> Iterator[None]:
    """One write transaction on the session: committed on success, rolled back on error.

    On SQLite it begins IMMEDIATE (takes the write lock up front); elsewhere it is an
    ordinary transaction. ``bulk``: SQLite's temporary files in memory and no foreign key
    checked row by row (see ``BULK_WRITE``). The submission's own write runs on the driver
    (:func:`survey_app.driver.driver_write`), with the same queue and bookkeeping.
    """
    session = db.session()  # the scoped proxy does not forward in_transaction()
    if session.in_transaction():
        # A read already began the transaction (e.g. a lookup in the same request): end it so
        # the write transaction starts with the write lock.
        session.commit()
    with recording_write_failures(), writer_turn():
        session.connection(execution_options=BULK_WRITE if bulk else WRITE)
        try:
            yield
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _last_write(app: Flask) -> dict:
    return app.extensions.setdefault("servir_last_write", {"failed_at": None})


def write_probe() -> str | None:
    """Why a write would fail now, or None: the health check's answer, kept cheap.

    A write that failed for a fault within ``HEALTH_WRITE_FAILURE_SECONDS`` counts (a full
    PostgreSQL disk shows no other way); then SQLite takes and releases the write lock
    (``BEGIN IMMEDIATE``: locked, read-only or replaced files fail here) and checks its page
    limit and the free space beside the file; PostgreSQL must not be read-only.
    """
    failed_at = _last_write(current_app)["failed_at"]
    if failed_at is not None and time.monotonic() - failed_at < current_app.config["HEALTH_WRITE_FAILURE_SECONDS"]:
        return "the last write failed"
    session = db.session()
    if session.in_transaction():
        session.commit()
    engine = db.engine
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            transaction = connection.execution_options(**WRITE).begin()
            try:
                pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
                limit = connection.exec_driver_sql("PRAGMA max_page_count").scalar()
                version = connection.exec_driver_sql("PRAGMA user_version").scalar()
                # A change rolled back: a read-only database refuses it, nothing reaches disk.
                connection.exec_driver_sql(f"PRAGMA user_version = {int(version or 0)}")
            finally:
                if transaction.is_active:
                    transaction.rollback()
            if pages is not None and limit is not None and pages >= limit:
                return "the database is full"
            path = sqlite_file(engine)
            if path is not None:
                stat = os.statvfs(os.path.dirname(os.path.abspath(path)))
                if stat.f_bavail * stat.f_frsize < MIN_FREE_BYTES:
                    return "the disk is full"
        else:
            read_only = connection.execute(text("SHOW transaction_read_only")).scalar()
            connection.rollback()
            if read_only == "on":
                return "the database is read-only"
    return None
