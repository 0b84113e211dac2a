"""Run suites against a real PostgreSQL server named by TEST_DATABASE_URL.

.ci/run starts a throwaway server and sets the variable (and SERVIR_REQUIRE_POSTGRES, which
turns a missing server into a failure instead of a skip).
"""
from __future__ import annotations

import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from survey_app.extensions import db
from tests.conftest import make_app, require

URL = os.environ.get("TEST_DATABASE_URL", "")


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def migrated_postgres() -> str:
    if not URL:
        if require("SERVIR_REQUIRE_POSTGRES"):
            pytest.fail("SERVIR_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
        pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL server to test against")
    app = make_app(URL)
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()
    return URL


@pytest.fixture
def database_uri(migrated_postgres) -> str:
    app = make_app(migrated_postgres)
    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables]
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        db.engine.dispose()
    return migrated_postgres
