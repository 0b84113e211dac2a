"""The citizen's pages read the questionnaire and the open cycle once per request, in one small
query, and keep form classes per version and language: what an admin changes shows at once,
and one citizen's answers or errors never reach another's page."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import event

from survey_app.extensions import db
from survey_app.forms import form_class
from survey_app.models import Commitment, Response
from survey_app.services import catalogue, cycles
from survey_app.services.offering import current_offer
from tests.helpers import make_app

DEFINITIONS = Path(__file__).parent / "definitions"
NEW_QUESTION = """
  - id: parking
    type: yes_no
    text: {fr: "Avez-vous trouvé à vous garer facilement?", en: "Was parking easy to find?"}
"""


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)


def stored(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count(Response.id))).scalar_one()


def test_a_new_version_published_shows_its_new_question_at_once(app, client, open_cycle, tmp_path):
    assert "garer facilement" not in client.get("/q/comptoir").get_data(as_text=True)
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "comptoir.yaml").write_text((DEFINITIONS / "comptoir.yaml").read_text() + NEW_QUESTION)
    with app.app_context():
        catalogue.sync_directory(folder)
    page = client.get("/q/comptoir").get_data(as_text=True)
    assert "Avez-vous trouvé à vous garer facilement?" in page
    sent = client.post("/q/comptoir", data={"submission_id": hidden(page, "submission_id"),
                                            "q_overall": "4", "q_parking": "yes"})
    assert sent.status_code == 302
    with app.app_context():
        response = db.session.execute(db.select(Response)).scalar_one()
        assert response.version.content_hash == current_offer("comptoir").version.content_hash


def test_an_unpublished_questionnaire_is_gone_from_the_next_page(app, client, open_cycle):
    assert client.get("/q/comptoir").status_code == 200
    with app.app_context():
        row = catalogue.get_published("comptoir")
        row.published = False
        db.session.commit()
    assert client.get("/q/comptoir").status_code == 404


def test_opening_and_closing_a_cycle_shows_on_the_next_page(app, client):
    assert "n’est pas ouvert" in client.get("/q/comptoir").get_data(as_text=True) or \
        "not open" in client.get("/q/comptoir?lang=en").get_data(as_text=True)
    with app.app_context():
        cycles.create_cycle("2027", "Cycle 2027")
        cycles.change_state("2027", "open")
    page = client.get("/q/comptoir?lang=fr").get_data(as_text=True)
    assert 'id="survey-form"' in page
    with app.app_context():
        cycles.change_state("2027", "close")
    # The form opened before the close is sent after it: nothing is stored.
    sent = client.post("/q/comptoir", data={"submission_id": hidden(page, "submission_id"), "q_overall": "5"})
    assert sent.status_code == 200 and 'id="survey-form"' not in sent.get_data(as_text=True)
    assert stored(app) == 0
    assert 'id="survey-form"' not in client.get("/q/comptoir").get_data(as_text=True)


def test_a_reworded_commitment_shows_on_the_next_page(app, client, open_cycle):
    with app.app_context():
        commitment = db.session.execute(db.select(Commitment).where(Commitment.code == "C-90")).scalar_one()
        commitment.title_fr = "Vous servir au comptoir en moins de 10 minutes"
        db.session.commit()
    assert "Vous servir au comptoir en moins de 10 minutes" in client.get("/q/comptoir").get_data(as_text=True)


def test_form_classes_are_built_once_per_version_and_language(app, open_cycle):
    with app.test_request_context("/q/comptoir?lang=fr"):
        definition = current_offer("comptoir").definition
        french = form_class(definition)
        assert form_class(definition) is french
    with app.test_request_context("/q/comptoir?lang=en"):
        assert form_class(definition) is not french
        assert "Very satisfied" in str(form_class(definition)(meta={"csrf": False}).q_overall)


def test_one_citizens_answers_and_errors_never_reach_the_next_citizens_page(app, open_cycle):
    first, second = app.test_client(), app.test_client()
    page = first.get("/q/comptoir").get_data(as_text=True)
    refused = first.post("/q/comptoir", data={"submission_id": hidden(page, "submission_id"),
                                              "q_wait_minutes": "987", "q_comment": "Mon voisin"})
    assert refused.status_code == 422
    fresh = second.get("/q/comptoir").get_data(as_text=True)
    assert "987" not in fresh and "Mon voisin" not in fresh and "error-summary" not in fresh
    assert hidden(fresh, "submission_id") != hidden(page, "submission_id")


def test_a_citizens_cycle_loads_no_orm_object(app, open_cycle):
    loaded: list[str] = []

    def record(target, _context):
        loaded.append(type(target).__name__)

    client = app.test_client()
    client.get("/q/comptoir")  # the first visit parses the definition and builds the classes
    event.listen(db.Model, "load", record, propagate=True)
    try:
        page = client.get("/q/comptoir").get_data(as_text=True)
        sent = client.post("/q/comptoir", data={"submission_id": hidden(page, "submission_id"), "q_overall": "5"})
        assert sent.status_code == 302
        assert client.get(sent.headers["Location"]).status_code == 200
    finally:
        event.remove(db.Model, "load", record)
    assert loaded == []


CLEAN_WORKER = textwrap.dedent("""
    import re, sys
    from flask_migrate import upgrade
    from survey_app import create_app
    from survey_app.services import catalogue, cycles

    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "QUESTIONNAIRES_DIR": sys.argv[2],
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        catalogue.sync_directory(sys.argv[2])
        cycles.create_cycle("2026", "Cycle 2026")
        cycles.change_state("2026", "open")
    client = app.test_client()
    page = client.get("/q/comptoir").get_data(as_text=True)
    field = lambda name: re.search(f'name="{name}" type="hidden" value="([^"]*)"', page).group(1)
    sent = client.post("/q/comptoir", data={"csrf_token": field("csrf_token"),
                                            "submission_id": field("submission_id"), "q_overall": "5"})
    assert sent.status_code == 302, sent.status_code
    assert client.get(sent.headers["Location"]).status_code == 200
    assert client.get("/kiosk/").status_code == 200
    print(" ".join(sorted(m for m in ("scipy", "pandas", "matplotlib", "statsmodels") if m in sys.modules)))
""")


def test_a_worker_serving_citizens_imports_no_statistics_or_plotting_library(tmp_path):
    # A fresh interpreter: the test session itself has imported everything.
    result = subprocess.run(
        [sys.executable, "-c", CLEAN_WORKER, f"sqlite:///{tmp_path / 'servir.sqlite3'}", str(DEFINITIONS)],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2], timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1:] in ([], [""]), result.stdout


def test_a_fresh_form_is_the_same_page_in_each_language_and_differs_between_them(client, open_cycle):
    french = client.get("/q/comptoir?lang=fr").get_data(as_text=True)
    english = client.get("/q/comptoir?lang=en").get_data(as_text=True)
    label = '<span class="scale-label">{}</span>'.format
    assert label("Très satisfait") in french and label("Very satisfied") not in french
    assert label("Very satisfied") in english and label("Très satisfait") not in english
    again = client.get("/q/comptoir?lang=fr").get_data(as_text=True)
    assert again.replace(hidden(again, "submission_id"), "") == french.replace(hidden(french, "submission_id"), "")


def test_each_citizen_gets_a_token_and_a_submission_id_of_their_own(database_uri, open_cycle):
    strict = make_app(database_uri, WTF_CSRF_ENABLED=True)
    first, second = strict.test_client(), strict.test_client()
    pages = [client.get("/q/comptoir").get_data(as_text=True) for client in (first, second)]
    tokens = [hidden(page, "csrf_token") for page in pages]
    ids = [hidden(page, "submission_id") for page in pages]
    assert tokens[0] != tokens[1] and ids[0] != ids[1]
    # The rest of the page is the same markup for every citizen.
    assert pages[0].replace(tokens[0], "").replace(ids[0], "") == pages[1].replace(tokens[1], "").replace(ids[1], "")
    # A token belongs to the session it was made for.
    other = first.post("/q/comptoir", data={"csrf_token": tokens[1], "submission_id": ids[0], "q_overall": "5"})
    assert other.status_code == 400
    own = first.post("/q/comptoir", data={"csrf_token": tokens[0], "submission_id": ids[0], "q_overall": "5"})
    assert own.status_code == 302
    assert stored(strict) == 1


def test_a_signed_in_visitor_sees_their_own_header_on_the_citizens_pages(app, client, open_cycle, signed_in):
    anonymous = client.get("/q/comptoir").get_data(as_text=True)
    assert 'id="signed-in"' not in anonymous
    staff = signed_in("staff")
    page = staff.get("/q/comptoir").get_data(as_text=True)
    assert 'id="signed-in"' in page and "staff1@example.org" in page
    sent = staff.post("/q/comptoir", data={"submission_id": hidden(page, "submission_id"), "q_overall": "5"})
    thanks = staff.get(sent.headers["Location"]).get_data(as_text=True)
    assert "staff1@example.org" in thanks
    assert 'id="signed-in"' not in client.get("/q/comptoir").get_data(as_text=True)
    assert 'id="signed-in"' not in client.get(sent.headers["Location"]).get_data(as_text=True)


def test_a_message_waiting_in_the_session_shows_on_the_form_page(client, open_cycle):
    client.get("/q/comptoir")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Un message pour vous")]
    assert "Un message pour vous" in client.get("/q/comptoir").get_data(as_text=True)
    assert "Un message pour vous" not in client.get("/q/comptoir").get_data(as_text=True)


def test_the_thank_you_page_says_what_happened_in_the_visitors_language(client, open_cycle):
    page = client.get("/q/comptoir").get_data(as_text=True)
    sent = client.post("/q/comptoir", data={"submission_id": hidden(page, "submission_id"), "q_overall": "5"})
    first = client.get(sent.headers["Location"]).get_data(as_text=True)
    # The same form sent again with another answer: the first one is kept.
    again = client.post("/q/comptoir", data={"submission_id": hidden(page, "submission_id"), "q_overall": "2"})
    replayed = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "ont été enregistrées" in first and "avaient déjà été enregistrées" not in first
    assert "avaient déjà été enregistrées" in replayed
    english = client.get(sent.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Your answers have been recorded" in english and 'lang="en"' in english
    assert "ont été enregistrées" in client.get(sent.headers["Location"] + "?lang=fr").get_data(as_text=True)


def test_a_workers_threads_reuse_their_sqlite_connections(database_uri, tmp_path, monkeypatch):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from flask import Config

    from survey_app import config

    monkeypatch.setenv("DATABASE_URL", database_uri)
    monkeypatch.setenv("SECRET_KEY", "k")
    loaded = Config(str(tmp_path))
    config.load(loaded, tmp_path)
    app = make_app(database_uri, SQLALCHEMY_ENGINE_OPTIONS=loaded["SQLALCHEMY_ENGINE_OPTIONS"])
    opened: list[object] = []
    with app.app_context():
        event.listen(db.engine, "connect", lambda *_args: opened.append(1))
    together = threading.Barrier(8)  # gunicorn's gthread worker: 8 requests at once

    def request(_n):
        with app.app_context():
            db.session.connection()
            together.wait(timeout=30)

    with ThreadPoolExecutor(8) as threads:
        list(threads.map(request, range(8)))
        first = len(opened)
        list(threads.map(request, range(8)))
    assert first == 8 and len(opened) == first  # the second round opens none


def test_a_citizens_post_and_thank_you_page_sign_no_new_session_cookie(database_uri, open_cycle):
    client = make_app(database_uri, WTF_CSRF_ENABLED=True).test_client()
    form = client.get("/q/comptoir")  # sets the form's own cookie (survey_app/citizen_csrf.py), no session
    assert [cookie.split("=")[0] for cookie in form.headers.getlist("Set-Cookie")] == ["servir_form"]
    page = form.get_data(as_text=True)
    sent = client.post("/q/comptoir", data={"csrf_token": hidden(page, "csrf_token"),
                                            "submission_id": hidden(page, "submission_id"), "q_overall": "5"})
    assert sent.status_code == 302 and "Set-Cookie" not in sent.headers
    assert "Set-Cookie" not in client.get(sent.headers["Location"]).headers
