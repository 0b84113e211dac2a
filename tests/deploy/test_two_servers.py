"""docs/deployment.md, run: two gunicorn servers behind nginx, one PostgreSQL, one Redis.

Everything listens on 127.0.0.1 only. The fixture does what the guide says, with the guide's
commands: a database of its own on the PostgreSQL server named by TEST_DATABASE_URL,
``flask db upgrade`` once, two ``gunicorn 'survey_app:create_app()'`` servers with the same
SECRET_KEY and SERVIR_REDIS_URL, and nginx running deploy/nginx/servir.conf rendered (TLS with
a throwaway certificate). Then clients stream submissions through nginx, replaying whatever
was not acknowledged as a kiosk does; one server is killed (SIGKILL of its master and workers)
mid-stream; every acknowledged submission must be stored exactly once, the clients must see no
500, and both servers, the dead one restarted, must show identical results. A second test
reaches the sign-in limit through alternating servers: the count is shared.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, make_url, text

from tests.deploy.helpers import TALLY, free_port, port_open, skip_or_fail, tool, wait_until

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx" / "servir.conf"
DEFINITIONS = ROOT / "tests" / "app" / "definitions"
CYCLE = "2026"
EVALUATOR = "evaluation@ville.example"
SUBMISSIONS = 240          # in all, by the clients together
KILL_AFTER = 60            # acknowledgements before one server is killed
STREAM_SECONDS = 180       # at most this long for the whole stream


@dataclass
class Server:
    """One gunicorn server: its port and, while it runs, its process (master of a session)."""

    port: int
    environment: dict
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
                   "--graceful-timeout", "5", "survey_app:create_app()"]
        with self.log.open("ab") as log:
            # Its own session: os.killpg reaches the master and its workers at once.
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.environment, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: health(self.port) == 200, f"gunicorn on {self.port} (see {self.log})",
                   seconds=90, process=self.process)

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@dataclass
class Deployment:
    servers: tuple[Server, Server]
    https_port: int
    http_port: int
    tls: ssl.SSLContext
    database_url: str
    evaluator_token: str
    kiosk_token: str
    nginx_log: Path

    def through_nginx(self) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection("127.0.0.1", self.https_port, timeout=30, context=self.tls)


def call(connection: http.client.HTTPConnection, method: str, path: str, body: str | None = None,
         headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One request on its own connection, closed after: status, headers and body."""
    try:
        connection.request(method, path, body, headers or {})
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


def direct(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=60)


def health(port: int) -> int | None:
    try:
        return call(direct(port), "GET", "/healthz")[0]
    except OSError:
        return None


def flask(environment: dict, *arguments: str, stdin: str | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "survey_app", *arguments], cwd=ROOT,
                          env=environment, input=stdin, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"flask {' '.join(arguments)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def render(template: Path, values: dict[str, str]) -> str:
    """The guide's rendering: every @NAME@ replaced, none left over."""
    text_ = template.read_text()
    for name, value in values.items():
        text_ = text_.replace(f"@{name}@", value)
    leftover = re.findall(r"@[A-Z_0-9]+@", text_)
    assert not leftover, f"placeholders not filled: {leftover}"
    return text_


def own_database(base_url: str) -> str:
    """A fresh database beside TEST_DATABASE_URL's (``<name>_deploy``): this suite's alone."""
    url = make_url(base_url)
    name = f"{url.database}_deploy"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def certificate(folder: Path) -> tuple[Path, Path]:
    openssl = tool("openssl", "/usr/bin")
    cert, key = folder / "servir.crt", folder / "servir.key"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def start_nginx(folder: Path, upstreams: list[int], http_port: int, https_port: int,
                cert: Path, key: Path) -> subprocess.Popen:
    """nginx without root: its own prefix, pid file, logs and temporary folders."""
    binary = tool("nginx", "/usr/sbin")
    site = render(TEMPLATE, {
        "SERVER_1": f"127.0.0.1:{upstreams[0]}", "SERVER_2": f"127.0.0.1:{upstreams[1]}",
        "SERVER_NAME": "localhost 127.0.0.1", "HTTP_LISTEN": f"127.0.0.1:{http_port}",
        "HTTPS_LISTEN": f"127.0.0.1:{https_port}", "TLS_CERTIFICATE": str(cert), "TLS_KEY": str(key),
    })
    (folder / "servir.conf").write_text(site)
    temporary = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in
                          ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # As root (CI), workers would switch to "nobody", who cannot enter pytest's private folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\nevents {{ worker_connections 256; }}\n"
        # the upstreams each request went to: "a, b" when nginx sent it on to the second
        "http {\n    log_format upstreams '$request_method $uri $status $upstream_addr $upstream_status';\n"
        f"    access_log {folder / 'access.log'} upstreams;\n{temporary}\n    include {folder / 'servir.conf'};\n}}\n")
    test = subprocess.run([binary, "-t", "-p", str(folder), "-e", str(folder / "error.log"),
                           "-c", str(folder / "nginx.conf")], capture_output=True, text=True, timeout=30)
    assert test.returncode == 0, test.stderr
    process = subprocess.Popen([binary, "-p", str(folder), "-e", str(folder / "error.log"),
                                "-c", str(folder / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: port_open(https_port), "nginx", process=process)
    return process


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, redis_url) -> Iterator[Deployment]:
    base_url = os.environ.get("TEST_DATABASE_URL", "")
    if not base_url.startswith("postgresql"):
        skip_or_fail("TEST_DATABASE_URL names no PostgreSQL server: the deployment runs on PostgreSQL")
    folder = tmp_path_factory.mktemp("deployment")
    (folder / "nginx").mkdir()
    cert, key = certificate(folder)
    database_url = own_database(base_url)
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SERVIR_")},
        # what docs/deployment.md sets on every server
        "DATABASE_URL": database_url,
        "SECRET_KEY": "the same long random secret on every server",
        "SERVIR_REDIS_URL": redis_url,
        "SERVIR_TRUSTED_PROXIES": "1",
        "QUESTIONNAIRES_DIR": str(DEFINITIONS),
        # the clients of this test all come from 127.0.0.1; the sign-in limit is reached quickly
        "SERVIR_SUBMISSION_LIMIT_PER_CLIENT": "100000 per hour",
        "SERVIR_SIGNIN_LIMIT_PER_ACCOUNT": "3 per 15 minutes",
        "PYTHONPATH": str(ROOT),
    }
    flask(environment, "db", "upgrade")
    flask(environment, "questionnaires", "sync")
    flask(environment, "cycles", "create", CYCLE, "--name", "Cycle 2026")
    flask(environment, "results", "tally")  # as the guide says, before the servers start
    flask(environment, "cycles", "open", CYCLE)
    flask(environment, "users", "create", EVALUATOR, "--role", "evaluator", stdin="un mot de passe assez long\n" * 2)
    token = flask(environment, "users", "token", EVALUATOR).strip().splitlines()[-1]
    enrolled = flask(environment, "kiosks", "enroll", "Comptoir 1", "--site", "Ahuntsic",
                     "--questionnaire", "comptoir", "--pin", "246813")
    ports = (free_port(), free_port())
    servers = (Server(ports[0], environment, folder / "server-1.log"),
               Server(ports[1], environment, folder / "server-2.log"))
    nginx = None
    try:
        for server in servers:
            server.start()
        http_port, https_port = free_port(), free_port()
        nginx = start_nginx(folder / "nginx", list(ports), http_port, https_port, cert, key)
        tls = ssl.create_default_context(cafile=str(cert))
        status, _headers, body = call(direct(ports[0]), "POST", "/api/v1/kiosks/enroll",
                                      json.dumps({"code": enrolled.split()[-1]}), {"Content-Type": "application/json"})
        assert status == 201, body
        yield Deployment(servers, https_port, http_port, tls, database_url, token, json.loads(body)["token"],
                         folder / "nginx" / "access.log")
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=20)
        for server in servers:
            server.stop()
        engine = create_engine(make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(database_url).database}" WITH (FORCE)'))
        engine.dispose()


class Stream:
    """Clients sending new submissions through nginx — one by one on the public API, and in
    batches of five with a kiosk's token — each replayed until acknowledged, as a kiosk does."""

    def __init__(self, deployment: Deployment):
        self.deployment = deployment
        self.sent: set[str] = set()
        self.acknowledged: set[str] = set()
        self.statuses: Counter = Counter()  # of the HTTP answers
        self.answers: Counter = Counter()   # of each submission (a batch answers 200 with one per item)
        self.failures = 0  # connections refused or reset on the client's side
        self.progress = threading.Condition()
        self.remaining = SUBMISSIONS
        self.deadline = time.monotonic() + STREAM_SECONDS

    def _take(self, size: int, channel: str) -> list[dict]:
        with self.progress:
            size = min(size, self.remaining)
            self.remaining -= size
            batch = [{"submission_id": str(uuid.uuid4()), "questionnaire": "comptoir", "channel": channel,
                      "language": "fr", "answers": {"overall": 1 + (len(self.sent) + i) % 5, "met": True}}
                     for i in range(size)]
            self.sent.update(item["submission_id"] for item in batch)
        return batch

    def _send(self, batch: list[dict], kiosk: bool) -> list[tuple[str, int | None]]:
        """Each submission's status (None: the connection failed)."""
        try:
            if not kiosk:
                status, _headers, _body = call(self.deployment.through_nginx(), "POST", "/api/v1/responses",
                                               json.dumps(batch[0]), {"Content-Type": "application/json"})
                outcome: list[tuple[str, int | None]] = [(batch[0]["submission_id"], status)]
            else:
                status, _headers, body = call(
                    self.deployment.through_nginx(), "POST", "/api/v1/responses/batch",
                    json.dumps({"responses": batch}),
                    {"Content-Type": "application/json", "Authorization": f"Bearer {self.deployment.kiosk_token}"})
                outcome = ([(item["submission_id"], item["status"]) for item in json.loads(body)["results"]]
                           if status == 200 else [(item["submission_id"], status) for item in batch])
        except (OSError, http.client.HTTPException):
            with self.progress:
                self.failures += 1
            return [(item["submission_id"], None) for item in batch]
        with self.progress:
            self.statuses[status] += 1
            self.answers.update(item_status for _submission, item_status in outcome)
        return outcome

    def client(self, kiosk: bool) -> None:
        while batch := self._take(5 if kiosk else 1, "kiosk" if kiosk else "online"):
            while batch and time.monotonic() < self.deadline:
                outcome = self._send(batch, kiosk)
                acknowledged = {submission for submission, status in outcome if status in (200, 201)}
                # refused for good (neither acknowledged nor worth a replay): the assertions report it
                done = acknowledged | {submission for submission, status in outcome
                                       if status not in (None, 200, 201, 502, 503, 504)}
                with self.progress:
                    self.acknowledged |= acknowledged
                    self.progress.notify_all()
                # not acknowledged: the same submissions again, as a kiosk replays its queue
                batch = [item for item in batch if item["submission_id"] not in done]

    def wait_for(self, count: int) -> None:
        with self.progress:
            assert self.progress.wait_for(lambda: len(self.acknowledged) >= count,
                                          timeout=max(0.0, self.deadline - time.monotonic())), \
                f"only {len(self.acknowledged)} acknowledged"

def stored(database_url: str) -> Counter:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT submission_id, count(*) FROM response GROUP BY submission_id")).all()
    engine.dispose()
    return Counter({str(submission): count for submission, count in rows})


def results_from(port: int, token: str) -> dict:
    status, _headers, body = call(direct(port), "GET", f"/api/v1/results/comptoir?cycle={CYCLE}",
                                  headers={"Authorization": f"Bearer {token}"})
    assert status == 200, body
    return json.loads(body)


def test_nginx_speaks_https_to_the_application(deployment):
    status, headers, body = call(deployment.through_nginx(), "GET", "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    # X-Forwarded-Proto reached the application through ProxyFix: HSTS is only sent over HTTPS
    assert headers.get("Strict-Transport-Security", "").startswith("max-age=")
    # the form's session cookie is Secure behind nginx, as it is over HTTPS
    status, headers, _body = call(deployment.through_nginx(), "GET", "/q/comptoir")
    assert status == 200 and "Secure" in headers.get("Set-Cookie", "")
    status, headers, _body = call(direct(deployment.http_port), "GET", "/q/comptoir")
    assert status == 301 and headers.get("Location", "").startswith("https://")


def test_killing_a_server_mid_stream_loses_and_doubles_nothing(deployment):
    first, second = deployment.servers
    stream = Stream(deployment)
    clients = [threading.Thread(target=stream.client, args=(kiosk,), daemon=True) for kiosk in (False, False, False, True)]
    for client in clients:
        client.start()
    stream.wait_for(KILL_AFTER)
    first.kill()
    stream.wait_for(KILL_AFTER + 40)  # the stream goes on, on the server left
    for client in clients:
        client.join(timeout=max(1.0, stream.deadline - time.monotonic()))
    assert not any(client.is_alive() for client in clients), "the stream did not end in time"

    counts = stored(deployment.database_url)
    assert stream.acknowledged == stream.sent, f"{len(stream.sent - stream.acknowledged)} never acknowledged"
    assert not (stream.acknowledged - set(counts)), "acknowledged but not stored"
    assert set(counts) == stream.sent, "stored but never sent"
    assert max(counts.values()) == 1, f"stored twice: {[s for s, n in counts.items() if n > 1]}"
    # nginx sent what died with the server on to the other one (proxy_next_upstream ...
    # non_idempotent): no client saw a 502 or a 500; a 503 or 504 would be absorbed by a replay.
    assert set(stream.statuses) | set(stream.answers) <= {200, 201, 503, 504}, (stream.statuses, stream.answers)

    passed_on = [line for line in (deployment.nginx_log.read_text().splitlines())
                 if line.startswith("POST /api/v1/responses") and "," in line]
    TALLY.update({"submissions sent": len(stream.sent), "stored once": sum(n == 1 for n in counts.values()),
                  "submissions answered 200 (a replay)": stream.answers[200], "5xx seen by a client": sum(
                      n for s, n in stream.statuses.items() if s >= 500),
                  "connections failed on a client": stream.failures,
                  "POSTs nginx sent on to the other server": len(passed_on)})

    first.start()  # back in the pool: both servers must now show the same results
    shown = [results_from(server.port, deployment.evaluator_token) for server in (first, second)]
    assert shown[0] == shown[1]
    overall = next(q for q in shown[0]["questions"] if q["id"] == "overall")
    assert overall["n"] == SUBMISSIONS

    # one more response, through nginx to either server: both count it at once
    status, _headers, _body = call(deployment.through_nginx(), "POST", "/api/v1/responses", json.dumps({
        "submission_id": str(uuid.uuid4()), "questionnaire": "comptoir", "channel": "online",
        "language": "fr", "answers": {"overall": 5}}), {"Content-Type": "application/json"})
    assert status == 201
    shown = [results_from(server.port, deployment.evaluator_token) for server in (second, first)]
    assert shown[0] == shown[1]
    assert next(q for q in shown[0]["questions"] if q["id"] == "overall")["n"] == SUBMISSIONS + 1


def _sign_in_page(port: int) -> tuple[str, str]:
    """A session cookie and the CSRF token of the sign-in form, from one server."""
    _status, headers, body = call(direct(port), "GET", "/auth/login")
    page = body.decode()
    cookie = headers.get("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert cookie and token, page
    return cookie, token.group(1)


def test_the_sign_in_limit_is_counted_across_servers(deployment):
    ports = [server.port for server in deployment.servers]
    # the session (and its CSRF token) of one server is valid on the other: one SECRET_KEY
    cookie, csrf_token = _sign_in_page(ports[0])
    account = f"someone-{uuid.uuid4().hex[:8]}@ville.example"
    statuses = []
    for attempt in range(5):
        body = urlencode({"csrf_token": csrf_token, "email": account, "password": "not-the-password"})
        status, _headers, _body = call(direct(ports[attempt % 2]), "POST", "/auth/login", body,
                                       {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
        statuses.append(status)
    # three refusals in all, alternating servers, then the limit holds on both
    assert statuses == [422, 422, 422, 429, 429]
