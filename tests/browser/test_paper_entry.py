"""The paper entry screen in Chromium: a clerk keys a whole sheet in with the keyboard alone,
the next blank sheet opens with the cursor on its number, a sheet entered twice is refused with
a link to it, and every screen is free of WCAG 2.1 AA violations."""
from __future__ import annotations

from playwright.sync_api import expect

from survey_app.extensions import db
from survey_app.models import Answer, Response
from survey_app.services import sheets
from tests.browser.helpers import CYCLE
from tests.helpers import PASSWORD
from tests.browser.test_accessibility import Audit


def sign_in_and_open_batch(page, server, label: str) -> None:
    page.goto(server.url + "/auth/login?next=/staff/paper/")
    page.fill("#email", "staff@example.org")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/paper/")
    page.select_option("#questionnaire", "comptoir")
    page.select_option("#cycle", CYCLE)
    page.fill("#label", label)
    page.keyboard.press("Enter")
    page.wait_for_selector("form.sheet-form")


def expect_focus(page, field_id: str) -> None:
    """Wait until the cursor is in ``field_id`` (the page moves it from its script, maybe
    after the load event): a condition, not the state of one instant."""
    expect(page.locator(f"#{field_id}")).to_be_focused()


def stored_sheet(server_app, sheet: str) -> dict:
    submission_id = sheets.sheet_submission_id("comptoir", CYCLE, "paper", sheet)
    with server_app.app_context():
        response = db.session.execute(db.select(Response).where(
            Response.submission_id == submission_id)).scalar_one()
        rows = db.session.execute(db.select(Answer).where(Answer.response_id == response.id)).scalars()
        answers = {a.question_id: (a.numeric_value, a.text_value, a.is_na) for a in rows}
        db.session.remove()
    return answers


def test_a_whole_sheet_is_entered_from_the_keyboard_and_a_duplicate_is_refused(page, server, server_app):
    audit = Audit(page)
    sign_in_and_open_batch(page, server, "Lot clavier")
    expect_focus(page, "sheet")
    audit.check("blank sheet")
    keyboard = page.keyboard
    keyboard.type("101")
    keyboard.press("Tab")
    keyboard.type("4")            # a complete rating: the cursor moves on by itself
    expect_focus(page, "q_met")
    keyboard.type("o")
    expect_focus(page, "q_courtesy")
    keyboard.type("na")           # "don't know", typed explicitly
    expect_focus(page, "q_contact")
    keyboard.type("2")
    expect_focus(page, "q_topics")
    keyboard.type("1 3")
    keyboard.press("Tab")
    keyboard.type("15")
    keyboard.press("Tab")
    keyboard.press("Tab")         # why_not stays blank
    keyboard.type("Merci")
    keyboard.press("Enter")
    page.wait_for_selector("text=Feuille 101 enregistrée.")
    expect_focus(page, "sheet")  # the next blank sheet, ready for its number
    assert page.input_value("#sheet") == ""
    assert "Feuilles saisies dans ce lot : 1." in page.inner_text("#sheet-count")
    audit.check("next sheet")
    answers = stored_sheet(server_app, "101")
    assert answers == {
        "overall": (4.0, None, False), "met": (1.0, None, False), "courtesy": (None, None, True),
        "contact": (None, "phone", False), "topics": (None, "permit|other", False),
        "wait_minutes": (15.0, None, False), "comment": (None, "Merci", False),
    }

    keyboard.type("101")
    keyboard.press("Tab")
    keyboard.type("2")
    keyboard.press("Enter")
    page.wait_for_selector("#duplicate-link")
    assert "La feuille 101 a déjà été saisie" in page.inner_text("#error-summary")
    audit.check("duplicate refused")
    page.focus("#duplicate-link")
    keyboard.press("Enter")
    page.wait_for_selector("text=Feuille 101 telle que saisie")
    audit.check("sheet as entered")
    assert stored_sheet(server_app, "101")["overall"] == (4.0, None, False)  # the first one kept
    audit.assert_clean()


def test_the_paper_pages_have_no_wcag_21_aa_violation(page, server):
    audit = Audit(page)
    sign_in_and_open_batch(page, server, "Lot audit")
    expect_focus(page, "sheet")  # keys typed before the page's script moves the cursor are lost
    page.keyboard.type("x1")
    page.keyboard.press("Tab")
    page.keyboard.type("9")
    page.keyboard.press("Enter")
    page.wait_for_selector("#error-summary")
    audit.check("sheet with errors")
    page.goto(server.url + "/staff/paper/")
    audit.check("choose a batch")
    page.click("text=Lot audit")
    audit.check("batch summary")
    page.goto(server.url + "/staff/paper/import")
    audit.check("CSV import")
    audit.assert_clean()
