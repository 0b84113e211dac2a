"""The invitation and poster pages in Chromium: no WCAG 2.1 AA violation on the admin pages,
the invitation form, the kind 410 page, and on a 360 px phone the form still fits."""
from __future__ import annotations

from playwright.sync_api import expect

from survey_app.services import invitations, users
from tests.helpers import PASSWORD
from tests.browser.test_accessibility import Audit


def test_invitation_and_poster_pages_have_no_wcag_21_aa_violation(page, server, server_app):
    with server_app.app_context():
        users.create_user("admin-invitations@example.org", PASSWORD, "admin")
        [code] = invitations.create_batch("comptoir", 1).codes
    audit = Audit(page)
    page.goto(server.url + "/auth/login?next=/admin/invitations/")
    page.fill("#email", "admin-invitations@example.org")
    page.fill("#password", PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/admin/invitations/")
    audit.check("invitations")
    page.fill("#count", "0")
    page.locator("form.admin-form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    audit.check("invitations with errors")
    page.goto(server.url + "/admin/posters/")
    audit.check("posters")
    page.locator("form[action='/auth/logout'] button").click()

    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(server.url + f"/i/{code}")
    audit.check("invitation form")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator("#q_overall-4").check()
    page.locator("form.survey-form button[type=submit]").click()
    page.wait_for_url("**/merci")
    page.goto(server.url + f"/i/{code}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cette invitation a déjà servi")
    audit.check("invitation already used")
    audit.assert_clean()
