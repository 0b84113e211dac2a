"""A citizen's whole cycle (GET the form, POST it, follow to the thank-you page) against a lean
hand-written Flask + SQLite endpoint, in the same run, with the server's CPU and memory.

Both servers run the same way: ``gunicorn -k gthread`` (1 worker, 8 threads by default) on a
fresh SQLite database in WAL mode with ``synchronous=FULL``. Servir serves the demo declaration
(``questionnaires sync``, one open cycle); the lean endpoint is written below: GET a static
form, POST inserts one row in an immediate transaction, redirect, thank-you page. Both servers
run for the whole bench and are loaded in turn: ``--rounds`` rounds each (6 by default),
alternating lean, Servir, Servir, lean, …, which share ``--duration`` seconds per server, so
that the machine's drift during the run weighs on both alike (one long run of each after the
other could differ by a fifth on this shared machine for that alone). In a round, client
processes (8 by default) each play citizens: a fresh cookie jar per
cycle, the CSRF token and hidden fields read from the page as a browser does (with its script:
``live=1``), every shown question answered. Then it counts the rows each database holds
against the cycles completed (every completed cycle must be stored), and prints cycles/s of
each, their ratio, the server CPU time per cycle (``/proc/<pid>/stat`` of the master and its
workers) and the workers' resident memory.

Target (issue 16): ratio >= 0.55, zero errors, every cycle stored, a worker under 120 MB.
Servir's rate limiter is off by default (every client is 127.0.0.1); ``--rate-limits`` runs it
as production does, every request counted, the per-client limit raised out of reach.

    .venv/bin/python bench/citizen.py [--duration 10] [--rounds 6] [--clients 8] [--questionnaire permis-simple] [--rate-limits]

Not a test: it never runs under pytest. Timings on a loaded machine are rough; the ratio,
measured in the same run, is what counts.
"""
from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TICKS = os.sysconf("SC_CLK_TCK")

LEAN_APP = r'''
"""The baseline: what a hand-written citizen endpoint costs (Flask, sqlite3, no ORM)."""
import os
import sqlite3
import threading
import uuid

from flask import Flask, redirect, request

app = Flask(__name__)
DATABASE = os.environ["LEAN_DATABASE"]
local = threading.local()
FORM = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Formulaire</title></head>
<body><h1>Votre avis</h1><form method="post" action="/q">
<input type="hidden" name="submission_id" value="{id}">
<fieldset><legend>Satisfaction</legend>
<label><input type="radio" name="q_overall" value="5"> 5</label></fieldset>
<button type="submit">Envoyer</button></form></body></html>"""


def connection():
    if not hasattr(local, "db"):
        local.db = sqlite3.connect(DATABASE, isolation_level=None)
        local.db.execute("PRAGMA busy_timeout = 10000")
        local.db.execute("PRAGMA journal_mode = WAL")
        local.db.execute("PRAGMA synchronous = FULL")
    return local.db


@app.get("/q")
def form():
    return FORM.format(id=uuid.uuid4())


@app.post("/q")
def send():
    db = connection()
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO response (submission_id, answers) VALUES (?, ?)",
               (request.form["submission_id"], repr(sorted(request.form.items()))))
    db.execute("COMMIT")
    return redirect("/q/merci")


@app.get("/q/merci")
def thanks():
    return "<!doctype html><html lang=fr><body><h1>Merci !</h1></body></html>"
'''

HIDDEN = re.compile(r'<input\b[^>]*\btype="hidden"[^>]*>')
ATTR = re.compile(r'\b(name|value)="([^"]*)"')


def hidden_fields(page: str) -> list[tuple[str, str]]:
    """The hidden inputs of a page, as a browser would post them (the CSRF token among them)."""
    fields = []
    for tag in HIDDEN.findall(page):
        attrs = dict(ATTR.findall(tag))
        if "name" in attrs:
            fields.append((attrs["name"], _unescape(attrs.get("value", ""))))
    return fields


def _unescape(value: str) -> str:
    return value.replace("&#34;", '"').replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">") \
        .replace("&quot;", '"').replace("&amp;", "&")


def citizen_answers(questionnaire_id: str) -> list[tuple[str, str]]:
    """Form fields answering every question the answers show (a browser running the page's script)."""
    import questionnaires as qn

    definition = next(d for d in qn.load_demo() if d.id == questionnaire_id)
    values: dict[str, object] = {}
    posted: dict[str, list[str]] = {}
    for _round in range(len(definition.questions)):
        shown = qn.check_answers(definition, values).shown
        for question in definition.questions:
            if question.id not in shown or question.id in values:
                continue
            if question.type == "rating":
                assert question.scale is not None
                values[question.id], raw = question.scale.max, [str(question.scale.max)]
            elif question.type == "yes_no":
                values[question.id], raw = True, ["yes"]
            elif question.type in ("choice", "multi_choice"):
                first = question.options[0].value
                values[question.id] = first if question.type == "choice" else [first]
                raw = [first]
            elif question.type == "number":
                number = int(question.min or 0) + 1
                values[question.id], raw = number, [str(number)]
            else:
                values[question.id], raw = "Très bon service au comptoir.", ["Très bon service au comptoir."]
            posted[question.id] = raw
    return [("q_" + qid, value) for qid, raws in posted.items() for value in raws] + [("live", "1")]


class Browser:
    """One keep-alive connection; a fresh cookie jar per citizen."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, str]:
        headers = {"Accept": "text/html", "Accept-Language": "fr"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=body.encode() if body else None, headers=headers)
                reply = self.connection.getresponse()
                text = reply.read().decode()
                break
            except (http.client.HTTPException, ConnectionError):
                # The server closed an idle keep-alive connection: open a new one once.
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise
        for header, value in reply.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return reply.status, reply.getheader("Location") or "", text


def one_cycle(browser: Browser, form_path: str, answers: list[tuple[str, str]]) -> bool:
    """GET the form, POST it (again for a further page), follow the redirect: True when thanked."""
    browser.cookies = {}
    status, _location, page = browser.request("GET", form_path)
    if status != 200:
        return False
    for _page in range(4):
        kept = [(name, value) for name, value in hidden_fields(page) if name != "live"]
        names = {name for name, _value in kept}
        body = urllib.parse.urlencode(kept + [pair for pair in answers if pair[0] not in names])
        status, location, page = browser.request("POST", form_path, body)
        if status in (302, 303):
            path = urllib.parse.urlsplit(location).path or location
            status, _location, _page = browser.request("GET", path)
            return status == 200
        if status != 200:
            return False
    return False


def client(port: int, form_path: str, answers, start: float, stop: float, results) -> None:
    browser = Browser(port)
    done = errors = 0
    while time.time() < start:
        time.sleep(0.001)
    while time.time() < stop:
        try:
            if one_cycle(browser, form_path, answers):
                done += 1
            else:
                errors += 1
        except OSError:
            errors += 1
    results.put((done, errors))


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in found.read_text().split()] if found.exists() else []


def wait_ready(port: int, path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server did not answer {path} on port {port} within {timeout:.0f} s")


class Server:
    """One of the two servers: started once, measured in rounds that alternate with the other's."""

    def __init__(self, name: str, command: list[str], env: dict, port: int, form_path: str, answers):
        self.name, self.port, self.form_path, self.answers = name, port, form_path, answers
        self.process = subprocess.Popen(command, cwd=env.get("BENCH_CWD", ROOT), env=env, start_new_session=True)
        self.cycles = self.errors = self.completed = 0
        self.seconds = self.cpu = self.rss = 0.0
        self.rates: list[float] = []

    def ready(self) -> None:
        wait_ready(self.port, self.form_path)
        self.workers = children(self.process.pid)
        self.pids = [self.process.pid, *self.workers]

    def run(self, seconds: float, clients: int, counted: bool) -> None:
        results: multiprocessing.Queue = multiprocessing.Queue()
        start = time.time() + 0.5
        processes = [multiprocessing.Process(target=client, args=(self.port, self.form_path, self.answers, start,
                                                                  start + seconds, results))
                     for _ in range(clients)]
        for process in processes:
            process.start()
        while time.time() < start:
            time.sleep(0.01)
        before, began = cpu_seconds(self.pids), time.monotonic()
        totals = [results.get() for _ in processes]
        elapsed, cpu = time.monotonic() - began, cpu_seconds(self.pids) - before
        for process in processes:
            process.join()
        done, errors = sum(t[0] for t in totals), sum(t[1] for t in totals)
        self.completed += done
        self.errors += errors
        if counted:
            self.cycles += done
            self.seconds += elapsed
            self.cpu += cpu
            self.rates.append(done / elapsed)
        self.rss = max(self.rss, *(rss_mb(pid) for pid in self.workers or [self.process.pid]))

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)

    def result(self) -> dict:
        return {"name": self.name, "cycles": self.cycles, "errors": self.errors, "completed": self.completed,
                "rate": self.cycles / self.seconds, "cpu_ms": 1000 * self.cpu / max(self.cycles, 1),
                "rss_mb": self.rss, "rates": self.rates}


def measure(lean: Server, servir: Server, args) -> None:
    """Warm both up, then ``--rounds`` rounds each, alternating (lean, Servir, Servir, lean, …):
    the machine's own drift over the run weighs on both alike."""
    for server in (lean, servir):
        server.ready()
    for server in (lean, servir):
        server.run(args.warmup, args.clients, counted=False)
    for round_ in range(args.rounds):
        for server in ((lean, servir) if round_ % 2 == 0 else (servir, lean)):
            server.run(args.duration / args.rounds, args.clients, counted=True)


def gunicorn(args, port: int, target: str) -> list[str]:
    return [str(BIN / "gunicorn"), "-k", "gthread", "-w", str(args.workers), "--threads", str(args.threads),
            "-b", f"127.0.0.1:{port}", "--log-level", "warning", target]


def prepare_servir(workdir: Path, rate_limits: bool = False) -> dict:
    # Every citizen comes from 127.0.0.1: the per-client limit would answer 429. By default the
    # limiter is off; with --rate-limits it runs as in production (every request counted in its
    # storage) with the per-client submission limit raised out of reach.
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'servir.sqlite3'}", "SECRET_KEY": "bench"}
    if rate_limits:
        env["SERVIR_SUBMISSION_LIMIT_PER_CLIENT"] = "100000000 per hour"
    else:
        env["SERVIR_RATELIMIT_ENABLED"] = "false"
    for command in (["db", "upgrade"], ["questionnaires", "sync"],
                    ["cycles", "create", "BENCH", "--name", "Benchmark"], ["cycles", "open", "BENCH"]):
        subprocess.run([str(BIN / "flask"), "--app", "survey_app", *command], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
    return env


def prepare_lean(workdir: Path) -> dict:
    (workdir / "lean_app.py").write_text(LEAN_APP)
    database = workdir / "lean.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("CREATE TABLE response (id INTEGER PRIMARY KEY, submission_id TEXT UNIQUE, answers TEXT)")
    return {**os.environ, "LEAN_DATABASE": str(database), "BENCH_CWD": str(workdir)}


def count(database: Path, sql: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute(sql).fetchone()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds of measured cycles per server")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of cycles before measuring")
    parser.add_argument("--rounds", type=int, default=6,
                        help="measured rounds per server, alternating with the other's (--duration in all)")
    parser.add_argument("--clients", type=int, default=8, help="client processes, each one citizen at a time")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers of each server")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--questionnaire", default="permis-simple", help="a demo questionnaire offered online")
    parser.add_argument("--port", type=int, default=5081)
    parser.add_argument("--rate-limits", action="store_true",
                        help="run Servir with its rate limiter on, as in production (limits raised out of reach)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="servir-citizen-") as tmp:
        workdir = Path(tmp)
        servir_env, lean_env = prepare_servir(workdir, args.rate_limits), prepare_lean(workdir)
        answers = citizen_answers(args.questionnaire)
        servers = [Server("lean Flask + SQLite", gunicorn(args, args.port + 1, "lean_app:app"), lean_env,
                          args.port + 1, "/q", [("q_overall", "5")])]
        try:
            servers.append(Server("Servir", gunicorn(args, args.port, "survey_app:create_app()"), servir_env,
                                  args.port, f"/q/{args.questionnaire}", answers))
            measure(*servers, args)
        finally:
            for server in servers:
                server.stop()
        lean, servir = (server.result() for server in servers)
        lean["stored"] = count(workdir / "lean.sqlite3", "SELECT count(*) FROM response")
        servir["stored"] = count(workdir / "servir.sqlite3", "SELECT count(*) FROM response")

    print(f"SQLite WAL, synchronous=FULL on both (set on each connection); gunicorn gthread, {args.workers} worker(s) x "
          f"{args.threads} threads; {args.clients} clients, {args.duration:g} s each in {args.rounds} alternating rounds; "
          f"Servir's rate limiter {'on' if args.rate_limits else 'off'}")
    for result in (lean, servir):
        print(f"{result['name']:<22} {result['rate']:8.1f} cycles/s  server CPU {result['cpu_ms']:6.2f} ms/cycle  "
              f"worker RSS {result['rss_mb']:6.1f} MB  errors {result['errors']}  "
              f"stored {result['stored']}/{result['completed']} completed")
    ratio = servir["rate"] / lean["rate"]
    rounds = sorted(s / b for s, b in zip(servir["rates"], lean["rates"]))
    print(f"ratio Servir/lean: {ratio:.3f}  (target >= 0.55)  CPU ratio: {servir['cpu_ms'] / lean['cpu_ms']:.2f}x  "
          f"(round by round: {rounds[0]:.3f} to {rounds[-1]:.3f})")
    ok = (ratio >= 0.55 and servir["errors"] == 0 and lean["errors"] == 0
          and servir["stored"] == servir["completed"] and lean["stored"] == lean["completed"]
          and servir["rss_mb"] < 120)
    print("target met" if ok else "target NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
