"""The Content-Security-Policy breaks nothing: the kiosk (service worker, IndexedDB, sync)
and the online form work in Chromium with the policy enforced, and the browser reports no
violation (Chromium logs each refused script, style or connection to the console)."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import answer_borne, enroll, stored, wait_controlled


def violations_of(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text)
            if "Content Security Policy" in message.text else None)
    return messages


def test_the_kiosk_works_under_the_policy_and_reports_no_violation(page, server, server_app, make_kiosk):
    violations = violations_of(page)
    site, code = make_kiosk(min_interval_s=0, thanks_seconds=3)
    response = page.goto(f"{server.url}/kiosk/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    enroll(page, server, code)
    wait_controlled(page)
    answer_borne(page, rating=5)
    expect(page.locator("#kiosk-status")).to_have_attribute("data-backlog", "0", timeout=15000)
    assert len(stored(server_app, site)) == 1
    assert violations == []


def test_the_online_form_works_under_the_policy_and_reports_no_violation(page, server):
    violations = violations_of(page)
    response = page.goto(f"{server.url}/q/comptoir")
    assert response.headers["x-content-type-options"] == "nosniff"
    page.locator('input[name="q_overall"][value="4"]').check()
    page.locator('input[name="q_met"][value="yes"]').check()
    page.locator("#survey-submit").click()
    expect(page.locator("h1")).to_contain_text("Merci")
    assert violations == []
