"""Conditional questions in Chromium: the online form shows a question when its show_if holds,
live as the citizen answers, hides it again when the answer changes, and the hidden answer is
not stored. Also: the page passes axe (WCAG 2.1 AA) with a conditional question shown, and the
language button keeps what was typed."""
from __future__ import annotations

import uuid

from playwright.sync_api import expect

from survey_app.extensions import db
from survey_app.models import Answer, Response
from tests.browser.test_accessibility import Audit


def answers_of(server_app, comment: str) -> dict[str, tuple]:
    """The stored answers of the response whose comment is ``comment``."""
    with server_app.app_context():
        response_id = db.session.execute(db.select(Answer.response_id).where(
            Answer.question_id == "comment", Answer.text_value == comment)).scalar_one()
        rows = db.session.execute(db.select(Answer).where(Answer.response_id == response_id)).scalars().all()
        assert db.session.get(Response, response_id).channel == "online"
        found = {a.question_id: (a.numeric_value, a.text_value) for a in rows}
        db.session.remove()
        return found


def test_a_conditional_question_appears_and_disappears_as_the_citizen_answers(page, server, server_app):
    audit = Audit(page)
    page.goto(server.url + "/q/comptoir")
    follow_up = page.locator('[data-question="why_not"]')
    expect(follow_up).to_be_hidden()
    page.locator('label[for="q_met-1"]').click()  # "Non": not served within 15 minutes
    expect(follow_up).to_be_visible()
    page.fill("#q_why_not", "La file était longue")
    audit.check("form with a conditional question shown")
    page.locator('label[for="q_met-0"]').click()  # changed to "Oui": the question goes away
    expect(follow_up).to_be_hidden()
    expect(page.locator("#q_why_not")).to_be_disabled()
    page.locator('label[for="q_overall-3"]').click()
    comment = f"essai {uuid.uuid4().hex[:8]}"
    page.fill("#q_comment", comment)
    page.locator("#survey-submit").click()
    page.wait_for_url("**/merci")
    stored = answers_of(server_app, comment)
    assert stored["met"] == (1.0, None) and stored["overall"] == (4.0, None)
    assert "why_not" not in stored
    audit.assert_clean()


def test_the_answer_of_a_question_shown_again_is_stored(page, server, server_app):
    page.goto(server.url + "/q/comptoir")
    page.locator('label[for="q_met-1"]').click()
    page.fill("#q_why_not", "Un seul guichet ouvert")
    page.locator('label[for="q_met-0"]').click()
    page.locator('label[for="q_met-1"]').click()
    expect(page.locator("#q_why_not")).to_have_value("Un seul guichet ouvert")
    page.locator('label[for="q_overall-1"]').click()
    comment = f"essai {uuid.uuid4().hex[:8]}"
    page.fill("#q_comment", comment)
    page.locator("#survey-submit").click()
    page.wait_for_url("**/merci")
    assert answers_of(server_app, comment)["why_not"] == (None, "Un seul guichet ouvert")


def test_the_language_button_keeps_what_was_typed(page, server):
    page.goto(server.url + "/q/comptoir")
    page.locator('label[for="q_overall-4"]').click()
    page.fill("#q_comment", "Gardez-moi")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#q_comment")).to_have_value("Gardez-moi")
    expect(page.locator("#q_overall-4")).to_be_checked()
    expect(page.locator("#survey-submit")).to_have_text("Send my answers")


def test_enter_in_a_text_box_sends_the_answers_not_the_language_button(page, server, server_app):
    page.goto(server.url + "/q/comptoir")
    page.locator('label[for="q_overall-2"]').click()
    page.fill("#q_wait_minutes", "7")
    page.locator("#q_wait_minutes").press("Enter")
    page.wait_for_url("**/merci")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
