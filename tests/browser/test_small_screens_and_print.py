"""A 360 px phone shows every citizen and staff page without scrolling sideways (wide tables
scroll inside their own box), and the printed report holds its summary on page 1."""
from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from survey_app.services import users
from tests.browser.helpers import CYCLE
from tests.helpers import PASSWORD

CITIZEN = ["/", "/q/comptoir", "/public/results/", "/auth/login"]
STAFF = ["/admin/", "/admin/commitments/", "/admin/commitments/new", "/admin/cycles/", "/admin/cycles/new",
         "/admin/questionnaires/", "/admin/questionnaires/comptoir", "/admin/questionnaires/comptoir/edit",
         "/admin/questionnaires/comptoir/preview", "/admin/users/", "/admin/users/new", "/admin/kiosks/",
         "/admin/kiosks/new", "/admin/invitations/", "/admin/posters/", "/admin/audit/", "/staff/paper/",
         "/staff/paper/import", "/auth/password", "/results/", "/results/comptoir", f"/results/report?cycle={CYCLE}"]


def overflow(page) -> int:
    """How far the page is wider than the screen, in CSS pixels (0: no sideways scroll)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


@pytest.fixture
def admin_page(page, server, server_app):
    with server_app.app_context():
        if users.get_user("admin-360@example.org") is None:
            users.create_user("admin-360@example.org", PASSWORD, "admin")
    page.goto(server.url + "/auth/login")
    page.fill("#email", "admin-360@example.org")
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()
    return page


def culprits(page) -> list[str]:
    """The outermost elements that stick out on the right, to name in a failure."""
    return page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter((n) => n.getBoundingClientRect().right > window.innerWidth + 1)
        .filter((n) => !n.parentElement || n.parentElement.getBoundingClientRect().right <= window.innerWidth + 1)
        .filter((n) => !n.closest('.table-scroll'))  // a wide table scrolls inside its own box
        .slice(0, 3).map((n) => `${n.tagName.toLowerCase()}.${n.className}: ${(n.textContent || '').trim().slice(0, 50)}`)""")


def test_no_page_scrolls_sideways_at_360_px(admin_page, server):
    page = admin_page
    page.set_viewport_size({"width": 360, "height": 740})
    wide = {}
    for path in CITIZEN + STAFF:
        for lang in ("fr", "en"):
            page.goto(f"{server.url}{path}{'&' if '?' in path else '?'}lang={lang}")
            if overflow(page) > 0:
                wide[f"{path} ({lang})"] = (overflow(page), culprits(page))
    page.goto(server.url + "/q/comptoir?lang=fr")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    page.wait_for_load_state("load")  # measured with the stylesheet applied
    if overflow(page) > 0:
        wide["/q/comptoir with errors"] = overflow(page)
    assert not wide, f"pages wider than 360 px (by px): {wide}"


def test_ratings_stay_on_one_row_in_the_error_state(page, server):
    page.set_viewport_size({"width": 1024, "height": 800})
    page.goto(server.url + "/q/comptoir")
    page.locator("form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    page.wait_for_load_state("load")  # the stylesheet applied: a loaded machine may measure before
    tops = page.evaluate("""() => [...document.querySelectorAll('.has-error .scale .option:not(.option-na)')]
        .map((n) => Math.round(n.getBoundingClientRect().top))""")
    assert len(tops) >= 5 and len(set(tops[:5])) == 1, tops


def test_the_printed_report_holds_the_summary_on_page_one(admin_page, server):
    page = admin_page
    page.goto(f"{server.url}/results/report?cycle={CYCLE}&format=html&lang=fr")
    reader = PdfReader(io.BytesIO(page.pdf(format="Letter", print_background=True)))
    first = reader.pages[0].extract_text()
    assert "Ville de Québec" in first and "Reddition de comptes" in first
    assert "Sommaire" in first and "C-90" in first  # the summary's table, on the cover page
    assert len(reader.pages) >= 3
    # each commitment starts a page with its heading and table together
    starts = [i for i, p in enumerate(reader.pages) if "Résultats par question, C-90" in p.extract_text()]
    assert starts and "C-90 — " in reader.pages[starts[0]].extract_text()
