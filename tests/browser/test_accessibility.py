"""axe-core finds no WCAG 2.1 A or AA violation on the kiosk's screens and the online survey.

axe-core comes from tests/browser/assets (fetched from the npm registry, see the README there),
injected into each page: nothing is loaded from the internet.
"""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import AXE, PIN, enroll
from tests.helpers import PASSWORD

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def wait_until_settled(page) -> None:
    """Wait until no CSS transition or animation is running: axe reads computed colours, and a
    colour half-way through a transition is not the screen a citizen reads."""
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")


def axe_violations(page) -> list[dict]:
    wait_until_settled(page)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: a <script> tag would be inline script, which
        # the Content-Security-Policy refuses.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                                    resultTypes: ["violations"]});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary),
            }));
        }""",
        WCAG_21_AA,
    )


def small_touch_targets(page) -> list[str]:
    """Visible controls of the kiosk smaller than 48 x 48 CSS pixels (a radio or checkbox
    counts by its label, the drawn target)."""
    return page.evaluate("""() => [...document.querySelectorAll(
            "button, a[href], .tile-label, input:not(.tile-input):not([type=hidden]), textarea, select")]
        .filter((node) => node.offsetParent !== null || node.closest("dialog[open]"))
        .map((node) => [node, node.getBoundingClientRect()])
        .filter(([node, box]) => box.width > 0 && (box.width < 48 || box.height < 48))
        .map(([node, box]) => `${node.tagName.toLowerCase()}#${node.id}.${node.className} ${Math.round(box.width)}x${Math.round(box.height)}`)""")


class Audit:
    """Collects the violations of every screen, to report them all at once."""

    def __init__(self, page, touch: bool = False):
        self.page = page
        self.touch = touch
        self.screens: list[str] = []
        self.failures: dict[str, list[dict]] = {}

    def check(self, name: str) -> None:
        self.screens.append(name)
        violations = axe_violations(self.page)
        if self.touch:
            small = small_touch_targets(self.page)
            if small:
                violations.append({"id": "touch-target-48px", "impact": "serious",
                                   "help": "Touch targets must be at least 48 x 48 px", "nodes": small})
        if violations:
            self.failures[name] = violations

    def assert_clean(self) -> None:
        report = "\n".join(
            f"{screen}: {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
            for screen, violations in self.failures.items() for v in violations
        )
        assert not self.failures, f"WCAG 2.1 AA violations on {len(self.failures)} of {len(self.screens)} screens:\n{report}"


def test_the_kiosk_screens_have_no_wcag_21_aa_violation(page, server, make_kiosk):
    """... and every touch target of the kiosk is at least 48 x 48 px."""
    audit = Audit(page, touch=True)
    # A long inactivity timeout, so that slow audits never bring the warning in the middle
    # (the warning has a test of its own).
    _site, code = make_kiosk(questionnaires=("comptoir", "borne"), inactivity_timeout_s=600, min_interval_s=30)
    page.goto(server.url + "/kiosk/")
    page.wait_for_selector("#enroll-code")
    audit.check("enrollment")
    page.locator("form.enroll-form button[type=submit]").tap()
    expect(page.locator("#enroll-error")).not_to_be_empty()
    audit.check("enrollment with an error")
    page.fill("#enroll-code", code)
    page.locator("form.enroll-form button[type=submit]").tap()
    page.wait_for_selector("body[data-screen=welcome]")
    audit.check("welcome, several questionnaires")

    page.locator("[data-questionnaire=comptoir]").tap()
    audit.check("rating question (faces)")
    page.locator("#next-button").tap()
    expect(page.locator("#q-error")).not_to_be_empty()
    audit.check("required question left unanswered")
    page.locator("#lang-toggle").tap()
    audit.check("rating question in English")
    page.locator("#lang-toggle").tap()
    answers = [
        'input[name="q-overall"][value="5"] + label',
        'input[name="q-met"][value="no"] + label',
        'input[name="q-courtesy"][value="4"] + label',
        'input[name="q-contact"][value="phone"] + label',
        'input[name="q-topics"][value="other"] + label',
    ]
    names = ["yes/no question", "rating with don't know", "single choice", "several choices", "number"]
    for selector, name in zip(answers, names):
        page.locator(selector).tap()
        page.locator("#next-button").tap()
        audit.check(name)
    page.locator("input.field-number").fill("abc")
    page.locator("#next-button").tap()
    audit.check("number with an error")
    page.locator("input.field-number").fill("20")
    page.locator("#next-button").tap()
    audit.check("text question")
    page.locator("#next-button").tap()
    page.locator("#next-button").tap()
    page.wait_for_selector("body[data-screen=thanks]")
    audit.check("thank you")
    page.get_by_role("button", name="Terminer").tap()
    expect(page.locator("[data-questionnaire=borne]")).to_be_disabled()
    audit.check("welcome, waiting for the minimum interval")

    page.locator("#staff-button").tap()
    audit.check("staff PIN")
    page.fill("#pin-input", "000000")
    page.locator("#pin-dialog button[type=submit]").tap()
    expect(page.locator("#pin-error")).to_have_text("NIP incorrect.")
    # a settled screen: the check is over and the button enabled again (axe skips a disabled
    # button, but not one caught between two states)
    expect(page.locator("#pin-dialog button[type=submit]")).to_be_enabled()
    audit.check("staff PIN, wrong")
    page.fill("#pin-input", PIN)
    page.locator("#pin-dialog button[type=submit]").tap()
    page.wait_for_selector("body[data-screen=staff]")
    audit.check("staff panel")
    page.locator("#lang-toggle").tap()
    audit.check("staff panel in English")
    audit.assert_clean()


def test_the_inactivity_warning_has_no_wcag_21_aa_violation(page, server, make_kiosk):
    _site, code = make_kiosk(questionnaires=("comptoir",), inactivity_timeout_s=5)
    enroll(page, server, code)
    page.locator("[data-questionnaire=comptoir]").tap()
    page.locator('input[name="q-overall"][value="2"] + label').tap()
    expect(page.locator("#idle-dialog")).to_be_visible(timeout=8000)
    violations = axe_violations(page)
    # The warning lasts a few seconds: the audit must have seen it, not the screen after it.
    assert page.locator("#idle-dialog[open]").count() == 1, "the warning closed before the audit ended"
    assert violations == []
    page.locator("#idle-continue").tap()
    expect(page.locator("body")).to_have_attribute("data-screen", "question")
    expect(page.get_by_role("radio", name="2")).to_be_checked()


def test_the_online_survey_and_staff_pages_have_no_wcag_21_aa_violation(page, server):
    audit = Audit(page)
    page.goto(server.url + "/")
    audit.check("home")
    page.goto(server.url + "/q/comptoir")
    audit.check("questionnaire")
    page.locator("#survey-submit").click()
    expect(page.locator(".error-summary")).to_be_visible()
    audit.check("questionnaire with errors")
    page.locator("#q_overall-3").check()
    page.locator("#survey-submit").click()
    page.wait_for_url("**/merci")
    audit.check("thank you")
    page.goto(server.url + "/q/comptoir?lang=en")
    audit.check("questionnaire in English")

    page.goto(server.url + "/auth/login?next=/admin/kiosks/")
    audit.check("staff sign-in")
    page.fill("#email", "staff@example.org")
    page.fill("#password", PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/admin/kiosks/")
    audit.check("kiosks by site")
    page.goto(server.url + "/admin/kiosks/new")
    page.locator("form.admin-form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    audit.check("new kiosk form with errors")
    audit.assert_clean()


def test_the_audit_itself_catches_violations(page):
    """A check that passes on every page must also be able to fail."""
    page.set_content('<html lang="fr"><body><main><img src="x.png"><button></button>'
                     '<p style="color:#bbb;background:#fff">pâle</p></main></body></html>')
    found = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "button-name", "color-contrast"} <= found
    page.set_content('<button id="tiny" style="width:30px;height:60px">x</button>'
                     '<button id="big" style="width:60px;height:60px">y</button>')
    assert [target.split(" ")[0] for target in small_touch_targets(page)] == ["button#tiny."]
