"""Results at scale: the overview page and the results API on 1,000,000 responses.

Fills a fresh database (migrated by Alembic; SQLite by default, PostgreSQL with
``--database-url``) with ``--responses`` responses (default 1,000,000) to ``--questionnaires``
questionnaires of 12 rating questions each, over 2 cycles (12 million answers), then measures
in the same run:

* the bare ``GROUP BY questionnaire_id, cycle_id, question_id, numeric_value`` of all
  answers that every result starts from (sqlite3 or psycopg, no application code);
* ``GET /results/?cycle=2026&baseline=2025`` (the evaluators' overview, HTML with its charts)
  and ``GET /api/v1/results/<id>?cycle=2026&baseline=2025``, each

  - **cold**: every in-process cache emptied before each request (a freshly started
    server): the cycles' tallies persisted in the database are read back
    (``survey_app/results/tally.py``), the charts drawn again;
  - **after a new response**: a citizen's response is posted to the open cycle before each
    request (not timed), so the results are recomputed; the tallies are topped up with the
    new responses only;
  - **warm**: nothing changed since the last view (the results are cached, keyed on a
    fingerprint of the data).

Prints p50 and p95 of each and the p95's ratio to the bare GROUP BY's p50 (the machine's
speed cancels out). Target (issue 16): p95 under 1 s at 1 M responses, on SQLite and
PostgreSQL. The first overview after the load (a full recount that stores the tallies) is
printed for information.

    .venv/bin/python bench/results.py [--responses 1000000] [--repeat 10] [--keep PATH]
    .venv/bin/python bench/results.py --database-url postgresql+psycopg://postgres@127.0.0.1:54329/servir_bench

Loading bypasses the application: sqlite3 ``executemany`` or PostgreSQL ``COPY`` in one
transaction, indexes rebuilt and the change triggers restored after the load (the load time
is printed; 1,000,000 responses took 62 s on SQLite and 61 s on PostgreSQL on this 2-core
machine, 2026-12-01; the whole bench about 1 min 45 s on each). Not a test: it never runs
under pytest.
"""
from __future__ import annotations

import argparse
import os
import itertools
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N_QUESTIONS = 12
CYCLES = (("2025", "Cycle 2025", "closed"), ("2026", "Cycle 2026", "open"))


def definition(number: int) -> dict:
    scale = {"min": 1, "max": 5, "labels": {str(i): {"fr": f"Niveau {i}", "en": f"Level {i}"} for i in range(1, 6)}}
    dimensions = ["overall", "timeliness", "competence", "courtesy", "fairness", "outcome"]
    questions = []
    for i in range(N_QUESTIONS):
        q = {"id": f"q{i + 1:02d}", "type": "rating", "allow_na": i > 0, "required": i == 0, "scale": scale,
             "text": {"fr": f"Question {i + 1}?", "en": f"Question {i + 1}?"}}
        if i < len(dimensions):
            q["dimension"] = dimensions[i]
        questions.append(q)
    return {
        "id": f"bench-{number}",
        "title": {"fr": f"Banc d'essai {number}", "en": f"Bench {number}"},
        "channels": ["online", "kiosk", "paper", "phone"],
        "commitment": {
            "code": f"C-{50 + number:02d}",
            "title": {"fr": f"Engagement {number}", "en": f"Commitment {number}"},
            "norm": {"fr": "Une norme", "en": "A standard"},
            "unit": {"code": f"UNIT_{number % 3}", "name": {"fr": f"Unité {number % 3}", "en": f"Unit {number % 3}"}},
            "target": {"indicator": "pct_satisfied", "value": 80},
        },
        "questions": questions,
    }


def prepare(url: str, questionnaires: int) -> tuple[str, list[str], dict, dict]:
    """Create the schema, the catalogue and the users through the application. Returns an
    evaluator API token, the questionnaire ids, their current versions and the cycles' ids."""
    import questionnaires as qn
    from flask_migrate import upgrade

    from survey_app import create_app
    from survey_app.extensions import db
    from survey_app.models import Cycle
    from survey_app.services import catalogue, users

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(db.text("DROP SCHEMA public CASCADE"))
                connection.execute(db.text("CREATE SCHEMA public"))
        upgrade()
        catalogue.sync_definitions([qn.from_dict(definition(i + 1)) for i in range(questionnaires)])
        for code, name, state in CYCLES:
            db.session.add(Cycle(code=code, name=name, state=state))
        db.session.commit()
        users.create_user("evaluator@example.org", "bench-password", "evaluator")
        token = users.issue_token("evaluator@example.org")
        versions = dict(db.session.execute(db.text("SELECT id, current_version_id FROM questionnaire")).all())
        cycle_ids = dict(db.session.execute(db.text("SELECT code, id FROM cycle")).all())
        db.session.remove()
        db.engine.dispose()
    return token, sorted(versions), versions, cycle_ids


RESPONSE_COLUMNS = ("id", "public_id", "submission_id", "questionnaire_id", "version_id", "cycle_id", "channel",
                    "language", "site", "submitted_on", "payload_hash")
ANSWER_COLUMNS = ("id", "response_id", "questionnaire_id", "cycle_id", "question_id", "numeric_value", "text_value",
                  "is_na")


def synthetic(responses: int, ids: list[str], versions: dict, cycle_ids: dict, seed: int = 4):
    """The responses as rows, then the answers in chunks of rows (column lists zipped: no
    per-answer Python indexing, which made the fill take five minutes)."""
    rng = np.random.default_rng(seed)
    q_of = rng.integers(0, len(ids), responses)
    c_of = np.where(rng.random(responses) < 0.5, cycle_ids["2025"], cycle_ids["2026"])
    channel = rng.choice(["online", "kiosk", "paper", "phone"], responses, p=[0.5, 0.3, 0.15, 0.05])
    language = np.where(rng.random(responses) < 0.85, "fr", "en")
    qids = [ids[k] for k in q_of.tolist()]
    response_rows = list(zip(
        range(1, responses + 1), (f"p{i:x}" for i in range(responses)), (f"s{i:x}" for i in range(responses)),
        qids, (versions[q] for q in qids), c_of.tolist(), channel.tolist(), language.tolist(),
        ("Comptoir central" if c == "kiosk" else None for c in channel.tolist()),
        itertools.repeat("2026-05-01"), itertools.repeat("h")))
    level = 3.4 + 0.15 * (c_of == cycle_ids["2026"]) + 0.1 * q_of
    question_ids = [f"q{k + 1:02d}" for k in range(N_QUESTIONS)]

    def answers(chunk: int = 100_000):
        for start in range(0, responses, chunk):
            stop = min(start + chunk, responses)
            n = stop - start
            values = np.clip(np.rint(level[start:stop, None] + rng.normal(0, 1.0, (n, N_QUESTIONS))), 1, 5)
            na = rng.random((n, N_QUESTIONS)) < 0.05
            na[:, 0] = False
            numbers = [None if missing else value for value, missing in
                       zip(values.ravel().tolist(), na.ravel().tolist())]
            yield list(zip(
                range(start * N_QUESTIONS + 1, stop * N_QUESTIONS + 1),
                np.repeat(np.arange(start + 1, stop + 1), N_QUESTIONS).tolist(),
                np.repeat(np.array(qids[start:stop], dtype=object), N_QUESTIONS).tolist(),
                np.repeat(c_of[start:stop], N_QUESTIONS).tolist(),
                question_ids * n, numbers, itertools.repeat(None), na.ravel().tolist()))

    return response_rows, answers()


def load_sqlite(path: Path, response_rows, answer_chunks) -> None:
    """sqlite3 executemany in one transaction; indexes and the change triggers dropped during
    the load and created again after it (the change count is then set once)."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -400000")
    dropped = con.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
        "AND tbl_name IN ('answer', 'response') AND sql IS NOT NULL").fetchall()
    for kind, name, _sql in dropped:
        con.execute(f'DROP {kind.upper()} "{name}"')
    con.execute("BEGIN")
    con.executemany(f"INSERT INTO response ({', '.join(RESPONSE_COLUMNS)}) VALUES ({', '.join('?' * 11)})",
                    response_rows)
    for rows in answer_chunks:
        con.executemany(f"INSERT INTO answer ({', '.join(ANSWER_COLUMNS)}) VALUES ({', '.join('?' * 8)})", rows)
    con.execute("INSERT OR REPLACE INTO response_changes (id, count) "
                "SELECT 1, (SELECT count(*) FROM response) + (SELECT count(*) FROM answer)")
    con.execute("COMMIT")
    for _kind, _name, sql in dropped:
        con.execute(sql)
    con.execute("ANALYZE")
    con.execute("PRAGMA journal_mode = WAL")
    con.close()


def load_postgres(dsn: str, response_rows, answer_chunks) -> None:
    """COPY (psycopg's ``cursor.copy``) in one transaction; plain indexes dropped during the
    load, and triggers off (``session_replication_role = replica``: the change triggers and the
    foreign-key checks, which halved the load), the change count set once after it, and every
    answer's response checked in one join instead."""
    import psycopg

    with psycopg.connect(dsn) as con, con.cursor() as cur:
        cur.execute("SELECT indexdef, indexname FROM pg_indexes WHERE tablename IN ('response', 'answer') "
                    "AND indexname NOT IN (SELECT conname FROM pg_constraint)")
        indexes = cur.fetchall()
        for _sql, name in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        cur.execute("SET session_replication_role = replica")
        cur.execute("SET maintenance_work_mem = '512MB'")
        with cur.copy(f"COPY response ({', '.join(RESPONSE_COLUMNS)}) FROM STDIN") as copy:
            for row in response_rows:
                copy.write_row(row)
        for rows in answer_chunks:
            with cur.copy(f"COPY answer ({', '.join(ANSWER_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("SELECT count(*) FROM answer LEFT JOIN response ON response.id = answer.response_id "
                    "WHERE response.id IS NULL")
        orphans = cur.fetchone()[0]
        if orphans:
            raise RuntimeError(f"{orphans} answers without their response: the fill is wrong")
        cur.execute("INSERT INTO response_changes (id, count) SELECT 1, (SELECT count(*) FROM response) "
                    "+ (SELECT count(*) FROM answer) ON CONFLICT (id) DO UPDATE SET count = EXCLUDED.count")
        for table in ("response", "answer"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        for sql, _name in indexes:
            cur.execute(sql)
        con.commit()
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute("VACUUM ANALYZE response")
        con.execute("VACUUM ANALYZE answer")


def load(url: str, responses: int, questionnaires: int) -> tuple[str, list[str]]:
    """A fresh database of ``responses`` responses; returns an evaluator token and the ids."""
    token, ids, versions, cycle_ids = prepare(url, questionnaires)
    t = time.perf_counter()
    response_rows, answer_chunks = synthetic(responses, ids, versions, cycle_ids)
    if url.startswith("sqlite"):
        load_sqlite(Path(url.removeprefix("sqlite:///")), response_rows, answer_chunks)
    else:
        load_postgres(libpq_dsn(url), response_rows, answer_chunks)
    print(f"loaded {responses:,} responses and {responses * N_QUESTIONS:,} answers, indexes rebuilt, "
          f"in {time.perf_counter() - t:.0f} s")
    return token, ids


def libpq_dsn(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_postgres_database(url: str) -> None:
    """Create the benchmark's database on the server if it is not there yet."""
    import psycopg
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = libpq_dsn(target.set(database="postgres").render_as_string(hide_password=False))
    with psycopg.connect(admin, autocommit=True) as con:
        if con.execute("SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)).fetchone() is None:
            con.execute(f'CREATE DATABASE "{target.database}"')


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(np.ceil(0.95 * len(ordered))) - 1)]
    return statistics.median(ordered), p95


def timed(repeat: int, fn) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--questionnaires", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=10, help="requests per cold measurement (warm: 3x)")
    parser.add_argument("--database-url", help="SQLAlchemy URL of the database to fill, e.g. "
                        "postgresql+psycopg://postgres@127.0.0.1:54329/servir_bench (default: a temporary "
                        "SQLite file); its contents are replaced unless --reuse")
    parser.add_argument("--keep", type=Path, help="SQLite file to create or reuse (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true", help="measure the database as it is, without filling it")
    args = parser.parse_args(argv)

    tmp = None
    token = None
    if args.database_url:
        url = args.database_url
        if url.startswith("postgresql"):
            ensure_postgres_database(url)
        if not args.reuse:
            token, _ids = load(url, args.responses, args.questionnaires)
    elif args.keep is not None and args.keep.exists():
        url = f"sqlite:///{args.keep}"
    else:
        tmp = tempfile.TemporaryDirectory(prefix="servir-bench-")
        path = args.keep or Path(tmp.name) / "results.sqlite3"
        url = f"sqlite:///{path}"
        token, _ids = load(url, args.responses, args.questionnaires)

    from survey_app import charts, create_app
    from survey_app.extensions import db
    from survey_app import results
    from survey_app.services import users

    # the "after a response" runs post one response per view: no per-client limit here
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        if token is None:
            token = users.issue_token("evaluator@example.org")
        ids = [r[0] for r in db.session.execute(db.text("SELECT id FROM questionnaire ORDER BY id")).all()]
        n_answers = db.session.execute(db.text("SELECT COUNT(*) FROM answer")).scalar()
        n_responses = db.session.execute(db.text("SELECT COUNT(*) FROM response")).scalar()
        db.session.remove()
        dialect = db.engine.dialect.name
    print(f"database: {n_responses:,} responses, {n_answers:,} answers, {len(ids)} questionnaires "
          f"x {N_QUESTIONS} questions, 2 cycles ({dialect})")

    group_by = ("SELECT questionnaire_id, cycle_id, question_id, numeric_value, COUNT(*) FROM answer "
                "GROUP BY questionnaire_id, cycle_id, question_id, numeric_value")
    if dialect == "sqlite":
        con = sqlite3.connect(url.removeprefix("sqlite:///"))
        bare_name = "bare GROUP BY (sqlite3)"
    else:
        import psycopg

        con = psycopg.connect(libpq_dsn(url), autocommit=True)
        bare_name = "bare GROUP BY (psycopg)"
    rows = con.execute(group_by).fetchall()
    bare = timed(args.repeat, lambda: con.execute(group_by).fetchall())
    con.close()

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    overview_url = "/results/?cycle=2026&baseline=2025"
    api_url = f"/api/v1/results/{ids[0]}?cycle=2026&baseline=2025"

    def get(url):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:500])

    def cold(url):
        def run():
            results.clear_cache()
            charts.clear_cache()
            get(url)
        return run

    posted = [0]

    def after_new_response(url, repeat):
        samples = []
        for _ in range(repeat):
            posted[0] += 1
            answer = client.post("/api/v1/responses", json={
                "submission_id": str(uuid.uuid4()), "questionnaire": ids[0],
                "channel": "online", "language": "fr", "answers": {"q01": 1 + posted[0] % 5, "q02": 4}})
            assert answer.status_code == 201, answer.get_data(as_text=True)
            t = time.perf_counter()
            get(url)
            samples.append(time.perf_counter() - t)
        return samples

    with app.app_context():
        results.invalidate_cycle_tables()  # the first view recounts, as right after the migration
        db.session.commit()
    t = time.perf_counter()
    get(overview_url)  # also warms up imports, templates and fonts
    print(f"first overview after the load (recount, tallies stored): {time.perf_counter() - t:.2f} s")
    measures = [
        (bare_name, bare),
        ("overview page, cold", timed(args.repeat, cold(overview_url))),
        ("overview, after a response", after_new_response(overview_url, 3 * args.repeat)),
        ("overview page, warm", timed(3 * args.repeat, lambda: get(overview_url))),
        ("results API, cold", timed(args.repeat, cold(api_url))),
        ("results API, after a response", after_new_response(api_url, 3 * args.repeat)),
        ("results API, warm", timed(3 * args.repeat, lambda: get(api_url))),
    ]
    base = percentiles(bare)[0]
    print(f"GROUP BY: {len(rows)} frequency-table rows")
    print(f"{'':32} {'p50 (s)':>9} {'p95 (s)':>9} {'p95 / GROUP BY p50':>20}")
    for name, samples in measures:
        p50, p95 = percentiles(samples)
        print(f"{name:32} {p50:9.3f} {p95:9.3f} {p95 / base:20.2f}")
    for kind in ("cold", "after a response", "warm"):
        worst = max(percentiles(s)[1] for n, s in measures if kind in n)
        print(f"target p95 < 1 s, {kind}: {'met' if worst < 1 else 'MISSED'} ({worst:.3f} s)")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    raise SystemExit(main())
