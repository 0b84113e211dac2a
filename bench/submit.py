"""Durable submissions per second through POST /api/v1/responses, against GET /healthz.

Starts ``gunicorn "survey_app:create_app()"`` with 2 workers on a fresh SQLite database in
WAL mode with ``synchronous=FULL`` (every commit survives a power cut), then drives both
endpoints in the same run with wrk on loopback (8 connections), and prints both rates, the
p99 latencies, the errors and the ratio submissions / healthz.

Target (issue 2): ratio >= 0.25, zero errors, submission p99 under 50 ms.

    .venv/bin/python bench/submit.py [--duration 15] [--connections 8]

Needs wrk (Debian: ``apt-get install wrk``). Not a test: it never runs under pytest.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# Each request gets a fresh random UUID (version 4 layout), so every POST is a new response.
POST_SCRIPT = r"""
local counter = 0
local thread_seed = 0
setup = function(thread)
  thread_seed = thread_seed + 1
  thread:set("seed", thread_seed)
end
init = function(args)
  math.randomseed(os.time() * 1000 + (seed or 0) * 7919)
end
local function hex(n)
  local s = ""
  for i = 1, n do s = s .. string.format("%x", math.random(0, 15)) end
  return s
end
request = function()
  counter = counter + 1
  local id = hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-a" .. hex(3) .. "-" .. hex(12)
  local body = '{"submission_id":"' .. id .. '","questionnaire":"QID","channel":"online",' ..
    '"language":"fr","answers":ANSWERS}'
  return wrk.format("POST", "/api/v1/responses", {["Content-Type"] = "application/json"}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("P99_US %d\n", latency:percentile(99)))
  io.write(string.format("NON2XX %d\n", summary.errors.status))
end
"""

GET_SCRIPT = r"""
done = function(summary, latency, requests)
  io.write(string.format("P99_US %d\n", latency:percentile(99)))
  io.write(string.format("NON2XX %d\n", summary.errors.status))
end
"""


def flask(env, *args):
    subprocess.run([str(BIN / "flask"), "--app", "survey_app", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def prepare(workdir: Path) -> tuple[dict, str, dict]:
    # One client sends thousands of anonymous responses: the per-client limit would answer 429.
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
           "SECRET_KEY": "bench", "SERVIR_RATELIMIT_ENABLED": "false"}
    flask(env, "db", "upgrade")
    flask(env, "questionnaires", "sync")
    flask(env, "cycles", "create", "BENCH", "--name", "Benchmark")
    flask(env, "cycles", "open", "BENCH")
    import questionnaires

    definition = questionnaires.load_demo()[0]
    answers = {}
    for question in definition.questions:
        if question.type == "rating":
            answers[question.id] = question.scale.max
        elif question.type == "yes_no":
            answers[question.id] = True
        elif question.type == "text":
            answers[question.id] = "Très bon service au comptoir."
    return env, definition.id, answers


def wait_ready(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not answer {url} within {timeout:.0f} s")


def run_wrk(url: str, script: Path, duration: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "-s", str(script), url],
        capture_output=True, text=True, check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = sum(map(int, socket_errors.groups())) if socket_errors else 0
    return {
        "rate": rate,
        "p99_ms": int(re.search(r"P99_US (\d+)", out).group(1)) / 1000,
        "errors": errors + int(re.search(r"NON2XX (\d+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--port", type=int, default=5077)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")

    with tempfile.TemporaryDirectory(prefix="servir-bench-") as tmp:
        workdir = Path(tmp)
        env, questionnaire_id, answers = prepare(workdir)
        post_script = workdir / "post.lua"
        post_script.write_text(POST_SCRIPT.replace("QID", questionnaire_id)
                               .replace("ANSWERS", json.dumps(answers, ensure_ascii=False)))
        get_script = workdir / "get.lua"
        get_script.write_text(GET_SCRIPT)
        base = f"http://127.0.0.1:{args.port}"
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{args.port}", "--log-level", "warning",
             "survey_app:create_app()"],
            cwd=ROOT, env=env, start_new_session=True,
        )
        try:
            wait_ready(base + "/healthz")
            run_wrk(base + "/healthz", get_script, 2, args.connections)  # warm-up
            health = run_wrk(base + "/healthz", get_script, args.duration, args.connections)
            submit = run_wrk(base + "/api/v1/responses", post_script, args.duration, args.connections)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        with sqlite3.connect(workdir / "bench.sqlite3") as connection:
            stored = connection.execute("SELECT count(*) FROM response").fetchone()[0]
            sync = connection.execute("PRAGMA synchronous").fetchone()[0]
            journal = connection.execute("PRAGMA journal_mode").fetchone()[0]

    ratio = submit["rate"] / health["rate"]
    print(f"database: SQLite journal_mode={journal}, synchronous of the app's connections=FULL "
          f"(a fresh connection reports {sync})")
    print(f"GET  /healthz            {health['rate']:9.1f} req/s  p99 {health['p99_ms']:6.1f} ms  errors {health['errors']}")
    print(f"POST /api/v1/responses   {submit['rate']:9.1f} req/s  p99 {submit['p99_ms']:6.1f} ms  errors {submit['errors']}")
    print(f"responses stored: {stored} ({submit['requests']} replies counted by wrk)")
    print(f"ratio submissions/healthz: {ratio:.3f}  (target >= 0.25, zero errors, p99 < 50 ms)")
    ok = ratio >= 0.25 and submit["errors"] == 0 and submit["p99_ms"] < 50
    print("target met" if ok else "target NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
