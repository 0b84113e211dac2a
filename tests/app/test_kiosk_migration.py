"""Revision 0002 (kiosk settings, partial responses) keeps the data already stored.

SQLite rebuilds a table to add a CHECK constraint; rebuilding the response table would
cascade its DROP to the answers, so 0002 must change it in place. This test stores a response
with answers and a kiosk at 0001, then goes up to 0002 and back down.
"""
from __future__ import annotations

import datetime as dt

from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, func, select

from survey_app.extensions import db
from tests.helpers import make_app


def _count(connection, table) -> int:
    return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_0002_keeps_responses_answers_and_kiosks_both_ways(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    now = dt.datetime(2026, 11, 1, 12, 0)
    with app.app_context():
        upgrade(revision="0001")
        meta = MetaData()
        meta.reflect(db.engine)
        t = meta.tables
        with db.engine.begin() as connection:
            connection.execute(t["unit"].insert(), {"id": 1, "code": "U", "name_fr": "Unité"})
            connection.execute(t["commitment"].insert(), {"id": 1, "code": "C-1", "unit_id": 1, "title_fr": "Engagement"})
            connection.execute(t["questionnaire"].insert(), {"id": "q", "commitment_id": 1, "published": True, "created_at": now})
            connection.execute(t["questionnaire_version"].insert(),
                               {"id": 1, "questionnaire_id": "q", "content_hash": "h", "definition": {}, "created_at": now})
            connection.execute(t["cycle"].insert(), {"id": 1, "code": "2026", "name": "c", "state": "open", "created_at": now})
            connection.execute(t["response"].insert(), {
                "id": 1, "public_id": "r1", "submission_id": "00000000-0000-4000-8000-000000000001",
                "questionnaire_id": "q", "version_id": 1, "cycle_id": 1, "channel": "kiosk", "language": "fr",
                "site": "Ahuntsic", "submitted_on": now.date(), "payload_hash": "x" * 64})
            connection.execute(t["answer"].insert(), [
                {"response_id": 1, "questionnaire_id": "q", "cycle_id": 1, "question_id": f"q{i}",
                 "numeric_value": float(i), "is_na": False} for i in range(3)])
            connection.execute(t["kiosk"].insert(), {
                "id": 1, "name": "Tablette", "site": "Ahuntsic", "questionnaire_ids": ["q"], "created_at": now,
                "backlog": 4, "token_hash": "t" * 64})

        upgrade(revision="0002")
        meta = MetaData()
        meta.reflect(db.engine)
        t = meta.tables
        with db.engine.connect() as connection:
            assert _count(connection, t["answer"]) == 3
            assert connection.execute(select(t["response"].c.partial)).scalar_one() in (False, 0)
            kiosk = connection.execute(select(t["kiosk"])).mappings().one()
            assert (kiosk["backlog"], kiosk["token_hash"], kiosk["inactivity_timeout_s"], kiosk["min_interval_s"],
                    kiosk["thanks_seconds"], bool(kiosk["keep_partial"])) == (4, "t" * 64, 90, 10, 8, False)

        downgrade(revision="0001")
        meta = MetaData()
        meta.reflect(db.engine)
        t = meta.tables
        with db.engine.connect() as connection:
            assert _count(connection, t["answer"]) == 3 and _count(connection, t["response"]) == 1
            assert "partial" not in t["response"].c and "staff_pin_hash" not in t["kiosk"].c
            assert _count(connection, t["kiosk"]) == 1
        db.engine.dispose()
