"""Fixtures for the robustness suites: each runs on SQLite and, with TEST_DATABASE_URL, on
PostgreSQL; what the suites counted (bodies fuzzed, kills, faults) is printed at the end of
the run, in pytest's summary (tests/tallies.py).
"""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import text

from survey_app.extensions import db
from survey_app.services import catalogue, cycles, kiosks
from tests.helpers import DEFINITIONS, make_app
from tests.postgres.conftest import migrated_postgres  # noqa: F401  (a fixture, reused)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_uri(request, migrated_sqlite, tmp_path):
    if request.param == "sqlite":
        copy = tmp_path / "servir.sqlite3"
        shutil.copy(migrated_sqlite, copy)
        return f"sqlite:///{copy}"
    request.applymarker(pytest.mark.postgres)
    return request.getfixturevalue("database_uri_postgres")


@pytest.fixture
def database_uri_postgres(migrated_postgres):  # noqa: F811
    """The migrated PostgreSQL database with every table emptied."""
    app = make_app(migrated_postgres)
    with app.app_context():
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()
    return migrated_postgres


@pytest.fixture
def ready_app(database_uri):
    """An application with the test questionnaires, an open cycle and an enrolled kiosk."""
    app = make_app(database_uri)
    with app.app_context():
        catalogue.sync_directory(DEFINITIONS)
        cycles.create_cycle("2026", "Cycle 2026")
        cycles.set_state("2026", "open")
        _kiosk, code = kiosks.create_kiosk("Comptoir 1", "Ahuntsic", ("comptoir",), kiosks.KioskSettings(), "246813")
    app.config["KIOSK_TOKEN"] = app.test_client().post(
        "/api/v1/kiosks/enroll", json={"code": code}).get_json()["token"]
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
