"""kill -9 of a gunicorn server in the middle of a stream of submissions, again and again.

Two clients send responses without pause — one by one on the public API, and in batches of
five with a kiosk token — and replay whatever was not acknowledged (a refused connection, a
reset, a 503), as a kiosk does. Each round starts gunicorn (2 workers) on one SQLite file,
waits until the stream has been acknowledged a few more times, then SIGKILLs the master and
its workers at once. At the end every response sent must be stored exactly once and whole:
0 lost (acknowledged but missing), 0 doubled, 0 partial, 0 answers 500. Traffic goes only to
127.0.0.1; every loop is bounded in count and in time.
"""
from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from survey_app.extensions import db
from survey_app.models import Answer, Response
from survey_app.services import catalogue, cycles, kiosks
from tests.helpers import DEFINITIONS, make_app
from tests.robustness.helpers import TALLY

KILLS = 20
ROUND_ACKS = 10         # acknowledgements to wait for in each round before the kill
ROUND_SECONDS = 15      # at most this long per round
ANSWERS_PER_RESPONSE = 3
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def new_response(channel: str) -> dict:
    return {"submission_id": str(uuid.uuid4()), "questionnaire": "comptoir", "channel": channel,
            "answers": {"overall": 4, "met": True, "comment": "Très bien"}}


class Stream:
    """The clients: what was sent, what was acknowledged, every status seen."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.pending: dict[str, list[dict]] = {"single": [], "batch": []}
        self.sent: dict[str, dict] = {}
        self.acknowledged: set[str] = set()
        self.statuses: Counter = Counter()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.progress = threading.Condition(self.lock)

    def _post(self, path: str, body: dict, headers: dict) -> tuple[int, dict | None]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json", **headers})
            answer = connection.getresponse()
            payload = answer.read()
            return answer.status, json.loads(payload) if payload else None
        finally:
            connection.close()

    def _acknowledge(self, ids: list[str]) -> None:
        with self.progress:
            self.acknowledged.update(ids)
            self.progress.notify_all()

    def run(self, kind: str) -> None:
        channel, size = ("online", 1) if kind == "single" else ("kiosk", 5)
        while not self.stop.is_set():
            with self.lock:
                batch = self.pending[kind] or [new_response(channel) for _ in range(size)]
                self.pending[kind] = []
                for item in batch:
                    self.sent[item["submission_id"]] = item
            try:
                if kind == "single":
                    status, body = self._post("/api/v1/responses", batch[0], {})
                    results = [{"status": status, "submission_id": batch[0]["submission_id"]}]
                else:
                    status, body = self._post("/api/v1/responses/batch", {"responses": batch},
                                              {"Authorization": f"Bearer {self.token}"})
                    results = body["results"] if status == 200 else []
                with self.lock:
                    self.statuses[status] += 1
                    for item in results:
                        self.statuses[f"item {item['status']}"] += 1
            except (OSError, http.client.HTTPException, ValueError):
                with self.lock:
                    self.statuses["connection lost"] += 1
                results = []
            done = [r["submission_id"] for r in results if r["status"] in (200, 201)]
            self._acknowledge(done)
            retry = [item for item in batch if item["submission_id"] not in set(done)]
            with self.lock:
                self.pending[kind] = retry  # replayed as they were, same submission_id
            if retry:
                self.stop.wait(0.05)  # the server is down or busy: back off a little

    def wait_for(self, count: int, deadline: float) -> bool:
        with self.progress:
            return self.progress.wait_for(lambda: len(self.acknowledged) >= count,
                                          timeout=max(0.0, deadline - time.monotonic()))


def start_server(database_uri: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "SERVIR_ROBUST_DB": database_uri, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--preload", "tests.robustness.serve:create()"],
        cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGKILL)  # the master and its workers, all at once
    server.wait(timeout=10)


@pytest.fixture
def stream_database(migrated_sqlite, tmp_path):
    path = tmp_path / "servir.sqlite3"
    shutil.copy(migrated_sqlite, path)
    uri = f"sqlite:///{path}"
    app = make_app(uri)
    with app.app_context():
        catalogue.sync_directory(DEFINITIONS)
        cycles.create_cycle("2026", "Cycle 2026")
        cycles.set_state("2026", "open")
        _kiosk, code = kiosks.create_kiosk("Comptoir 1", "Ahuntsic", ("comptoir",), kiosks.KioskSettings(), "246813")
    token = app.test_client().post("/api/v1/kiosks/enroll", json={"code": code}).get_json()["token"]
    with app.app_context():
        db.engine.dispose()
    return uri, token


def test_kill_9_during_a_stream_loses_doubles_and_splits_nothing(stream_database):
    uri, token = stream_database
    port = free_port()
    stream = Stream(port, token)
    clients = [threading.Thread(target=stream.run, args=(kind,), daemon=True) for kind in ("single", "batch")]
    for client in clients:
        client.start()
    kills = 0
    try:
        for _round in range(KILLS):
            server = start_server(uri, port)
            try:
                reached = stream.wait_for(len(stream.acknowledged) + ROUND_ACKS, time.monotonic() + ROUND_SECONDS)
                assert reached, f"no progress in round {_round}: {stream.statuses}"
            finally:
                kill(server)
            kills += 1
        server = start_server(uri, port)  # a last server, for the replays of the last round
        try:
            stream.wait_for(len(stream.acknowledged) + ROUND_ACKS, time.monotonic() + ROUND_SECONDS)
            stream.stop.set()
            for client in clients:
                client.join(timeout=10)
            for kind in ("single", "batch"):  # what the clients still hold, replayed to the end
                for item in stream.pending[kind]:
                    deadline = time.monotonic() + ROUND_SECONDS
                    while time.monotonic() < deadline:
                        try:
                            status, _body = stream._post("/api/v1/responses", item, {} if kind == "single" else {
                                "Authorization": f"Bearer {token}"})
                        except OSError:
                            status = None
                        stream.statuses[status] += 1
                        if status in (200, 201):
                            stream.acknowledged.add(item["submission_id"])
                            break
                        time.sleep(0.05)
        finally:
            kill(server)
    finally:
        stream.stop.set()

    app = make_app(uri)
    with app.app_context():
        stored = Counter(db.session.execute(db.select(Response.submission_id)).scalars())
        answers = Counter(db.session.execute(db.select(Response.submission_id).join(Answer)).scalars())
        integrity = db.session.execute(db.text("PRAGMA integrity_check")).scalar_one()
        db.engine.dispose()
    lost = [sid for sid in stream.acknowledged if sid not in stored]
    doubled = [sid for sid, n in stored.items() if n > 1]
    partial = [sid for sid in stored if answers[sid] != ANSWERS_PER_RESPONSE]
    unknown = [sid for sid in stored if sid not in stream.sent]
    TALLY["kill -9 of gunicorn"] += kills
    TALLY["kill suite: responses sent"] += len(stream.sent)
    TALLY["kill suite: acknowledged"] += len(stream.acknowledged)
    TALLY["kill suite: lost"] += len(lost)
    TALLY["kill suite: doubled"] += len(doubled)
    TALLY["kill suite: partial"] += len(partial)
    TALLY["kill suite: answered 500"] += stream.statuses[500] + stream.statuses["item 500"]
    TALLY["kill suite: connections lost and replayed"] += stream.statuses["connection lost"]
    assert kills == KILLS
    assert integrity == "ok"
    assert (lost, doubled, partial, unknown) == ([], [], [], [])
    assert stream.statuses[500] == 0 and stream.statuses["item 500"] == 0, stream.statuses
    assert set(stream.sent) == stream.acknowledged == set(stored)  # every response sent got in, once
