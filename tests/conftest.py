"""Fixtures shared by the app, PostgreSQL and browser suites (Flask tutorial style).

How the template works: the schema always comes from the Alembic migrations, never from
``create_all``, but migrating, syncing the test questionnaires and seeding answers in every test
would take most of the suite's time. So each state a test can start from is built once per
session and copied for each test (tests/templates.py): ``migrated`` (head revision, no rows),
``catalogued`` (plus tests/app/definitions) and ``seeded`` (plus tests/app/results_data.py's
responses). ``database_uri`` copies the state the test asks for through its fixtures: with
``seeded_answers`` the seeded one, with ``app`` the catalogued one (what ``app`` used to sync
itself), else the bare migrated one, so every test starts from exactly the database it had when
each step ran in it. On SQLite the copy is a file in the test's tmp_path;
tests/postgres/conftest.py swaps ``database_templates`` for PostgreSQL ones copied with
``CREATE DATABASE … TEMPLATE``. Tests that run migrations themselves (test_migrations.py,
test_kiosk_migration.py) make their own empty databases. Helpers live in tests/helpers.py.

``make test`` runs the suite in two pytest-xdist worker processes. What the workers must not
share is made per worker here: each gets PostgreSQL databases of its own (TEST_DATABASE_URL is
renamed ``<name>_<worker>`` before any suite reads it, and every database a suite makes is named
after it), its own temporary folders (pytest-xdist's) and free ports (each server picks one);
what the suites counted is added up over the workers and printed once (tests/tallies.py).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import make_url

from survey_app import charts, results
from survey_app.extensions import db
from survey_app.services import cycles, users
from tests import compiled, tallies
from tests.helpers import PASSWORD, make_app
from tests.templates import SQLiteTemplates, state_for

compiled.install()  # every test creates an application: its routes compiled once (see there)


def pytest_configure(config):
    """A pytest-xdist worker (PYTEST_XDIST_WORKER: gw0, gw1, ...) tests on PostgreSQL databases
    of its own: ``<name>_<worker>`` beside TEST_DATABASE_URL's (tests/postgres/conftest.py
    creates it), and the templates, copies and deployment database named after that."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("TEST_DATABASE_URL", "")
    if worker and url.startswith("postgresql"):
        parsed = make_url(url)
        os.environ["TEST_DATABASE_URL"] = parsed.set(database=f"{parsed.database}_{worker}").render_as_string(
            hide_password=False)


#: The suites whose files take longest (servers started and killed, a browser, 10,000 fuzzed
#: bodies, a wheel built), run first: under pytest-xdist each worker takes the next file when it
#: is free, so the short files, coming last, even out the end instead of one long file keeping
#: a worker busy while the other waits (``make test`` keeps this order: --no-loadscope-reorder).
LONG_FIRST = ("tests/robustness/", "tests/deploy/", "tests/browser/", "tests/test_packaging.py")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: next(
        (rank for rank, start in enumerate(LONG_FIRST) if item.nodeid.startswith(start)), len(LONG_FIRST)))


def pytest_sessionfinish(session):
    """A worker sends what its suites counted to the controller (pytest-xdist's workeroutput)."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["tallies"] = tallies.counts()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """The controller adds up each worker's counts as the worker finishes."""
    tallies.add(getattr(node, "workeroutput", {}).get("tallies", {}))


def pytest_terminal_summary(terminalreporter, config):
    if not hasattr(config, "workeroutput"):  # a worker's terminal is not shown
        tallies.report(terminalreporter)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """An SQLite file upgraded to the latest revision, with no rows (copy it, never write it)."""
    templates = SQLiteTemplates(tmp_path_factory.mktemp("template"))
    return templates.build("migrated")


@pytest.fixture(scope="session")
def database_templates(migrated_sqlite):
    """The session's template databases (SQLite files here; PostgreSQL in tests/postgres)."""
    return SQLiteTemplates(migrated_sqlite.parent, migrated=migrated_sqlite)


@pytest.fixture
def database_uri(request, database_templates, tmp_path):
    """A database of the test's own, in the state its fixtures ask for (module paragraph)."""
    uri = database_templates.copy(state_for(request.fixturenames), tmp_path)
    yield uri
    database_templates.discard(uri)


@pytest.fixture
def app(database_uri):
    """The application on the test's database, holding the test questionnaires, as a freshly
    started server sees it: no result or chart kept in this process from an earlier test."""
    results.clear_cache()
    charts.clear_cache()
    app = make_app(database_uri)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def open_cycle(app):
    with app.app_context():
        cycles.create_cycle("2026", "Cycle 2026")
        cycles.set_state("2026", "open")
    return "2026"


@pytest.fixture
def make_user(app):
    def make(email: str, role: str) -> str:
        """Create a user and return an API token for them."""
        with app.app_context():
            users.create_user(email, PASSWORD, role)
            return users.issue_token(email)

    return make


@pytest.fixture
def staff_token(make_user) -> str:
    return make_user("staff@example.org", "staff")
