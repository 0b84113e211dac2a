"""Accounts in a real Chromium: an admin disables a user who is signed in elsewhere, and that
user's next page load goes to sign-in; the staff header fits a 360 px phone; the users and audit
pages pass axe."""
from __future__ import annotations

from playwright.sync_api import expect

from survey_app.services import users
from tests.helpers import PASSWORD
from tests.browser.test_accessibility import Audit


def sign_in(page, server, email: str) -> None:
    page.goto(server.url + "/auth/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form.narrow-form button[type=submit]").click()
    page.wait_for_load_state()


def test_an_admin_disables_a_user_signed_in_elsewhere(browser, server, server_app):
    with server_app.app_context():
        users.create_user("browser-admin@example.org", PASSWORD, "admin")
        users.create_user("browser-eva@example.org", PASSWORD, "evaluator")
    eva_context, admin_context = browser.new_context(), browser.new_context()
    try:
        eva, admin = eva_context.new_page(), admin_context.new_page()
        sign_in(eva, server, "browser-eva@example.org")
        expect(eva).to_have_url(server.url + "/results/")
        expect(eva.locator("#signed-in")).to_contain_text("browser-eva@example.org")

        sign_in(admin, server, "browser-admin@example.org")
        admin.goto(server.url + "/admin/users/")
        admin.locator("tr[data-user='browser-eva@example.org'] a").click()
        admin.get_by_role("link", name="Désactiver ce compte…").click()
        expect(admin.locator("h1")).to_have_text("Désactiver browser-eva@example.org ?")
        admin.get_by_role("button", name="Désactiver le compte").click()
        expect(admin.locator(".flash")).to_contain_text("est désactivé")

        eva.reload()
        expect(eva).to_have_url(server.url + "/auth/login?next=%2Fresults%2F")
        expect(eva.locator("#signed-in")).to_have_count(0)
    finally:
        eva_context.close()
        admin_context.close()


def test_the_staff_header_fits_a_360_px_phone(browser, server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        sign_in(page, server, "staff@example.org")
        expect(page).to_have_url(server.url + "/admin/kiosks/")
        expect(page.locator("#signed-in")).to_contain_text("Personnel")
        # The header, whatever the page below holds (earlier tests leave long kiosk site names).
        widest = page.evaluate("""() => Math.max(...[...document.querySelectorAll('.site-header, .site-header *')]
            .map(element => element.getBoundingClientRect().right))""")
        assert widest <= 360
        assert page.evaluate("document.querySelector('.site-header').scrollWidth") <= 360
    finally:
        context.close()


def test_the_users_and_audit_pages_have_no_wcag_21_aa_violation(browser, server, server_app):
    with server_app.app_context():
        if users.get_user("axe-admin@example.org") is None:
            users.create_user("axe-admin@example.org", PASSWORD, "admin")
    context = browser.new_context()
    try:
        page = context.new_page()
        audit = Audit(page)
        sign_in(page, server, "axe-admin@example.org")
        page.goto(server.url + "/admin/users/")
        audit.check("users")
        page.goto(server.url + "/admin/users/new")
        page.locator("form.admin-form button[type=submit]").click()
        expect(page.locator(".error-summary")).to_be_visible()
        audit.check("new user with errors")
        page.goto(server.url + "/admin/audit/")
        audit.check("audit trail")
        page.goto(server.url + "/auth/password")
        audit.check("own password")
        audit.assert_clean()
    finally:
        context.close()
