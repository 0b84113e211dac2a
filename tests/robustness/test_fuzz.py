"""Hostile bodies on every POST endpoint (hypothesis): never a 5xx, and a body refused stores
nothing (row counts unchanged). 5,000 bodies per database per run, derandomized so that a
run is repeatable; on SQLite and on PostgreSQL (TEST_DATABASE_URL).

The bodies mix well-formed responses with one field gone wrong, arbitrary JSON (NUL
characters, lone surrogates, huge and tiny numbers, deep nesting), truncated or garbled
JSON text, and raw bytes.
"""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_app.extensions import db
from survey_app.models import Answer, Kiosk, Response
from tests.robustness.helpers import TALLY

# 5,000 in all; fewer for unlock, where every string PIN costs an Argon2 verification.
EXAMPLES = {"responses": 1700, "batch": 1100, "enroll": 950, "heartbeat": 950, "unlock": 300}


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))


text = st.text(st.characters(exclude_categories=()), max_size=12) | st.sampled_from(
    ["", "x\x00", "\ud800", "na", "fr", "2026", "comptoir", "permit", "’", "a" * 300])
leaf = (st.none() | st.booleans() | text | st.integers(-2**70, 2**70) | st.integers(-3, 12)
        | st.floats(allow_nan=False, allow_infinity=False))
values = st.recursive(leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
                      max_leaves=12)
QUESTIONS = ["overall", "met", "courtesy", "contact", "topics", "wait_minutes", "comment", "why_not", "nope", ""]
answers = st.dictionaries(st.sampled_from(QUESTIONS) | text, values, max_size=8) | values
response = st.fixed_dictionaries(
    {"submission_id": st.uuids().map(str) | values},
    optional={
        "questionnaire": st.sampled_from(["comptoir", "cache"]) | values,
        "channel": st.sampled_from(["online", "kiosk", "paper", "phone"]) | values,
        "language": st.sampled_from(["fr", "en"]) | values,
        "version": values,
        "cycle": st.sampled_from(["2026", None]) | values,
        "partial": st.booleans() | values,
        "answers": answers,
    },
)
# Valid kiosk or online responses, and the same with one field replaced by anything.
valid = st.fixed_dictionaries(
    {"submission_id": st.uuids().map(str), "questionnaire": st.just("comptoir"),
     "channel": st.sampled_from(["online", "kiosk"]),
     "answers": st.fixed_dictionaries(
         {"overall": st.integers(1, 5), "met": st.booleans()},
         optional={"comment": text, "wait_minutes": st.integers(-5, 10**6) | st.floats(-1e20, 1e20),
                   "topics": st.lists(st.sampled_from(["permit", "tax", "other", "zz"]), max_size=3),
                   "courtesy": st.sampled_from([1, 5, "na", 0, 6])})},
    optional={"language": st.sampled_from(["fr", "en"]), "partial": st.booleans()})
mutated = st.tuples(valid, st.sampled_from(["submission_id", "questionnaire", "channel", "answers", "language",
                                            "cycle", "version", "partial"]), values).map(
    lambda t: {**t[0], t[1]: t[2]})
response = valid | mutated | response
# A syntactically hostile body, not JSON at all or hardly.
deep = st.integers(20, 20_000).flatmap(lambda n: st.sampled_from(["[" * n, '{"a":' * n, "[" * n + "]" * n,
                                                                  '{"code": ' + "[" * n + "1" + "]" * n + "}"]))
raw = st.binary(max_size=120) | deep | st.sampled_from(["", "NaN", "[1e999]", "9" * 5000, '{"a": 1,}', "nul\x00"])


def encoded(bodies) -> st.SearchStrategy[bytes]:
    as_text = bodies.flatmap(lambda value: st.sampled_from([
        json.dumps(value), json.dumps(value, ensure_ascii=False, allow_nan=False)]))
    garbled = st.tuples(as_text, st.integers(0, 40)).map(lambda pair: pair[0][: len(pair[0]) - pair[1]])
    utf8 = as_text.map(lambda t: t.encode("utf-8", "surrogatepass"))
    return (utf8 | utf8 | garbled.map(lambda t: t.encode("utf-8", "surrogatepass"))
            | raw.map(lambda r: r if isinstance(r, bytes) else r.encode("utf-8", "surrogatepass")))


BODIES = {
    "responses": encoded(response | values),
    "batch": encoded(st.fixed_dictionaries({"responses": st.lists(response | values, max_size=5) | values}) | values),
    "enroll": encoded(st.fixed_dictionaries({}, optional={"code": values}) | values),
    "heartbeat": encoded(st.fixed_dictionaries({}, optional={"backlog": values, "app_version": values}) | values),
    "unlock": encoded(st.fixed_dictionaries({}, optional={"pin": st.integers() | st.none() | text}) | values),
}
PATHS = {"responses": "/api/v1/responses", "batch": "/api/v1/responses/batch", "enroll": "/api/v1/kiosks/enroll",
         "heartbeat": "/api/v1/kiosks/heartbeat", "unlock": "/api/v1/kiosks/unlock"}


# Both counts in one query: state() runs twice for each of the 10,000 bodies.
COUNTS = db.select(db.select(db.func.count(Response.id)).scalar_subquery(),
                   db.select(db.func.count(Answer.id)).scalar_subquery())


def state(app) -> tuple:
    with app.app_context():
        kiosk = db.session.execute(db.select(Kiosk.backlog, Kiosk.app_version, Kiosk.token_hash)).all()
        responses, answer_rows = db.session.execute(COUNTS).one()
        db.session.rollback()
        return responses, answer_rows, tuple(kiosk)


@pytest.mark.parametrize("endpoint", list(PATHS))
def test_no_body_gets_a_5xx_and_a_refused_body_stores_nothing(ready_app, endpoint, database_uri):
    client = ready_app.test_client()
    kiosk = {"Authorization": f"Bearer {ready_app.config['KIOSK_TOKEN']}"}
    statuses = []

    @fuzz(EXAMPLES[endpoint])
    @given(data=BODIES[endpoint], anonymous=st.booleans())
    def attempt(data, anonymous):
        before = state(ready_app)
        headers = {} if anonymous and endpoint == "responses" else kiosk
        answer = client.post(PATHS[endpoint], data=data, content_type="application/json", headers=headers)
        statuses.append(answer.status_code)
        assert answer.status_code < 500, (data[:300], answer.get_data(as_text=True)[:300])
        after = state(ready_app)
        if endpoint == "batch" and answer.status_code == 200:
            stored = sum(1 for item in answer.get_json()["results"] if item["status"] == 201)
            assert after[0] - before[0] == stored
        elif answer.status_code not in (200, 201, 204):
            assert after == before, data[:300]
        elif endpoint == "responses" and answer.status_code == 200:
            assert after == before  # an identical replay stores nothing new

    attempt()
    backend = database_uri.split(":")[0].split("+")[0]
    TALLY[f"bodies fuzzed on {backend}"] += len(statuses)
    TALLY[f"5xx answers on {backend}"] += sum(1 for s in statuses if s >= 500)
    for status in statuses:
        TALLY[f"fuzz answers {status} on {backend}"] += 1
    assert len(statuses) >= EXAMPLES[endpoint] * 0.95  # hypothesis ran (nearly) all it was asked
