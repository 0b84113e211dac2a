"""Template databases: each state a test may start from, built once per session, copied per test.

The states, each the one before plus a step: ``migrated`` (Alembic's head revision, no rows),
``catalogued`` (the test questionnaires of tests/app/definitions synced, as ``app`` gives them)
and ``seeded`` (the two cycles of responses of tests/app/results_data.py, as ``answers`` gives
them, through ``seeded_answers``). :class:`SQLiteTemplates` keeps each state in a file and copies it into the test's
tmp_path; :class:`PostgresTemplates` keeps each in a database and copies it with
``CREATE DATABASE … TEMPLATE`` (faster than emptying the tables and syncing again, ~0.1 s
against ~0.5 s here, and nothing of a test can reach the next one). The server makes those
copies, and drops them, while tests run: a thread of :class:`PostgresTemplates` keeps one copy of
each state ready for the next test that asks for it, and drops a test's copy after it.
"""
from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from survey_app.extensions import db
from survey_app.services import catalogue
from tests.helpers import DEFINITIONS, make_app

STATES = ("migrated", "catalogued", "seeded")


def state_for(fixturenames: list[str]) -> str:
    """The state a test starts from, read from the fixtures it uses (directly or not)."""
    if "seeded_answers" in fixturenames:
        return "seeded"
    if "app" in fixturenames:
        return "catalogued"
    return "migrated"


def _step(database_uri: str, state: str) -> Any:
    """Bring a database in the state before ``state`` to ``state``; the seeded answer rows."""
    app = make_app(database_uri)
    try:
        with app.app_context():
            if state == "migrated":
                upgrade()
            elif state == "catalogued":
                catalogue.sync_directory(DEFINITIONS)
        if state == "seeded":
            from tests.app import results_data  # the tests' own data, only when asked for

            return results_data.load(app)
        return None
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


class SQLiteTemplates:
    """The states as SQLite files in ``folder``, built on first use."""

    def __init__(self, folder: Path, migrated: Path | None = None):
        self.folder = folder
        self.files: dict[str, Path] = {"migrated": migrated} if migrated else {}
        self.answers: pd.DataFrame | None = None

    def build(self, state: str) -> Path:
        if state not in self.files:
            path = self.folder / f"{state}.sqlite3"
            before = STATES.index(state) - 1
            if before >= 0:
                shutil.copy(self.build(STATES[before]), path)
            rows = _step(f"sqlite:///{path}", state)
            if state == "seeded":
                self.answers = rows
            self.files[state] = path
        return self.files[state]

    def copy(self, state: str, folder: Path) -> str:
        """A new database in ``state`` in ``folder``; its URI."""
        path = folder / "servir.sqlite3"
        shutil.copy(self.build(state), path)
        return f"sqlite:///{path}"

    def discard(self, database_uri: str) -> None:
        """Nothing to do: the copy goes with the test's tmp_path."""


class PostgresTemplates:
    """The states as databases named after the one of ``url`` (``<name>_tmpl_<state>``), and
    the tests' copies (``<name>_t<n>``), dropped after each test.

    Copies and drops run in one background thread, in order: :meth:`copy` hands out the copy
    made while the test before ran and orders the next. A template is only built with nothing
    in progress (PostgreSQL copies no database that another session is using)."""

    def __init__(self, url: str):
        self.url = make_url(url)
        self.base = self.url.database
        self.server = create_engine(self.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        self.built: set[str] = set()
        self.answers: pd.DataFrame | None = None
        self.numbers = itertools.count(1)
        self.background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="templates")
        self.pending: list[Future] = []
        self.ready: dict[str, Future[str]] = {}  # a copy of each state, for the next test

    def _uri(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def _create(self, name: str, template: str | None) -> None:
        with self.server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))

    def _drop(self, name: str) -> None:
        with self.server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def _new_copy(self, template: str) -> str:
        name = f"{self.base}_t{next(self.numbers)}"
        self._create(name, template)
        return name

    def _later(self, work: Callable[..., Any], *args: Any) -> Future:
        """``work`` in the background thread; a failure of earlier work is raised here."""
        for done in [future for future in self.pending if future.done()]:
            self.pending.remove(done)
            done.result()
        future = self.background.submit(work, *args)
        self.pending.append(future)
        return future

    def _settle(self) -> None:
        """Wait until the background thread has done everything ordered."""
        while self.pending:
            self.pending.pop(0).result()

    def build(self, state: str) -> str:
        name = f"{self.base}_tmpl_{state}"
        if state not in self.built:
            self._settle()
            before = STATES.index(state) - 1
            self._create(name, self.build(STATES[before]) if before >= 0 else None)
            rows = _step(self._uri(name), state)
            if state == "seeded":
                self.answers = rows
            self.built.add(state)
        return name

    def copy(self, state: str, folder: Path | None = None) -> str:
        """A new database in ``state``; its URI."""
        template = self.build(state)
        ready = self.ready.pop(state, None) or self._later(self._new_copy, template)
        self.ready[state] = self._later(self._new_copy, template)
        return self._uri(ready.result())

    def discard(self, database_uri: str) -> None:
        self._later(self._drop, make_url(database_uri).database)

    def close(self) -> None:
        self._settle()
        for ready in self.ready.values():
            self._drop(ready.result())
        self.background.shutdown()
        for state in reversed(STATES):
            if state in self.built:
                self._drop(f"{self.base}_tmpl_{state}")
        self.server.dispose()
