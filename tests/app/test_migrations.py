"""The schema comes from Alembic revisions, and they agree with the models."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from survey_app.extensions import db
from tests.helpers import make_app


def assert_models_match_schema(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == [], diff


def test_upgrade_from_empty_creates_every_table(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
    assert {"response", "answer", "questionnaire", "questionnaire_version", "cycle", "user_account",
            "api_token", "kiosk", "audit_event", "unit", "commitment", "alembic_version"} <= tables
    assert_models_match_schema(app)


def test_downgrade_to_base_and_back(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
    assert_models_match_schema(app)


def test_sqlite_runs_in_wal_mode_with_full_sync(app):
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() > 1000
