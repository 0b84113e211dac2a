"""Engine tuning: SQLite in WAL mode with immediate write transactions.

pysqlite opens transactions lazily and as DEFERRED, so two writers can both read, then both
try to upgrade to a write lock, and one fails at once with "database is locked" whatever the
busy timeout. The SQLAlchemy documentation's recipe ("Serializable isolation / Savepoints /
Transactional DDL") takes over BEGIN; we go one step further and emit ``BEGIN IMMEDIATE`` for
transactions that will write, so writers queue on the busy timeout instead of failing.
"""
from __future__ import annotations

import fcntl
import os
import threading
from contextlib import AbstractContextManager, contextmanager, nullcontext
from collections.abc import Iterator

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db

WRITE = {"servir_write": True}


def configure_engine(app: Flask, engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    busy_ms = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])

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

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if connection.get_execution_options().get("servir_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


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


def _writer_turn() -> AbstractContextManager[None]:
    engine = db.engine
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return nullcontext()
    with _queues_lock:
        queue = _queues.get(database)
        if queue is None:
            queue = _queues[database] = _WriterQueue(database + "-writers.lock")
    return queue.turn()


@contextmanager
def write_transaction() -> Iterator[None]:
    """One write transaction on the session: committed on success, rolled back on error.

    On SQLite it begins IMMEDIATE (takes the write lock up front); elsewhere it is an
    ordinary transaction.
    """
    session = db.session()  # the scoped proxy does not forward in_transaction()
    if session.in_transaction():
        # A read already began the transaction (e.g. a lookup in the same request): end it so
        # the write transaction starts with the write lock.
        session.commit()
    with _writer_turn():
        session.connection(execution_options=WRITE)
        try:
            yield
            session.commit()
        except BaseException:
            session.rollback()
            raise
