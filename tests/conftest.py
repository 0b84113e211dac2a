"""Fixtures shared by the app, PostgreSQL and browser suites (Flask tutorial style).

The schema always comes from the Alembic migrations, never from ``create_all``: SQLite tests
copy a database migrated once per session; PostgreSQL tests migrate once and empty the
tables between tests.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from flask_migrate import upgrade

from survey_app import create_app
from survey_app.extensions import db
from survey_app.services import catalogue, cycles, users

DEFINITIONS = Path(__file__).parent / "app" / "definitions"
PASSWORD = "correct horse battery"


def make_app(database_uri: str, **extra):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_uri,
            "QUESTIONNAIRES_DIR": str(DEFINITIONS),
            "WTF_CSRF_ENABLED": False,
            # Many sign-ins from one client: the throttling tests switch it back on.
            "RATELIMIT_ENABLED": False,
            # A cheap offline PIN verifier: the real count (bench/pin.py) costs ~0.5 s per PIN set.
            "KIOSK_PIN_ITERATIONS": 1000,
            **extra,
        }
    )


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """An SQLite file upgraded to the latest revision, copied by each test."""
    path = tmp_path_factory.mktemp("template") / "servir.sqlite3"
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


@pytest.fixture
def database_uri(migrated_sqlite, tmp_path) -> str:
    copy = tmp_path / "servir.sqlite3"
    shutil.copy(migrated_sqlite, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def app(database_uri):
    app = make_app(database_uri)
    with app.app_context():
        catalogue.sync_directory(DEFINITIONS)
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


def require(flag: str) -> bool:
    return os.environ.get(flag, "") not in ("", "0")
