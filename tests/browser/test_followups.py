"""Follow-ups in a real browser, on a 360 px phone: the citizen's offer and consent, then the
unit's staff working the case to its close; no WCAG 2.1 AA violation on the way."""
from __future__ import annotations

import pytest
import questionnaires as qn
from playwright.sync_api import expect

from survey_app.services import catalogue, users
from tests.helpers import DEFINITIONS, PASSWORD
from tests.browser.test_accessibility import Audit

EMAIL = "citoyenne@exemple.net"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 360, "height": 740}, "locale": "fr-CA",
            "has_touch": True, "is_mobile": True}


@pytest.fixture
def offered(server_app):
    """An online-only copy of comptoir offering a follow-up, and a staff member of its unit."""
    text = (DEFINITIONS / "comptoir.yaml").read_text(encoding="utf-8")
    text = text.replace("id: comptoir", "id: suivi-web").replace("code: C-90", "code: C-92")
    with server_app.app_context():
        catalogue.sync_definitions([qn.parse_yaml(text + "\nchannels: [online]\nfollow_up: {offer: true}\n")])
        if users.get_user("agent.suivi@example.org") is None:
            users.create_user("agent.suivi@example.org", PASSWORD, "staff")
        users.set_unit("agent.suivi@example.org", "ARRONDISSEMENT")
    return "suivi-web"


def fits_the_width(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_a_citizen_asks_for_a_follow_up_and_the_unit_closes_it(page, server, offered):
    audit = Audit(page)
    page.goto(server.url + f"/q/{offered}")
    consent = page.get_by_label("Oui, vous pouvez communiquer avec moi au sujet de mon expérience.")
    expect(consent).not_to_be_checked()
    assert fits_the_width(page)
    audit.check("questionnaire with the follow-up offer")

    page.locator("#q_overall-0").check()
    page.get_by_label("Adresse courriel").fill(EMAIL)
    page.locator("#survey-submit").click()
    expect(page.locator(".error-summary")).to_contain_text("Cochez la case")
    audit.check("follow-up without consent")

    page.get_by_label("Oui, vous pouvez communiquer avec moi au sujet de mon expérience.").check()
    page.locator("#survey-submit").click()
    page.wait_for_url("**/merci")
    expect(page.locator("main")).to_contain_text("communiquera avec vous d’ici 10 jours ouvrables")

    page.goto(server.url + "/auth/login?next=/staff/followups/")
    page.fill("#email", "agent.suivi@example.org")
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/staff/followups/")
    assert fits_the_width(page)  # the table scrolls in its own box
    audit.check("follow-up queue")
    page.locator("table a").first.click()
    expect(page.locator("main")).to_contain_text(EMAIL)
    audit.check("follow-up case")
    page.get_by_label("En cours").check()
    page.get_by_label("Note du personnel").fill("Rappel prévu lundi.")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".flash")).to_contain_text("Dossier enregistré")
    page.get_by_role("button", name="Fermer le dossier").click()
    expect(page.locator(".flash")).to_contain_text("coordonnées du citoyen ont été effacées")
    audit.assert_clean()
