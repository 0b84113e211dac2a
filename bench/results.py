"""Results at scale: the overview page and the results API on 1,000,000 responses.

Fills a fresh SQLite database (migrated by Alembic) with ``--responses`` responses (default
1,000,000) to ``--questionnaires`` questionnaires of 12 rating questions each, over 2 cycles
(12 million answers), then measures in the same run:

* the bare ``GROUP BY questionnaire_id, cycle_id, question_id, numeric_value`` that every
  result starts from (sqlite3, no application code);
* ``GET /results/?cycle=2026&baseline=2025`` (the evaluators' overview, HTML with its charts)
  and ``GET /api/v1/results/<id>?cycle=2026&baseline=2025``, each

  - **cold**: every cache emptied before each request (a freshly started server);
  - **after a new response**: a citizen's response is posted to the open cycle before each
    request (not timed), so the results are recomputed; the per-cycle GROUP BY tables are
    topped up with the new responses only (``survey_app/results/tables.py``, ``CycleTables``);
  - **warm**: nothing changed since the last view (the results are cached, keyed on a
    fingerprint of the data).

Prints p50 and p95 of each and their ratio to the bare GROUP BY. Target (issue 4): p95 under
1 s for the overview and the API.

    .venv/bin/python bench/results.py [--responses 1000000] [--repeat 10] [--keep PATH]

Loading uses sqlite3 directly (one transaction, indexes rebuilt after the load): about a
minute for 12 million answers. Not a test: it never runs under pytest.
"""
from __future__ import annotations

import argparse
import os
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


def load(path: Path, responses: int, questionnaires: int, seed: int = 4) -> tuple[str, list[str]]:
    """Create the schema, the catalogue and the users through the application, then bulk-load
    responses and answers with sqlite3. Returns an evaluator API token and the questionnaire ids."""
    import questionnaires as qn
    from flask_migrate import upgrade

    from survey_app import create_app
    from survey_app.extensions import db
    from survey_app.models import Cycle
    from survey_app.services import catalogue, users

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench"})
    with app.app_context():
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
    ids = sorted(versions)

    rng = np.random.default_rng(seed)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -400000")
    indexes = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('answer', 'response') "
        "AND sql IS NOT NULL").fetchall()
    for name, _sql in indexes:
        con.execute(f'DROP INDEX "{name}"')
    con.execute("BEGIN")
    q_of = rng.integers(0, len(ids), responses)
    c_of = np.where(rng.random(responses) < 0.5, cycle_ids["2025"], cycle_ids["2026"])
    channel = rng.choice(["online", "kiosk", "paper", "phone"], responses, p=[0.5, 0.3, 0.15, 0.05])
    language = np.where(rng.random(responses) < 0.85, "fr", "en")
    t = time.perf_counter()
    con.executemany(
        "INSERT INTO response (id, public_id, submission_id, questionnaire_id, version_id, cycle_id, channel, "
        "language, site, submitted_on, payload_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((i + 1, f"p{i:x}", f"s{i:x}", ids[q_of[i]], versions[ids[q_of[i]]], int(c_of[i]), str(channel[i]),
          str(language[i]), "Comptoir central" if channel[i] == "kiosk" else None, "2026-05-01", "h")
         for i in range(responses)))
    level = 3.4 + 0.15 * (c_of == cycle_ids["2026"]) + 0.1 * q_of
    chunk = 100_000
    answer_id = 0
    for start in range(0, responses, chunk):
        stop = min(start + chunk, responses)
        n = stop - start
        values = np.clip(np.rint(level[start:stop, None] + rng.normal(0, 1.0, (n, N_QUESTIONS))), 1, 5)
        na = rng.random((n, N_QUESTIONS)) < 0.05
        na[:, 0] = False
        rows = []
        for r in range(n):
            rid = start + r + 1
            qid = ids[q_of[start + r]]
            cid = int(c_of[start + r])
            for k in range(N_QUESTIONS):
                answer_id += 1
                rows.append((answer_id, rid, qid, cid, f"q{k + 1:02d}", None if na[r, k] else float(values[r, k]),
                             int(na[r, k])))
        con.executemany("INSERT INTO answer (id, response_id, questionnaire_id, cycle_id, question_id, "
                        "numeric_value, text_value, is_na) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)", rows)
    con.execute("COMMIT")
    loaded = time.perf_counter() - t
    t = time.perf_counter()
    for _name, sql in indexes:
        con.execute(sql)
    con.execute("ANALYZE")
    con.execute("PRAGMA journal_mode = WAL")
    con.close()
    print(f"loaded {responses:,} responses and {answer_id:,} answers in {loaded:.0f} s; "
          f"indexes rebuilt in {time.perf_counter() - t:.0f} s")
    return token, ids


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
    parser.add_argument("--keep", type=Path, help="database file to create or reuse (default: a temporary one)")
    args = parser.parse_args(argv)

    tmp = None
    if args.keep is not None and args.keep.exists():
        path = args.keep
        token = None
    else:
        tmp = tempfile.TemporaryDirectory(prefix="servir-bench-")
        path = args.keep or Path(tmp.name) / "results.sqlite3"
        token, _ids = load(path, args.responses, args.questionnaires)

    from survey_app import charts, create_app
    from survey_app.extensions import db
    from survey_app import results
    from survey_app.services import users

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench"})
    with app.app_context():
        if token is None:
            token = users.issue_token("evaluator@example.org")
        ids = [r[0] for r in db.session.execute(db.text("SELECT id FROM questionnaire ORDER BY id")).all()]
        n_answers = db.session.execute(db.text("SELECT COUNT(*) FROM answer")).scalar()
        n_responses = db.session.execute(db.text("SELECT COUNT(*) FROM response")).scalar()
        db.session.remove()
    print(f"database: {n_responses:,} responses, {n_answers:,} answers, {len(ids)} questionnaires "
          f"x {N_QUESTIONS} questions, 2 cycles ({path})")

    con = sqlite3.connect(path)
    group_by = ("SELECT questionnaire_id, cycle_id, question_id, numeric_value, COUNT(*) FROM answer "
                "GROUP BY questionnaire_id, cycle_id, question_id, numeric_value")
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

    get(overview_url)  # warm up imports, templates and fonts
    measures = [
        ("bare GROUP BY (sqlite3)", bare),
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
