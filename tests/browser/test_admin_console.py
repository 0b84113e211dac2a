"""The programme console in Chromium: an admin creates a cycle, uploads a questionnaire with
an error, reads it, fixes it, previews and publishes it, and citizens then find it on the home
page. Every console page met on the way passes the axe WCAG 2.1 AA audit."""
from __future__ import annotations

from playwright.sync_api import expect

from survey_app.services import users
from tests.helpers import DEFINITIONS, PASSWORD
from tests.browser.test_accessibility import Audit

DEFINITION = ((DEFINITIONS / "comptoir.yaml").read_text(encoding="utf-8")
              .replace("id: comptoir", "id: navigateur").replace("code: C-90", "code: C-96"))
BROKEN = DEFINITION.replace("    scale: {min: 1, max: 5}\n", "    scale: {min: 5, max: 1}\n")


def fits_the_phone(page) -> bool:
    """Nothing in the page's main content reaches past the screen's right edge (the site header
    is laid out elsewhere)."""
    return page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter((e) => !e.closest('.table-scroll') && e.getBoundingClientRect().right > window.innerWidth + 1)
        .length === 0""")


def test_an_admin_runs_the_programme_from_the_browser(page, server, server_app):
    with server_app.app_context():
        users.create_user("admin-browser@example.org", PASSWORD, "admin")
    page.set_viewport_size({"width": 360, "height": 740})  # on a phone
    audit = Audit(page)
    page.goto(server.url + "/auth/login?next=/admin/")
    page.fill("#email", "admin-browser@example.org")
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/admin/")
    audit.check("programme at a glance")
    assert fits_the_phone(page)

    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Cycles").click()
    page.wait_for_url("**/admin/cycles/")
    audit.check("cycles")
    page.goto(server.url + "/admin/cycles/new")
    page.fill("#code", "B27")
    page.fill("#name_fr", "Cycle 2027")
    page.fill("#name_en", "2027 cycle")
    page.fill("#period_start", "2027-03-01")
    page.fill("#period_end", "2027-02-01")
    page.locator("form.admin-form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    audit.check("new cycle with an error")
    page.fill("#period_end", "2027-05-31")
    page.locator("form.admin-form button[type=submit]").click()
    page.wait_for_url("**/admin/cycles/")
    expect(page.locator('tr[data-cycle="B27"]')).to_contain_text("Brouillon")
    page.goto(server.url + "/admin/cycles/B27/open")
    audit.check("confirmation refused: another cycle is open")

    page.goto(server.url + "/admin/commitments/")
    audit.check("commitments")
    page.goto(server.url + "/admin/commitments/new")
    audit.check("new commitment")

    page.goto(server.url + "/admin/questionnaires/")
    audit.check("questionnaires")
    assert fits_the_phone(page)
    page.goto(server.url + "/admin/questionnaires/new")
    page.set_input_files("#upload", files=[{"name": "navigateur.yaml", "mimeType": "text/yaml",
                                            "buffer": BROKEN.encode("utf-8")}])
    page.locator("form.yaml-editor button[type=submit]").click()
    errors = page.locator(".definition-errors li")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text("navigateur.yaml: questions[2].scale.max")
    audit.check("definition with an error")
    page.fill("#definition", DEFINITION)
    page.locator("form.yaml-editor button[type=submit]").click()
    page.wait_for_url("**/admin/questionnaires/navigateur/preview")
    expect(page.locator(".preview-frame")).to_contain_text("Le personnel a été courtois.")
    audit.check("preview in French")
    assert fits_the_phone(page)
    page.goto(server.url + "/admin/questionnaires/navigateur/preview?language=en")
    expect(page.locator(".preview-frame")).to_contain_text("Staff were courteous.")
    audit.check("preview in English")
    page.goto(server.url + "/admin/questionnaires/navigateur/preview?language=fr")
    page.locator("form[action$='/publish'] button[type=submit]").click()
    page.wait_for_url("**/admin/questionnaires/navigateur")
    audit.check("questionnaire page")

    page.goto(server.url + "/")
    expect(page.locator('a[href="/q/navigateur"]')).to_be_visible()
    audit.assert_clean()


def test_the_version_diff_is_accessible(page, server, server_app):
    from survey_app.services import questionnaire_editor

    with server_app.app_context():
        users.create_user("admin-diff@example.org", PASSWORD, "admin")
        changed = DEFINITION.replace("id: navigateur", "id: difference").replace("code: C-96", "code: C-97")
        questionnaire_editor.save_draft(changed, "difference.yaml", "admin-diff@example.org")
        questionnaire_editor.publish("difference", "admin-diff@example.org")
        questionnaire_editor.save_draft(changed.replace("Le personnel a été courtois.", "Le personnel était aimable."),
                                        "difference.yaml", "admin-diff@example.org", "difference")
    audit = Audit(page)
    page.goto(server.url + "/auth/login?next=/admin/questionnaires/difference/diff")
    page.fill("#email", "admin-diff@example.org")
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/diff")
    expect(page.locator("#comparability-warning")).to_contain_text("courtesy")
    audit.check("version diff")
    audit.assert_clean()
