"""Outages under load, with replays: a PostgreSQL server stopped mid-load (``pg_ctl stop -m
immediate``, on a throwaway cluster of this test's own) and restarted; an SQLite database that
fills up (``PRAGMA max_page_count``, a full disk without root) and then gets space back.

While the database is away every submission answers 503 with Retry-After (never 500) and
/healthz says 503; afterwards the server recovers by itself, the replays are stored, and at
the end every response sent is stored exactly once, with all its answers.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections import Counter

import pytest
from flask_migrate import upgrade
from sqlalchemy import event

from survey_app.extensions import db
from survey_app.models import Answer, Response
from survey_app.services import catalogue, cycles
from tests.helpers import DEFINITIONS, make_app
from tests.robustness.helpers import TALLY, postgres_binaries, skip_or_fail

ANSWERS_PER_RESPONSE = 3


def new_response() -> dict:
    return {"submission_id": str(uuid.uuid4()), "questionnaire": "comptoir",
            "answers": {"overall": 4, "met": True, "comment": "x" * 300}}


class Load:
    """A client that sends responses one after another and replays the refused ones."""

    def __init__(self, client):
        self.client, self.sent, self.acknowledged, self.statuses = client, {}, set(), Counter()
        self.pending: list[dict] = []

    def send(self, count: int) -> list[int]:
        statuses = []
        for _ in range(count):
            body = self.pending.pop(0) if self.pending else new_response()
            self.sent[body["submission_id"]] = body
            answer = self.client.post("/api/v1/responses", json=body)
            statuses.append(answer.status_code)
            self.statuses[answer.status_code] += 1
            if answer.status_code in (200, 201):
                self.acknowledged.add(body["submission_id"])
            else:
                assert answer.status_code == 503 and int(answer.headers["Retry-After"]) > 0, answer.get_data()
                assert "error" in answer.get_json()
                self.pending.append(body)
        return statuses

    def drain(self, deadline_seconds: float = 20) -> None:
        deadline = time.monotonic() + deadline_seconds
        while self.pending and time.monotonic() < deadline:
            self.send(1)
        assert not self.pending


def check_stored(app, load: Load) -> None:
    with app.app_context():
        stored = Counter(db.session.execute(db.select(Response.submission_id)).scalars())
        answers = Counter(db.session.execute(db.select(Response.submission_id).join(Answer)).scalars())
        db.session.rollback()
    assert set(stored) == set(load.sent) == load.acknowledged  # 0 lost, none unacknowledged
    assert all(n == 1 for n in stored.values())  # 0 doubled
    assert all(answers[sid] == ANSWERS_PER_RESPONSE for sid in stored)  # 0 partial
    assert load.statuses[500] == 0


def prepare(app) -> None:
    with app.app_context():
        catalogue.sync_directory(DEFINITIONS)
        cycles.create_cycle("2026", "Cycle 2026")
        cycles.set_state("2026", "open")


# --- PostgreSQL stopped mid-load -------------------------------------------------------------

def as_postgres(*command: str) -> None:
    subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", " ".join(command)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)


@pytest.fixture
def own_postgres():
    """A throwaway PostgreSQL cluster on a free port, never the shared server."""
    binaries = postgres_binaries()
    if binaries is None or os.geteuid() != 0:
        skip_or_fail("needs PostgreSQL's binaries and root (the cluster runs as the postgres user)")
    data = tempfile.mkdtemp(prefix="servir-outage-pg.")
    shutil.chown(data, "postgres")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    as_postgres(f"{binaries}/initdb -D {data} -A trust -U postgres -E UTF8 --locale=C.UTF-8")
    options = f'"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"'

    def start():
        as_postgres(f"{binaries}/pg_ctl -D {data} -l {data}/server.log -w -o {options} start")

    def stop():
        as_postgres(f"{binaries}/pg_ctl -D {data} -m immediate -w stop")

    start()
    as_postgres(f"{binaries}/createdb -h 127.0.0.1 -p {port} -U postgres servir")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/servir", start, stop
    finally:
        subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", f"{binaries}/pg_ctl -D {data} -m immediate stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        shutil.rmtree(data, ignore_errors=True)


def test_postgresql_stopped_mid_load_is_503_then_recovers(own_postgres):
    uri, start, stop = own_postgres
    # As a real run configures it (survey_app.config.load): connections checked before use.
    app = make_app(uri, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True})
    with app.app_context():
        upgrade()
    prepare(app)
    client = app.test_client()
    load = Load(client)
    assert set(load.send(20)) == {201}
    stop()
    while_down = load.send(20)
    assert set(while_down) == {503}
    health = client.get("/healthz")
    assert health.status_code == 503 and health.headers["Retry-After"]
    start()
    deadline = time.monotonic() + 20
    while client.get("/healthz").status_code != 200 and time.monotonic() < deadline:
        load.send(1)  # the first requests after the restart may still meet dead connections
    assert client.get("/healthz").status_code == 200
    load.send(20)
    load.drain()
    check_stored(app, load)
    with app.app_context():
        db.engine.dispose()
    TALLY["outage: PostgreSQL stopped (immediate) and restarted"] += 1
    TALLY["outage: 503 while PostgreSQL was down"] += while_down.count(503)


# --- SQLite full -----------------------------------------------------------------------------

def test_a_full_sqlite_database_is_503_with_nothing_partial_then_recovers(migrated_sqlite, tmp_path):
    shutil.copy(migrated_sqlite, tmp_path / "servir.sqlite3")
    app = make_app(f"sqlite:///{tmp_path / 'servir.sqlite3'}")
    prepare(app)

    def cap(connection, _record):
        connection.execute("PRAGMA max_page_count = 1")  # SQLite keeps the current size: no growth

    with app.app_context():
        event.listen(db.engine, "connect", cap)
        db.engine.dispose()
    client = app.test_client()
    load = Load(client)
    statuses = load.send(80)
    assert 503 in statuses and statuses.count(201) > 0
    assert client.get("/healthz").status_code == 503
    TALLY["outage: 503 while SQLite was full"] += statuses.count(503)
    check_partial_free = load.acknowledged.copy()
    with app.app_context():
        event.remove(db.engine, "connect", cap)  # space comes back
        db.engine.dispose()
    app.config["HEALTH_WRITE_FAILURE_SECONDS"] = 0
    assert client.get("/healthz").status_code == 200
    load.drain()
    check_stored(app, load)
    assert check_partial_free < load.acknowledged
    with app.app_context():
        db.engine.dispose()
    TALLY["outage: SQLite full then space back"] += 1
