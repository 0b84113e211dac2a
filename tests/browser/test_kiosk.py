"""The kiosk in a real Chromium: by touch, offline, through server failures, across reloads."""
from __future__ import annotations

import itertools
import datetime as dt
import re
import time

from playwright.sync_api import expect

from survey_app.extensions import db
from survey_app.models import Kiosk, utcnow

from tests.browser.helpers import (PIN, answer_borne, backlog, batches_sent, enroll, queue_size,
                                    stored, wait_controlled, wait_sync_idle, wait_until)


def test_a_citizen_completes_the_questionnaire_by_touch_and_it_is_stored_once(page, server, server_app, make_kiosk):
    site, code = make_kiosk(questionnaires=("comptoir",), min_interval_s=0, thanks_seconds=3)
    enroll(page, server, code)
    expect(page.locator("h1")).to_have_text("Votre avis compte")
    page.locator("[data-questionnaire=comptoir]").tap()

    # 1. Rating: big faces, each with a text label.
    expect(page.locator(".tile-face")).to_have_count(5)
    expect(page.locator(".tile-face label").first).to_contain_text("Très insatisfait")
    page.locator("#next-button").tap()  # required, unanswered: stays, says why
    expect(page.locator("#q-error")).to_have_text("Veuillez répondre à cette question.")
    page.locator('input[name="q-overall"][value="4"] + label').tap()
    expect(page.get_by_role("radio", name=re.compile("^4"))).to_be_checked()
    page.locator("#next-button").tap()
    # 2. Yes/no: "no" brings the follow-up question (show_if) later on.
    page.locator('input[name="q-met"][value="no"] + label').tap()
    page.locator("#next-button").tap()
    # 3. Rating with "don't know".
    page.locator('input[name="q-courtesy"][value="na"] + label').tap()
    page.locator("#next-button").tap()
    # 4. Single choice; 5. several choices.
    page.locator("label", has_text="Au comptoir").tap()
    page.locator("#next-button").tap()
    page.locator("label", has_text="Permis").tap()
    page.locator("label", has_text="Taxes").tap()
    page.locator("#next-button").tap()
    # 6. A number, out of bounds first.
    page.locator("input.field-number").tap()
    page.keyboard.type("400")
    page.locator("#next-button").tap()
    expect(page.locator("#q-error")).to_have_text("Entrez un nombre de 0 à 300.")
    page.locator("input.field-number").fill("")
    page.keyboard.type("25")
    page.locator("#next-button").tap()
    # 7. The conditional question, then 8. an optional comment left empty.
    expect(page.locator("h1")).to_contain_text("Qu'est-ce qui vous a retardé?")
    page.locator("textarea").tap()
    page.keyboard.type("Trop de monde")
    page.locator("#next-button").tap()
    expect(page.locator("#next-button")).to_have_text("Envoyer mes réponses")
    page.locator("#next-button").tap()

    expect(page.locator("h1")).to_have_text("Merci!")
    expect(page.locator("#kiosk-status")).to_have_attribute("data-backlog", "0", timeout=15000)
    rows = stored(server_app, site)
    assert len(rows) == 1
    response = rows[0]
    assert (response.channel, response.language, response.partial) == ("kiosk", "fr", False)
    answers = {a.question_id: a for a in response.answers}
    assert set(answers) == {"overall", "met", "courtesy", "contact", "topics", "wait_minutes", "why_not"}
    assert answers["overall"].numeric_value == 4 and answers["met"].numeric_value == 0
    assert answers["courtesy"].is_na and answers["contact"].text_value == "counter"
    assert answers["topics"].text_value == "permit|tax" and answers["wait_minutes"].numeric_value == 25
    assert answers["why_not"].text_value == "Trop de monde"

    # The thank-you screen resets by itself; a reload sends nothing again.
    expect(page.locator("body")).to_have_attribute("data-screen", "welcome", timeout=15000)
    sent = batches_sent(page)
    page.reload()
    page.wait_for_selector("body[data-screen=welcome]")
    wait_sync_idle(page)
    assert queue_size(page) == 0 and sent == []
    assert len(stored(server_app, site)) == 1


def test_twenty_responses_offline_are_stored_exactly_once_when_the_network_returns(page, context, server, server_app, make_kiosk):
    site, code = make_kiosk(min_interval_s=0)
    enroll(page, server, code)
    context.set_offline(True)
    expect(page.locator("#kiosk-status")).to_have_attribute("data-online", "false")
    for number in range(20):
        answer_borne(page, rating=1 + number % 5, comment="hors ligne" if number % 4 == 0 else None)
    expect(page.locator("#kiosk-status")).to_have_attribute("data-backlog", "20")
    assert queue_size(page) == 20
    assert stored(server_app, site) == []

    context.set_offline(False)
    expect(page.locator("#kiosk-status")).to_have_attribute("data-backlog", "0", timeout=20000)
    assert queue_size(page) == 0
    rows = stored(server_app, site)
    assert len(rows) == 20
    assert len({row.submission_id for row in rows}) == 20
    # The heartbeat tells the health page that nothing waits any more.
    with server_app.app_context():
        kiosk = db.session.execute(db.select(Kiosk).where(Kiosk.site == site)).scalar_one()
        deadline = time.monotonic() + 10
        while kiosk.backlog != 0 and time.monotonic() < deadline:
            time.sleep(0.2)
            db.session.rollback()  # end the read transaction: see the server's writes
            kiosk = db.session.get(Kiosk, kiosk.id)
        assert kiosk.backlog == 0
        assert kiosk.app_version == page.evaluate("JSON.parse(document.getElementById('kiosk-settings').textContent).appVersion")
        assert utcnow() - kiosk.last_seen_at < dt.timedelta(seconds=30)
        db.session.remove()
    ratings = [next(a.numeric_value for a in row.answers if a.question_id == "overall") for row in rows]
    assert sorted(ratings) == sorted(float(1 + n % 5) for n in range(20))
    assert sum(1 for row in rows for a in row.answers if a.question_id == "comment") == 5


def test_nothing_is_lost_or_duplicated_when_the_server_dies_mid_sync_or_a_reply_is_lost(page, context, server, server_app, make_kiosk):
    site, code = make_kiosk(min_interval_s=0)
    # Each batch request carries the moment the tablet sent it: a route handler runs only when
    # the test hands control to Playwright, so its own clock would add the test's delays.
    page.add_init_script("""(() => {
        const send = window.fetch.bind(window);
        window.fetch = (resource, options = {}) => send(resource, String(resource).includes("/responses/batch")
            ? { ...options, headers: { ...options.headers, "X-Test-Sent-At": String(performance.now()) } }
            : options);
    })()""")
    enroll(page, server, code)
    batches = []
    attempts = []

    # Part 1: the server is killed while the kiosk syncs (after its first batch of 5).
    def kill_during_second_batch(route):
        attempts.append(float(route.request.headers["x-test-sent-at"]) / 1000)
        batches.append(route.request.post_data_json["responses"])
        if len(batches) == 2:
            server.kill()
        route.continue_()

    context.set_offline(True)
    for number in range(12):
        answer_borne(page, rating=1 + number % 5)
    page.route("**/api/v1/responses/batch", kill_during_second_batch)
    context.set_offline(False)
    page.wait_for_function("() => document.querySelector('#kiosk-status').dataset.backlog === '7'", timeout=15000)
    # The kiosk keeps retrying while the server is down: wait for the four failed attempts
    # the backoff check needs, however slow the machine.
    wait_until(page, lambda: len(attempts) >= 6, timeout_s=30)
    assert len(stored(server_app, site)) == 5
    assert backlog(page) == 7 and queue_size(page) == 7
    page.unroute("**/api/v1/responses/batch")
    # Retried while the server was down, one batch at a time, waiting longer each time: the
    # k-th delay is drawn from [c/2, c], c doubling from 150 ms up to 1.2 s, so the third
    # delay measured here (c = 1.2 s) is at least twice the first (c = 300 ms).
    failed = attempts[2:]  # the attempts after the one that killed the server
    assert len(failed) >= 4 and all(len(batch) == 5 for batch in batches)
    gaps = [b - a for a, b in itertools.pairwise(failed)]
    assert gaps[2] > 1.5 * gaps[0], gaps
    server.start()
    expect(page.locator("#kiosk-status")).to_have_attribute("data-backlog", "0", timeout=20000)
    assert len(stored(server_app, site)) == 12

    # Part 2: the server commits a batch, then the connection drops before the reply.
    dropped = []

    def drop_reply_after_commit(route):
        response = route.fetch()  # the request reaches the server, which stores the batch
        if not dropped:
            dropped.append(response.json())
            route.abort("connectionreset")
        else:
            route.fulfill(response=response)

    page.route("**/api/v1/responses/batch", drop_reply_after_commit)
    for _ in range(3):
        answer_borne(page, rating=5)
    expect(page.locator("#kiosk-status")).to_have_attribute("data-backlog", "0", timeout=20000)
    page.unroute("**/api/v1/responses/batch")
    assert dropped and all(r["status"] == 201 for r in dropped[0]["results"])
    rows = stored(server_app, site)
    assert len(rows) == 15 and len({row.submission_id for row in rows}) == 15
    assert queue_size(page) == 0


def test_after_a_reload_offline_the_kiosk_still_works_and_its_queue_survives(page, context, server, server_app, make_kiosk):
    site, code = make_kiosk(min_interval_s=0)
    enroll(page, server, code)
    wait_controlled(page)
    context.set_offline(True)
    answer_borne(page, rating=2)
    answer_borne(page, rating=3)
    # A citizen starts a questionnaire, then the tablet reloads (a crash, staff, a power blip).
    page.locator("[data-questionnaire=borne]").tap()
    page.locator('input[name="q-overall"][value="5"] + label').tap()

    reply = page.reload()
    assert reply is not None and reply.from_service_worker  # the page came from the cache
    expect(page.locator("body")).to_have_attribute("data-screen", "welcome")
    expect(page.locator("#kiosk-status")).to_have_attribute("data-online", "false")
    # This kiosk discards unfinished questionnaires: the interrupted one is gone.
    expect(page.locator("#kiosk-status")).to_have_attribute("data-backlog", "2")
    assert queue_size(page) == 2
    # Still works offline, in both languages.
    page.locator("#lang-toggle").tap()
    expect(page.locator("h1")).to_have_text("Your opinion counts")
    page.locator("#lang-toggle").tap()
    answer_borne(page, rating=4, comment="après rechargement")
    expect(page.locator("#kiosk-status")).to_have_attribute("data-backlog", "3")
    assert stored(server_app, site) == []

    context.set_offline(False)
    expect(page.locator("#kiosk-status")).to_have_attribute("data-backlog", "0", timeout=20000)
    rows = stored(server_app, site)
    assert len(rows) == 3 and queue_size(page) == 0
    assert sorted(next(a.numeric_value for a in r.answers if a.question_id == "overall") for r in rows) == [2, 3, 4]


def test_inactivity_resets_and_the_minimum_interval_behave_as_configured(page, context, server, server_app, make_kiosk):
    # A kiosk that discards unfinished questionnaires after 5 s (+ the 3 s warning).
    site, code = make_kiosk(inactivity_timeout_s=5, keep_partial=False, min_interval_s=0)
    enroll(page, server, code)
    page.locator("[data-questionnaire=borne]").tap()
    page.locator('input[name="q-overall"][value="2"] + label').tap()
    page.locator("#next-button").tap()
    started = time.monotonic()
    dialog = page.locator("#idle-dialog")
    # not before the configured 5 s; how late after it depends on the machine's load, not on the kiosk
    expect(dialog).to_be_visible(timeout=30000)
    assert time.monotonic() - started >= 4.5
    expect(dialog).to_contain_text("Êtes-vous toujours là?")
    page.locator("#idle-continue").tap()  # one touch keeps the answers
    expect(dialog).to_have_count(0)
    expect(page.locator("body")).to_have_attribute("data-screen", "question")
    page.locator("#lang-toggle").tap()  # activity of any kind postpones the warning
    page.locator("#lang-toggle").tap()
    sent = batches_sent(page)
    expect(page.locator("body")).to_have_attribute("data-screen", "welcome", timeout=12000)
    wait_sync_idle(page)  # the questionnaire is left before the welcome screen shows
    assert queue_size(page) == 0 and sent == [] and stored(server_app, site) == []

    # A kiosk that keeps them as partial responses, with 4 s between submissions.
    site, code = make_kiosk(inactivity_timeout_s=5, keep_partial=True, min_interval_s=4)
    page.evaluate("indexedDB.deleteDatabase('servir-kiosk')")
    enroll(page, server, code)
    page.locator("[data-questionnaire=borne]").tap()
    page.locator('input[name="q-overall"][value="3"] + label').tap()
    page.locator("#next-button").tap()
    expect(page.locator("#idle-dialog")).to_contain_text("ce questionnaire se fermera", timeout=8000)
    expect(page.locator("body")).to_have_attribute("data-screen", "welcome", timeout=6000)
    expect(page.locator("#kiosk-status")).to_have_attribute("data-backlog", "0", timeout=15000)
    (partial,) = stored(server_app, site)
    assert partial.partial is True
    assert [(a.question_id, a.numeric_value) for a in partial.answers] == [("overall", 3.0)]

    # The minimum interval: right after a submission, the next questionnaire waits.
    start = page.locator("[data-questionnaire=borne]")
    start.tap()
    page.locator('input[name="q-overall"][value="5"] + label').tap()
    page.locator("#next-button").tap()
    page.locator("#next-button").tap()
    submitted = time.monotonic()
    page.get_by_role("button", name="Terminer").tap()
    expect(start).to_be_disabled()
    expect(page.locator("#wait-message")).to_contain_text("Le prochain questionnaire sera disponible dans")
    start.tap(force=True)  # mashing the button does nothing
    expect(page.locator("body")).to_have_attribute("data-screen", "welcome")
    expect(start).to_be_enabled(timeout=6000)
    assert time.monotonic() - submitted >= 3.5
    expect(page.locator("#wait-message")).to_have_text("")
    start.tap()
    page.locator('input[name="q-overall"][value="4"] + label').tap()
    page.locator("#next-button").tap()
    page.locator("#next-button").tap()
    expect(page.locator("body")).to_have_attribute("data-screen", "thanks")
    expect(page.locator("#kiosk-status")).to_have_attribute("data-backlog", "0", timeout=15000)
    rows = stored(server_app, site)
    assert [r.partial for r in rows] == [True, False, False]


def test_staff_save_the_queue_to_a_file_that_the_import_command_accepts(page, context, server, server_app, make_kiosk, tmp_path):
    site, code = make_kiosk(min_interval_s=0)
    enroll(page, server, code)
    context.set_offline(True)
    answer_borne(page, rating=5, comment="à transmettre")
    answer_borne(page, rating=1)
    page.locator("#staff-button").tap()
    page.fill("#pin-input", "111111")
    page.locator("#pin-dialog button[type=submit]").tap()
    expect(page.locator("#pin-error")).to_have_text("NIP incorrect.")
    page.fill("#pin-input", PIN)  # checked offline against the verifier
    page.locator("#pin-dialog button[type=submit]").tap()
    expect(page.locator("[data-figure=backlog]")).to_have_text("2")
    # The kiosk asked the browser to keep its storage (the answer depends on the browser).
    expect(page.locator("[data-figure=persistent]")).to_have_text(re.compile("^(Oui|Non)$"))
    with page.expect_download() as download_info:
        page.locator("#save-queue").tap()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    expect(page.locator("#staff-message")).to_contain_text("2 réponses")
    assert path.name.startswith("servir-tablette-") and path.suffix == ".json"

    result = server_app.test_cli_runner().invoke(args=["responses", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "2 enregistrées, 0 déjà présentes, 0 rejetées"
    assert queue_size(page) == 2  # a file is a copy: the queue empties only on the server's word

    page.locator("#resume-kiosk").tap()
    context.set_offline(False)
    expect(page.locator("#kiosk-status")).to_have_attribute("data-backlog", "0", timeout=20000)
    rows = stored(server_app, site)
    assert len(rows) == 2 and queue_size(page) == 0


def test_wrong_pins_lock_the_tablet_with_the_servers_rule_and_a_reload_does_not_clear_it(page, server, server_app, make_kiosk):
    site, code = make_kiosk()
    enroll(page, server, code)
    page.locator("#staff-button").tap()
    expect(page.locator("#pin-input")).to_have_attribute("maxlength", "12")  # the served rule
    for attempt in range(5):
        page.fill("#pin-input", f"90000{attempt}")
        page.locator("#pin-dialog button[type=submit]").tap()
        expect(page.locator("#pin-dialog button[type=submit]")).to_be_enabled()  # checked
        expected = "NIP incorrect." if attempt < 4 else "Trop de tentatives. Réessayez dans 60 s."
        expect(page.locator("#pin-error")).to_have_text(expected)
    page.reload()
    page.wait_for_selector("body[data-screen=welcome]")
    page.locator("#staff-button").tap()
    page.fill("#pin-input", PIN)  # the right PIN, refused until the lockout ends
    page.locator("#pin-dialog button[type=submit]").tap()
    expect(page.locator("#pin-error")).to_contain_text("Trop de tentatives.")
    with server_app.app_context():
        kiosk = db.session.execute(db.select(Kiosk).where(Kiosk.site == site)).scalar_one()
        assert kiosk.pin_failures == 5 and kiosk.pin_locked_until is not None  # counted by the server
