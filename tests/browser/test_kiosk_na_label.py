"""A personal question's own opt-out wording ("Préfère ne pas répondre") reaches the kiosk."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import enroll, stored


def test_the_kiosk_shows_the_questions_own_opt_out_and_stores_it_as_na(page, server, server_app, make_kiosk):
    site, code = make_kiosk(questionnaires=("profil",), min_interval_s=0)
    enroll(page, server, code)
    page.locator("[data-questionnaire=profil]").tap()
    page.locator('input[name="q-overall"][value="5"] + label').tap()
    page.locator("#next-button").tap()
    opt_out = page.locator(".tile-na label")
    expect(opt_out).to_have_text("Préfère ne pas répondre")
    expect(page.get_by_text("Ne sais pas")).to_have_count(0)
    opt_out.tap()
    page.locator("#next-button").tap()
    page.wait_for_selector("body[data-screen=thanks]")
    expect(page.locator("#kiosk-status")).to_have_attribute("data-backlog", "0", timeout=15000)
    rows = stored(server_app, site)
    answers = {a.question_id: a for a in rows[0].answers}
    assert len(rows) == 1 and answers["age_group"].is_na
