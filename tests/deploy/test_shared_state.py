"""What several servers share: in one process, two applications on one database stand for two
servers behind a load balancer. Results computed by one are reused by the other through Redis
(and a value Redis holds under another SECRET_KEY is never used), an edit in the browser shows
in the results of every server at once, and Redis going away costs no request.
"""
from __future__ import annotations

import pytest

from survey_app import create_app, results
from survey_app.database import write_transaction
from survey_app.extensions import db
from survey_app.models import Questionnaire
from survey_app.results import commitments as results_commitments
from survey_app.services import users
from tests.app import results_data
from tests.app.results_data import BASELINE, CYCLE
from tests.deploy.helpers import free_port


def server(app, **settings):
    """Another application on ``app``'s database, as a second server would run it."""
    return create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "QUESTIONNAIRES_DIR": app.config["QUESTIONNAIRES_DIR"],
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SECRET_KEY": "shared by every server",
        **settings,
    })


@pytest.fixture
def evaluator(app) -> dict:
    with app.app_context():
        users.create_user("evaluator@example.org", "correct horse battery", "evaluator")
        return {"Authorization": "Bearer " + users.issue_token("evaluator@example.org")}


@pytest.fixture
def computations(monkeypatch) -> list:
    """Every computation of results in this process (the caches spare the others)."""
    seen: list = []
    compute = results_commitments._compute

    def counted(*args, **kwargs):
        seen.append(args[0])
        return compute(*args, **kwargs)

    monkeypatch.setattr(results_commitments, "_compute", counted)
    return seen


def fetch(app, headers) -> dict:
    answer = app.test_client().get(f"/api/v1/results/comptoir?cycle={CYCLE}&baseline={BASELINE}", headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def test_a_second_server_answers_from_what_the_first_computed(app, evaluator, redis_url, computations):
    results_data.load(app)
    first, second = server(app, REDIS_URL=redis_url), server(app, REDIS_URL=redis_url)
    results.clear_cache()  # this process's cache: the second server is another process
    shown = fetch(first, evaluator)
    results.clear_cache()
    assert fetch(second, evaluator) == shown
    assert len(computations) == 1


def test_a_value_stored_under_another_secret_key_is_not_used(app, evaluator, redis_url, computations):
    results_data.load(app)
    honest = server(app, REDIS_URL=redis_url)
    stranger = server(app, REDIS_URL=redis_url, SECRET_KEY="someone else's")
    results.clear_cache()
    shown = fetch(stranger, evaluator)
    results.clear_cache()
    assert fetch(honest, evaluator) == shown
    assert len(computations) == 2


def test_a_commitment_renamed_on_one_server_shows_on_every_server(app, evaluator, redis_url):
    results_data.load(app)
    first, second = server(app, REDIS_URL=redis_url), server(app, REDIS_URL=redis_url)
    assert fetch(first, evaluator)["commitment"]["title"] == fetch(second, evaluator)["commitment"]["title"]
    with first.app_context(), write_transaction():
        db.session.get(Questionnaire, "comptoir").commitment.title_fr = "Accueil au comptoir, revu"
    for each in (first, second):
        assert fetch(each, evaluator)["commitment"]["title"]["fr"] == "Accueil au comptoir, revu"


def test_without_redis_results_and_submissions_still_work(app, evaluator):
    results_data.load(app)
    unreachable = f"redis://127.0.0.1:{free_port()}/0"
    lonely = server(app, REDIS_URL=unreachable, RATELIMIT_ENABLED=True)
    assert fetch(lonely, evaluator)["questions"]
    posted = lonely.test_client().post("/api/v1/responses", json={
        "submission_id": "0c6f7f0e-3b8e-4d7e-9a57-2f1d6f7d1b20", "questionnaire": "comptoir",
        "channel": "online", "language": "fr", "answers": {"overall": 5}})
    assert posted.status_code == 201, posted.get_data(as_text=True)
