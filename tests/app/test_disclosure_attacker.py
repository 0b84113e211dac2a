"""An evaluator who wants to know more than allowed (issue 11): generated responses with small
groups planted on every filter dimension, every view the results API allows (each filter
value and each pair of filters), every sum and difference of up to four published views, and
the same attacker against the comments and the raw exports.

The attacker knows which respondents each view covers (the filters say so); a combination
of views whose coefficients add up, respondent by respondent, to 1 on a set of fewer than
10 respondents and 0 elsewhere gives that set's n, index and % satisfied exactly. The test
fails on any such set, planted or not.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import re
import time
import uuid

import numpy as np
import pytest

import questionnaires as qn
from survey_app.database import write_transaction
from survey_app.extensions import db
from survey_app.models import CHANNELS, Answer, Cycle, Response
from survey_app.services import catalogue, cycles
from tests.helpers import PASSWORD

CYCLE = "2026"
MIN_N = 10
LANGUAGES = ("fr", "en")
# (channel, site, language, how many): the planted small groups are marked
GROUPS = [
    ("online", None, "fr", 120),
    ("online", None, "en", 30),
    ("kiosk", "Bureau A", "fr", 40),
    ("kiosk", "Bureau B", "fr", 25),
    ("kiosk", "Bureau B", "en", 9),    # planted: kiosk x English x one site
    ("kiosk", "Petit comptoir", "fr", 3),  # planted: a site of 3
    ("paper", None, "fr", 15),
    ("paper", None, "en", 4),          # planted: paper x English
    ("phone", None, "fr", 9),          # planted: a channel of 9
]
PLANTED = {
    "channel=phone": lambda r: r["channel"] == "phone",
    "site=Petit comptoir": lambda r: r["site"] == "Petit comptoir",
    "kiosk x en x Bureau B": lambda r: r["site"] == "Bureau B" and r["language"] == "en",
    "paper x en": lambda r: r["channel"] == "paper" and r["language"] == "en",
}
SITES = sorted({g[1] for g in GROUPS if g[1]})
CONTACTS = ["Écrivez-moi à jeanne.tremblay@example.com", "Appelez au 514 555-0199 SVP",
            "J’habite au 1234 rue Sainte-Catherine", "Call me at (418) 555-0123",
            "I live at 45 Main Street", "Au 12, boul. René-Lévesque, merci"]


def plant(app) -> list[dict]:
    """Store the responses; returns one dict per respondent (its cell and answers)."""
    rng = np.random.default_rng(11)
    people = []
    with app.app_context():
        cycles.create_cycle(CYCLE, "Cycle 2026")
        cycles.set_state(CYCLE, "open")
        version = catalogue.get_published("comptoir").current_version
        definition = catalogue.definition_of(version)
        with write_transaction():
            cycle_id = db.session.execute(db.select(Cycle.id).where(Cycle.code == CYCLE)).scalar_one()
            for channel, site, language, count in GROUPS:
                for _ in range(count):
                    i = len(people)
                    answers = {"overall": int(rng.integers(1, 6)), "met": bool(rng.random() < 0.6),
                               "courtesy": "na" if i % 7 == 0 else int(rng.integers(1, 6)),
                               "contact": "counter", "topics": ["permit"], "wait_minutes": int(rng.integers(0, 60)),
                               "comment": (CONTACTS[i % len(CONTACTS)] if i % 11 == 0 else f"Commentaire n° {i}")}
                    response = Response(
                        public_id=uuid.uuid4().hex[:16], submission_id=str(uuid.uuid4()),
                        questionnaire_id="comptoir", version_id=version.id, cycle_id=cycle_id,
                        channel=channel, language=language, site=site, submitted_on=dt.date(2026, 5, 1),
                        payload_hash=hashlib.sha256(str(i).encode()).hexdigest())
                    db.session.add(response)
                    for answer in qn.validate_answers(definition, answers):
                        question = definition.question(answer.question_id)
                        numeric, text, is_na = qn.answer_to_storage(question, answer.value)
                        db.session.add(Answer(response=response, questionnaire_id="comptoir", cycle_id=cycle_id,
                                              question_id=answer.question_id, numeric_value=numeric,
                                              text_value=text, is_na=is_na))
                    people.append({"channel": channel, "site": site, "language": language, **answers})
    return people


def every_view() -> list[dict[str, str]]:
    """Every filter value the API accepts, alone and in pairs (small ones included)."""
    values = {"channel": list(CHANNELS), "site": SITES, "language": list(LANGUAGES)}
    views = [{}] + [{d: v} for d, vs in values.items() for v in vs]
    for d1, d2 in itertools.combinations(values, 2):
        views += [{d1: a, d2: b} for a in values[d1] for b in values[d2]]
    return views


def members(people: list[dict], view: dict[str, str], question: str | None = None) -> np.ndarray:
    return np.array([all(p[d] == v for d, v in view.items())
                     and (question is None or p[question] != "na") for p in people], dtype=np.float64)


def combinations(size: int, depth: int = 4) -> np.ndarray:
    rows = []
    for k in range(1, min(depth, size) + 1):
        for combo in itertools.combinations(range(size), k):
            for signs in itertools.product((1, -1), repeat=k - 1):
                row = np.zeros(size)
                row[combo[0]] = 1
                row[list(combo[1:])] = signs
                rows.append(row)
    return np.array(rows).reshape(-1, size)


def recovered_groups(vectors: np.ndarray, people: list[dict]) -> tuple[int, set[str], int]:
    """(differences tried, planted groups recovered, small groups recovered) for the sets
    of respondents the published views cover (rows of ``vectors``)."""
    if len(vectors) == 0:
        return 0, set(), 0
    coefficients = combinations(len(vectors))
    planted = {name: np.array([test(p) for p in people], dtype=np.float64) for name, test in PLANTED.items()}
    found: set[str] = set()
    small = 0
    for block in range(0, len(coefficients), 2048):
        combined = coefficients[block:block + 2048] @ vectors
        for w in (combined, -combined):
            group = np.all((w == 0) | (w == 1), axis=1)
            sizes = w.sum(axis=1)
            small += int((group & (sizes > 0) & (sizes < MIN_N)).sum())
            for name, indicator in planted.items():
                if np.any(np.all(w == indicator, axis=1)):
                    found.add(name)
    return len(coefficients), found, small


@pytest.fixture
def evaluator(client, make_user):
    make_user("attacker@example.org", "evaluator")
    assert client.post("/auth/login", data={"email": "attacker@example.org", "password": PASSWORD}).status_code == 302
    return client


def test_no_small_group_is_recovered_from_any_combination_of_views(app, evaluator, capsys):
    started = time.monotonic()
    people = plant(app)
    published, question_published, requested = [], {"overall": [], "courtesy": []}, 0
    for view in every_view():
        body = evaluator.get("/api/v1/results/comptoir", query_string={"cycle": CYCLE, **view}).get_json()
        requested += 1
        questions = {q["id"]: q for q in body["questions"]}
        if "responses" in body:
            assert body["responses"] == 0 or body["responses"] >= MIN_N  # an empty view holds nobody
            published.append(view)
        else:  # a withheld view tells no count
            assert body["suppressed"] is True
            assert all("n" not in q and "index" not in q for q in body["questions"])
        for qid in question_published:
            if not questions[qid].get("suppressed"):
                assert questions[qid]["n"] >= MIN_N
                question_published[qid].append(view)
    tried, found, small = 0, set(), 0
    for question, views in [(None, published), *question_published.items()]:
        vectors = np.array([members(people, v, question) for v in views])
        t, f, s = recovered_groups(vectors, people)
        tried, found, small = tried + t, found | f, small + s
    with capsys.disabled():
        print(f"\n[attacker] views requested: {requested}, published: {len(published)}, "
              f"differences tried: {tried}, planted groups recovered: {len(found)}, "
              f"small groups recovered: {small}, {time.monotonic() - started:.1f} s")
    assert found == set() and small == 0
    # the evaluator still sees what protection allows: the big groups' views
    assert {} in published and {"channel": "online"} in published and {"site": "Bureau A"} in published
    # filter values below the threshold are not offered on the pages
    html = evaluator.get(f"/results/comptoir?cycle={CYCLE}").get_data(as_text=True)
    assert 'value="Petit comptoir"' not in html and 'value="phone"' not in html
    assert 'value="Bureau A"' in html


def test_comments_belong_to_one_group_and_hide_contact_details(app, evaluator):
    people = plant(app)
    seen = []
    for view in every_view():
        html = evaluator.get("/results/comptoir", query_string={"cycle": CYCLE, **view}).get_data(as_text=True)
        comments = set(re.findall(r"Commentaire n° (\d+)", html))
        seen.append(comments)
        for contact in ("jeanne.tremblay@example.com", "555-0199", "1234 rue Sainte-Catherine",
                        "555-0123", "45 Main Street", "12, boul. René-Lévesque"):
            assert contact not in html
    shown = [s for s in seen if s]
    assert len(shown) == 1 and seen[0]  # the unfiltered view only: no two views to subtract
    # and the comments' order does not follow submission
    order = [int(c) for c in re.findall(r"Commentaire n° (\d+)",
                                        evaluator.get(f"/results/comptoir?cycle={CYCLE}").get_data(as_text=True))]
    assert order != sorted(order) and order != sorted(order, reverse=True)
    assert len(people) == sum(g[3] for g in GROUPS)


def test_the_export_is_k_anonymous_shuffled_and_masked(app, evaluator, make_user, client):
    people = plant(app)
    body = evaluator.get(f"/exports/comptoir.csv?cycle={CYCLE}").get_data(as_text=True)
    # the page CSV in the French reader's convention: a byte-order mark and ";"
    rows = list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff")), delimiter=";"))
    assert len(rows) == len(people)
    classes: dict[tuple, int] = {}
    for row in rows:
        key = (row["channel"], row["site"], row["language"], row["month"])
        classes[key] = classes.get(key, 0) + 1
    assert min(classes.values()) >= MIN_N, classes
    assert "Petit comptoir" not in body and "phone" not in {r["channel"] for r in rows}
    for contact in ("jeanne.tremblay@example.com", "555-0199", "1234 rue Sainte-Catherine", "45 Main Street"):
        assert contact not in body
    # rows in a random order, not the order of submission (the comments number the people)
    numbers = [int(m.group(1)) for r in rows if (m := re.match(r"Commentaire n° (\d+)", r["comment"]))]
    assert numbers != sorted(numbers)
    # the codebook says what protection changed
    from openpyxl import load_workbook
    workbook = load_workbook(io.BytesIO(evaluator.get(f"/exports/comptoir.xlsx?cycle={CYCLE}").data))
    codebook = [[c.value for c in row] for row in workbook.worksheets[-1].iter_rows()]
    assert any((r[1] == "site" and "autre" in str(r[4]).lower()) or (r[1] == "site" and "other" in str(r[4]))
               for r in codebook)
    # the unprotected export: admins only, audited
    assert evaluator.get(f"/admin/exports/comptoir.csv?cycle={CYCLE}").status_code == 403
    evaluator.post("/auth/logout")
    make_user("stats@example.org", "admin")
    client.post("/auth/login", data={"email": "stats@example.org", "password": PASSWORD})
    raw = client.get(f"/admin/exports/comptoir.csv?cycle={CYCLE}")
    assert raw.status_code == 200 and "Petit comptoir" in raw.get_data(as_text=True)
    audit = client.get("/admin/audit/").get_data(as_text=True)
    assert "export.unprotected" in audit
