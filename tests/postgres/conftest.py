"""Run suites against a real PostgreSQL server named by TEST_DATABASE_URL.

.ci/run starts a throwaway server and sets the variable (and SERVIR_REQUIRE_POSTGRES, which
turns a missing server into a failure instead of a skip). Each test gets a database of its own,
copied with ``CREATE DATABASE … TEMPLATE`` from template databases built once per session
beside TEST_DATABASE_URL's (tests/templates.py; the states are those of tests/conftest.py).
"""
from __future__ import annotations

import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from survey_app.extensions import db
from tests.app.conftest import answers, seeded_answers  # noqa: F401  (fixtures, reused)
from tests.helpers import make_app, require
from tests.templates import PostgresTemplates

def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.postgres)


def _server_url() -> str:
    # Read when used: under pytest-xdist, tests/conftest.py has renamed it for this worker.
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url:
        if require("SERVIR_REQUIRE_POSTGRES"):
            pytest.fail("SERVIR_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
        pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL server to test against")
    return url


def _create_if_missing(url: str) -> None:
    name = make_url(url).database
    server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first() is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()


@pytest.fixture(scope="session")
def migrated_postgres() -> str:
    """TEST_DATABASE_URL's database (created if missing: a pytest-xdist worker's, see
    tests/conftest.py), emptied and upgraded from nothing to the latest revision."""
    url = _server_url()
    _create_if_missing(url)
    app = make_app(url)
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def database_templates():
    templates = PostgresTemplates(_server_url())
    yield templates
    templates.close()
