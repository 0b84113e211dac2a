"""Migrations on PostgreSQL: upgrade from empty, and models and schema agree."""
from __future__ import annotations

from sqlalchemy import inspect

from survey_app.extensions import db
from tests.app.test_migrations import assert_models_match_schema
from tests.helpers import make_app


def test_upgrade_from_empty_on_postgres_matches_the_models(migrated_postgres):
    app = make_app(migrated_postgres)
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    try:
        assert {"response", "answer", "questionnaire_version", "kiosk", "alembic_version"} <= tables
        assert_models_match_schema(app)
    finally:
        with app.app_context():
            db.engine.dispose()
