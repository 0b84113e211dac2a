"""The citizens' online survey through the test client."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from survey_app.extensions import db
from survey_app.models import Answer, Response
from survey_app.services import catalogue
from tests.helpers import make_app


def hidden_id(html: str) -> str:
    return re.search(r'name="submission_id" type="hidden" value="([^"]+)"', html).group(1)


def form_data(page: str, **answers) -> dict:
    data = {"submission_id": hidden_id(page)}
    data.update({f"q_{key}": value for key, value in answers.items()})
    return data


class _Hidden(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self.fields.append((attrs["name"], attrs.get("value") or ""))


def hidden_fields(html: str) -> dict[str, list[str]]:
    """The page's hidden fields as a browser would post them (a name may repeat)."""
    parser = _Hidden()
    parser.feed(html)
    fields: dict[str, list[str]] = {}
    for name, value in parser.fields:
        fields.setdefault(name, []).append(value)
    return fields


def count(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count(Response.id))).scalar_one()


def test_home_lists_open_questionnaires_by_unit_in_french(client, open_cycle):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Bureau d&#39;arrondissement" in page
    assert "Vous servir au comptoir en moins de 15 minutes" in page
    assert "/q/comptoir" in page
    assert "/q/cache" not in page  # unpublished


def test_home_says_when_no_survey_is_open(client):
    page = client.get("/").get_data(as_text=True)
    assert "Aucun sondage n’est ouvert" in page or "Aucun sondage n'est ouvert" in page


def test_english_on_request_and_remembered(client, open_cycle):
    page = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Serve you at the counter within 15 minutes" in page
    assert '<html lang="en">' in client.get("/q/comptoir").get_data(as_text=True)
    client.get("/language/fr?next=/q/comptoir")
    assert '<html lang="fr">' in client.get("/q/comptoir").get_data(as_text=True)


def test_language_switch_never_redirects_off_site(client):
    response = client.get("/language/en?next=https://evil.example/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_the_form_is_accessible_markup(client, open_cycle):
    page = client.get("/q/comptoir").get_data(as_text=True)
    # Each scale is a fieldset whose legend is the question.
    assert re.search(r'<fieldset class="question q-rating[^"]*" id="q_overall"', page)
    assert "<legend>" in page and "Dans l&#39;ensemble" in page
    # Every radio has a label tied to it.
    for option_id in re.findall(r'<input type="radio" name="q_overall" id="([^"]+)"', page):
        assert f'<label for="{option_id}">' in page
    assert '<label for="q_comment"' in page
    assert "Ne sais pas / ne s’applique pas" in page or "Ne sais pas / ne s'applique pas" in page
    assert "Très insatisfait" in page
    assert re.search(r'<link rel="stylesheet" href="/static/css/servir\.css">', page)
    assert "http://" not in page and "https://" not in page  # every asset is local


def test_a_citizen_answers_from_start_to_thank_you(app, client, open_cycle):
    page = client.get("/q/comptoir").get_data(as_text=True)
    assert 'data-question="why_not" hidden' in page  # conditional: shown once "met" is answered no
    data = form_data(page, overall="4", met="no", courtesy="na", contact="phone",
                     topics=["permit", "other"], wait_minutes="25", comment="Bien")
    step = client.post("/q/comptoir", data={**hidden_fields(page), **data})
    assert step.status_code == 200 and count(app) == 0
    follow_up = step.get_data(as_text=True)
    assert "Quelques questions de plus" in follow_up
    assert re.search(r'<div class="question-slot" data-question="why_not">', follow_up)
    response = client.post("/q/comptoir", data={**hidden_fields(follow_up), "q_why_not": "File d'attente"})
    assert response.status_code == 302
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Merci" in thanks
    with app.app_context():
        stored = db.session.execute(db.select(Response)).scalar_one()
        assert stored.channel == "online" and stored.language == "fr"
        answers = {a.question_id: a for a in stored.answers}
    assert answers["overall"].numeric_value == 4
    assert answers["courtesy"].is_na
    assert answers["wait_minutes"].numeric_value == 25
    assert answers["why_not"].text_value == "File d'attente"


def test_a_double_click_or_refresh_stores_once(app, client, open_cycle):
    page = client.get("/q/comptoir").get_data(as_text=True)
    data = form_data(page, overall="5")
    first = client.post("/q/comptoir", data=data)
    second = client.post("/q/comptoir", data=data)
    assert first.status_code == second.status_code == 302
    assert count(app) == 1


def test_a_rejected_form_explains_and_keeps_what_was_entered(app, client, open_cycle):
    page = client.get("/q/comptoir").get_data(as_text=True)
    data = form_data(page, met="yes", contact="counter", wait_minutes="douze", comment="Gardez-moi")
    response = client.post("/q/comptoir", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html
    assert "Veuillez répondre à cette question." in html
    assert "Entrez un nombre de 0 à 300." in html
    # Errors are tied to their fields.
    assert 'aria-describedby="q_overall-error"' in html
    assert 'id="q_wait_minutes-error"' in html
    # What was entered is still there, including the same submission id.
    assert "Gardez-moi</textarea>" in html
    assert 'value="douze"' in html
    assert re.search(r'id="q_contact-0" value="counter"\s+checked', html)
    assert hidden_id(html) == data["submission_id"]
    assert count(app) == 0


def test_a_forged_out_of_scale_value_is_rejected(app, client, open_cycle):
    page = client.get("/q/comptoir").get_data(as_text=True)
    response = client.post("/q/comptoir", data=form_data(page, overall="9"))
    assert response.status_code == 422
    assert "Choisissez une valeur de 1 à 5." in response.get_data(as_text=True)
    assert count(app) == 0


def test_the_form_says_when_the_cycle_is_closed(client):
    response = client.get("/q/comptoir")
    assert response.status_code == 200
    assert "n’est pas ouvert" in response.get_data(as_text=True) or "n'est pas ouvert" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/q/cache", "/q/nope", "/q/nope/merci"])
def test_unknown_questionnaires_are_404_pages(client, open_cycle, path):
    response = client.get(path)
    assert response.status_code == 404
    assert '<html lang="fr">' in response.get_data(as_text=True)


def test_an_expired_csrf_token_keeps_the_answers(database_uri, open_cycle, app):
    strict = make_app(database_uri, WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    page = client.get("/q/comptoir").get_data(as_text=True)
    data = form_data(page, overall="3", comment="Je reste là")
    data["csrf_token"] = "expired"
    response = client.post("/q/comptoir", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Je reste là</textarea>" in html
    assert 'name="csrf_token" type="hidden" value="' in html
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data["csrf_token"] = token
    assert client.post("/q/comptoir", data=data).status_code == 302
    assert count(strict) == 1


def test_static_assets_are_served_locally(client):
    with client.get("/static/css/servir.css") as response:
        assert response.status_code == 200
        assert b"--brand" in response.data


# --- conditional questions, progress and the language switch ---------------------------------

LONG = Path(__file__).parent / "definitions_long"


@pytest.fixture
def long_form(app, open_cycle):
    """guichet: ten questions, a condition on a condition."""
    with app.app_context():
        catalogue.sync_directory(LONG)
    return "/q/guichet"


def stored_answers(app) -> dict[str, Answer]:
    with app.app_context():
        response = db.session.execute(db.select(Response)).scalar_one()
        return {a.question_id: (a.numeric_value, a.text_value) for a in response.answers}


def test_without_a_script_conditional_questions_come_on_a_second_step(app, client, long_form):
    page = client.get(long_form).get_data(as_text=True)
    for hidden in ("reason", "reason_other"):
        assert f'data-question="{hidden}" hidden' in page
    first = client.post(long_form, data={**hidden_fields(page), **form_data(page, overall="2", met="no",
                                                                              courtesy="4", comment="Long")})
    assert first.status_code == 200 and count(app) == 0
    step = first.get_data(as_text=True)
    assert "Quelques questions de plus" in step
    assert '<div class="question-slot" data-question="reason">' in step
    assert 'data-question="reason_other" hidden' in step
    assert 'data-question="overall"' not in step  # answered: carried in a hidden field
    assert hidden_fields(step)["q_overall"] == ["2"] and hidden_fields(step)["q_comment"] == ["Long"]
    # "Something else" calls for one more question, on a third step.
    second = client.post(long_form, data={**hidden_fields(step), "q_reason": "other"})
    assert second.status_code == 200 and count(app) == 0
    third = second.get_data(as_text=True)
    assert '<div class="question-slot" data-question="reason_other">' in third
    missing = client.post(long_form, data=hidden_fields(third))
    assert missing.status_code == 422 and "Veuillez répondre à cette question." in missing.get_data(as_text=True)
    done = client.post(long_form, data={**hidden_fields(third), "q_reason_other": "Le stationnement"})
    assert done.status_code == 302
    answers = stored_answers(app)
    assert answers["reason"] == (None, "other") and answers["reason_other"] == (None, "Le stationnement")
    assert answers["overall"] == (2.0, None) and answers["comment"] == (None, "Long")


def test_a_condition_that_does_not_hold_sends_at_once_and_drops_a_forged_answer(app, client, long_form):
    page = client.get(long_form).get_data(as_text=True)
    response = client.post(long_form, data={**hidden_fields(page), **form_data(
        page, overall="5", met="yes", reason="queue", reason_other="forgé")})
    assert response.status_code == 302
    assert set(stored_answers(app)) == {"overall", "met"}


def test_errors_on_the_first_step_keep_it_and_ask_nothing_further(app, client, long_form):
    page = client.get(long_form).get_data(as_text=True)
    response = client.post(long_form, data={**hidden_fields(page), **form_data(page, met="no")})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="q_overall-error"' in html and 'data-question="reason" hidden' in html
    assert "Quelques questions de plus" not in html


def test_with_the_script_every_question_is_on_one_page(app, client, long_form):
    page = client.get(long_form).get_data(as_text=True)
    assert '<script type="module" src="/static/js/conditions.js">' in page
    assert '<script type="application/json" id="survey-rules">' in page
    assert "<script>" not in page  # no inline script: the page works under script-src 'self'
    live = {**hidden_fields(page), "live": "1"}
    response = client.post(long_form, data={**live, **form_data(page, overall="3", met="no", reason="queue")})
    assert response.status_code == 302
    assert set(stored_answers(app)) == {"overall", "met", "reason"}


def test_a_form_of_more_than_eight_questions_shows_its_progress(client, long_form, open_cycle):
    page = client.get(long_form).get_data(as_text=True)
    # Eight questions are shown before any answer (the two conditional ones are not).
    assert "Question 1 sur 8" in page and "Question 8 sur 8" in page
    short = client.get("/q/comptoir").get_data(as_text=True)
    assert "Question 1 sur" not in short and '<span class="q-number">1.</span>' in short


def test_switching_language_keeps_the_answers_entered(app, client, long_form):
    page = client.get(long_form).get_data(as_text=True)
    assert 'form="survey-form" name="switch_lang" value="en"' in page
    data = {**hidden_fields(page), **form_data(page, overall="4", met="no", comment="Gardez-moi")}
    switched = client.post(long_form, data={**data, "switch_lang": "en"})
    assert switched.status_code == 200 and count(app) == 0
    html = switched.get_data(as_text=True)
    assert '<html lang="en">' in html and "Overall, are you satisfied?" in html
    assert "Gardez-moi</textarea>" in html
    assert re.search(r'name="q_overall" id="q_overall-3" value="4"\s+checked', html)
    assert hidden_id(html) == data["submission_id"]
    assert 'value="fr"' in html  # and back to French from the same button
    # The language stays chosen for the next pages.
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
