"""Ballot stuffing: bursts of near-identical anonymous responses are flagged to evaluators,
excluded or kept by their decision (audited, reversible), and never silently counted."""
from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import uuid

import pytest

from survey_app.database import write_transaction
from survey_app.extensions import db
from survey_app.models import AuditEvent, BurstReview, Response
from survey_app.results import clear_cache
from survey_app.results.stuffing import Arrival, find_bursts

QUESTIONS = ["a", "b", "c", "d", "e"]
DAY = dt.date(2026, 11, 2)
STUFFED = {"overall": 1, "met": False, "courtesy": 1}


def _arrivals(days: int = 10, per_day: int = 40, seed: int = 1) -> list[Arrival]:
    """Genuine responses: varied answers, every day."""
    rnd = random.Random(seed)
    out = []
    for d in range(days):
        for _ in range(per_day):
            out.append(Arrival(len(out) + 1, "online", None, DAY + dt.timedelta(d),
                               tuple(rnd.choice([2, 3, 4, 4, 5, 5]) for _ in QUESTIONS)))
    return out


def _bursts(arrivals):
    return find_bursts(arrivals, QUESTIONS, min_burst=10, significance=1e-6)


# ------------------------------------------------------------------------ the pure rule


def test_thirty_identical_responses_in_a_row_are_one_burst():
    genuine = _arrivals()
    stuffed = [Arrival(1000 + i, "online", None, DAY, (1, 1, 1, 1, 1)) for i in range(30)]
    found = _bursts(genuine + stuffed)
    assert len(found) == 1
    members, pattern, span, expected, p_value = found[0]
    assert {a.response_id for a in members} == {a.response_id for a in stuffed}
    assert pattern == (1, 1, 1, 1, 1) and span == 30 and p_value < 1e-6 and expected < 1


def test_near_identical_responses_differing_in_one_answer_form_a_burst():
    rnd = random.Random(3)
    stuffed = []
    for i in range(30):
        pattern = [1, 1, 1, 1, 1]
        pattern[rnd.randrange(5)] = rnd.choice([1, 2])
        stuffed.append(Arrival(1000 + i, "kiosk", "Comptoir central", DAY, tuple(pattern)))
    found = _bursts(_arrivals() + stuffed)
    assert len(found) == 1 and len(found[0][0]) == 30


def test_genuine_varied_responses_are_not_flagged():
    assert _bursts(_arrivals(days=1, per_day=30)) == []
    assert _bursts(_arrivals()) == []


def test_identical_answers_spread_over_days_are_not_flagged():
    spread = [Arrival(1000 + d, "online", None, DAY + dt.timedelta(d), (1, 1, 1, 1, 1)) for d in range(30)]
    assert _bursts(_arrivals() + spread) == []


def test_genuine_agreement_every_day_is_not_flagged():
    """Many "all 5" responses every day are what this questionnaire gets: no burst."""
    rnd = random.Random(5)
    arrivals = []
    for d in range(10):
        for _ in range(60):
            pattern = (5,) * 5 if rnd.random() < 0.4 else tuple(rnd.choice([2, 3, 4, 5]) for _ in QUESTIONS)
            arrivals.append(Arrival(len(arrivals) + 1, "online", None, DAY + dt.timedelta(d), pattern))
    assert _bursts(arrivals) == []


def test_paper_sheets_entered_by_staff_never_form_a_burst():
    sheets = [Arrival(1000 + i, "paper", None, DAY, (1, 1, 1, 1, 1)) for i in range(30)]
    assert _bursts(_arrivals() + sheets) == []


# ------------------------------------------------------------------------ in the app


def _submit(client, answers: dict, channel: str = "online") -> None:
    body = {"submission_id": str(uuid.uuid4()), "questionnaire": "comptoir", "channel": channel,
            "language": "fr", "answers": answers}
    response = client.post("/api/v1/responses", json=body)
    assert response.status_code == 201, response.get_json()


@pytest.fixture
def stuffed(app, client, open_cycle):
    """30 genuine, varied online responses, then 30 identical ones in a row (one day)."""
    rnd = random.Random(11)
    for _ in range(30):
        _submit(client, {"overall": rnd.choice([3, 4, 4, 5, 5]), "met": rnd.random() < 0.8,
                         "courtesy": rnd.choice([3, 4, 5, 5])})
    for _ in range(30):
        _submit(client, STUFFED)
    # The PostgreSQL suite empties the tables and restarts the ids between tests, so an earlier
    # test's cached results can carry this data's fingerprint (never so in use: ids only grow).
    clear_cache()
    return open_cycle


@pytest.fixture
def evaluator(signed_in):
    return signed_in("evaluator")


@pytest.fixture
def evaluator_token(make_user):
    return make_user("reader@example.org", "evaluator")


def _results(client, token) -> dict:
    return client.get("/api/v1/results/comptoir?cycle=2026", headers={"Authorization": f"Bearer {token}"}).get_json()


def _overall_n(client, token) -> int:
    return next(q for q in _results(client, token)["questions"] if q["id"] == "overall")["n"]


def _export_rows(client, token) -> int:
    text = client.get("/api/v1/export/comptoir.csv?cycle=2026",
                      headers={"Authorization": f"Bearer {token}"}).get_data(as_text=True)
    return len(list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";" if ";" in text.splitlines()[0]
                                else ","))) - 1


def _burst_form(page: str) -> tuple[str, str]:
    """The decision form's action and field prefix on the bursts page."""
    action = re.search(r'action="(/results/bursts/comptoir/[0-9a-f]+\?cycle=2026)"', page).group(1)
    prefix = re.search(r'name="([0-9a-f]{12})-decision"', page).group(1)
    return action.replace("&amp;", "&"), prefix


def test_the_results_page_warns_an_evaluator_of_a_burst(stuffed, evaluator):
    page = evaluator.get("/results/?cycle=2026&baseline=none").get_data(as_text=True)
    assert "Bourrage d’urne présumé" in page
    assert "30 réponses suspectes" in page
    assert "d’ici là, elles sont comptées dans ces chiffres" in page  # never silently counted
    listing = evaluator.get("/results/bursts/?cycle=2026").get_data(as_text=True)
    assert "30 réponses le" in listing and "en attente d’une décision" in listing
    # the shared answers are shown: the burst is at least the minimum cell size
    assert "Les réponses que ces répondants ont en commun" in listing
    assert "Dans l&#39;ensemble, êtes-vous satisfait du service reçu?</th><td>1</td>" in listing


def test_the_warning_and_the_burst_page_in_english(stuffed, evaluator):
    page = evaluator.get("/results/?cycle=2026&baseline=none&lang=en").get_data(as_text=True)
    assert "Suspected ballot stuffing" in page and "30 suspect responses" in page
    listing = evaluator.get("/results/bursts/?cycle=2026&lang=en").get_data(as_text=True)
    assert "awaiting a decision" in listing and "Exclude from the results" in listing


def test_excluding_a_burst_takes_it_out_of_every_result_and_reversing_restores_it(
        app, client, stuffed, evaluator, evaluator_token):
    assert _overall_n(client, evaluator_token) == 60
    assert _export_rows(client, evaluator_token) == 60
    assert _results(client, evaluator_token)["ballot_stuffing"] == {"excluded": 0, "suspect": 30}
    action, prefix = _burst_form(evaluator.get("/results/bursts/?cycle=2026").get_data(as_text=True))
    answer = evaluator.post(action, data={f"{prefix}-decision": "exclude",
                                          f"{prefix}-reason": "Trente réponses identiques d’affilée."})
    assert answer.status_code == 302
    assert _overall_n(client, evaluator_token) == 30
    assert _export_rows(client, evaluator_token) == 30
    body = _results(client, evaluator_token)
    assert body["responses"] == 30 and body["ballot_stuffing"] == {"excluded": 30, "suspect": 0}
    # the accountability report counts them out too, and says why
    report = evaluator.get("/results/report?cycle=2026&baseline=none&format=html").get_data(as_text=True)
    assert "exclues comme bourrage d’urne présumé" in report
    page = evaluator.get("/results/?cycle=2026&baseline=none").get_data(as_text=True)
    assert "30 réponses exclues par décision d’un évaluateur" in page
    assert "exclues comme bourrage d’urne présumé" in page  # the methods note
    with app.app_context():
        stored = db.session.execute(db.select(db.func.count()).select_from(Response)).scalar()
        assert stored == 60  # nothing deleted
        events = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "stuffing.exclude")).scalars().all()
        assert len(events) == 1 and events[0].detail["responses"] == 30
        assert events[0].actor.startswith("evaluator")

    answer = evaluator.post(action, data={f"{prefix}-decision": "keep", f"{prefix}-reason": "Une classe entière."})
    assert answer.status_code == 302
    assert _overall_n(client, evaluator_token) == 60
    assert _export_rows(client, evaluator_token) == 60
    with app.app_context():
        kept = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "stuffing.keep")).scalars().all()
        assert len(kept) == 1 and kept[0].detail["previous"] == "exclude"
    page = evaluator.get("/results/?cycle=2026&baseline=none").get_data(as_text=True)
    assert "réponses suspectes" not in page  # decided: no longer a warning


def test_a_decision_needs_a_reason_and_stores_nothing_without_one(app, stuffed, evaluator):
    action, prefix = _burst_form(evaluator.get("/results/bursts/?cycle=2026").get_data(as_text=True))
    answer = evaluator.post(action, data={f"{prefix}-decision": "exclude", f"{prefix}-reason": "  "})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Il y a un problème" in page and f'href="#{prefix}-reason"' in page
    with app.app_context():
        assert db.session.execute(db.select(BurstReview)).first() is None


def test_staff_cannot_see_or_decide(stuffed, signed_in, evaluator):
    action, prefix = _burst_form(evaluator.get("/results/bursts/?cycle=2026").get_data(as_text=True))
    staff = signed_in("staff")
    assert staff.get("/results/bursts/?cycle=2026").status_code == 403
    assert staff.post(action, data={f"{prefix}-decision": "exclude", f"{prefix}-reason": "x"}).status_code == 403


def test_a_decision_without_the_csrf_token_is_refused(app, stuffed, evaluator):
    action, prefix = _burst_form(evaluator.get("/results/bursts/?cycle=2026").get_data(as_text=True))
    app.config["WTF_CSRF_ENABLED"] = True
    answer = evaluator.post(action, data={f"{prefix}-decision": "exclude", f"{prefix}-reason": "Suspect."})
    assert answer.status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(BurstReview)).first() is None


def test_identical_answers_spread_over_days_raise_no_warning(app, stuffed, evaluator):
    with app.app_context(), write_transaction():
        ids = db.session.execute(db.select(Response.id).order_by(Response.id.desc()).limit(30)).scalars().all()
        for n, response_id in enumerate(ids):
            db.session.get(Response, response_id).submitted_on = DAY - dt.timedelta(days=n)
    clear_cache()  # the app never updates a response, so its caches cannot see this change
    page = evaluator.get("/results/?cycle=2026&baseline=none").get_data(as_text=True)
    assert "Bourrage d’urne présumé" not in page
    assert "Aucune rafale" in evaluator.get("/results/bursts/?cycle=2026").get_data(as_text=True)


def test_a_cycle_too_large_to_check_inline_is_announced_and_checked_on_the_bursts_page(app, stuffed, evaluator):
    app.config["STUFFING_INLINE_LIMIT"] = 50  # the cycle holds 60 responses
    page = evaluator.get("/results/?cycle=2026&baseline=none&lang=en").get_data(as_text=True)
    assert "Too many responses to look for ballot stuffing while this page loads" in page
    assert "too many responses to be checked for ballot stuffing" in page  # the methods note
    listing = evaluator.get("/results/bursts/?cycle=2026&lang=en")
    assert "30 responses on" in listing.get_data(as_text=True)
    assert listing.headers["Cache-Control"] == "no-store"


def test_responses_joining_a_decided_burst_are_flagged_until_decided_again(client, stuffed, evaluator,
                                                                          evaluator_token):
    action, prefix = _burst_form(evaluator.get("/results/bursts/?cycle=2026").get_data(as_text=True))
    evaluator.post(action, data={f"{prefix}-decision": "exclude", f"{prefix}-reason": "Script."})
    for _ in range(5):
        _submit(client, STUFFED)
    listing = evaluator.get("/results/bursts/?cycle=2026&lang=en").get_data(as_text=True)
    assert "5 more responses joined the burst" in listing
    assert _results(client, evaluator_token)["ballot_stuffing"] == {"excluded": 30, "suspect": 5}
    assert _overall_n(client, evaluator_token) == 35  # the newcomers count until someone decides
    evaluator.post(action, data={f"{prefix}-decision": "exclude", f"{prefix}-reason": "Script, suite."})
    assert _results(client, evaluator_token)["ballot_stuffing"] == {"excluded": 35, "suspect": 0}
    assert _overall_n(client, evaluator_token) == 30
