"""What the browser tests share besides fixtures: the kiosk's PIN and cycle, the tablet's queue
read directly, and waits on conditions the kiosk reaches (never a fixed delay).
"""
from __future__ import annotations

import time
from pathlib import Path

from survey_app.extensions import db
from survey_app.models import Response


AXE = Path(__file__).parent / "assets" / "axe.min.js"
CYCLE = "2026"
PIN = "246813"  # the default rule: at least 6 digits (SERVIR_KIOSK_PIN_MIN_LENGTH)


def stored(server_app, site: str) -> list[Response]:
    """The responses stored for a site, oldest first (detached from the session)."""
    with server_app.app_context():
        rows = list(db.session.execute(
            db.select(Response).where(Response.site == site).order_by(Response.id)).scalars())
        for row in rows:
            _ = row.answers  # load them before detaching
            db.session.expunge(row)
        db.session.remove()
        return rows


def enroll(page, server, code: str) -> None:
    """Open the kiosk page on a fresh tablet and enroll it with a one-time code."""
    page.goto(server.url + "/kiosk/")
    page.wait_for_selector("#enroll-code")
    page.fill("#enroll-code", code)
    page.locator("form.enroll-form button[type=submit]").tap()
    page.wait_for_selector("body[data-screen=welcome]")


def wait_controlled(page) -> None:
    """Wait until the service worker controls the page (so a reload works offline)."""
    # A function, not an expression: Playwright evaluates expressions with eval(), which the
    # Content-Security-Policy (no 'unsafe-eval') refuses.
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null",
                           timeout=15000)


def queue_size(page) -> int:
    """Records in the tablet's IndexedDB queue, read directly (not through the app)."""
    return page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open("servir-kiosk");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
            const count = open.result.transaction("queue").objectStore("queue").count();
            count.onsuccess = () => { open.result.close(); resolve(count.result); };
            count.onerror = () => reject(count.error);
        };
    })""")


def batches_sent(page) -> list:
    """The kiosk's batch requests from now on (a list that grows as they are sent)."""
    sent: list = []
    page.on("request", lambda request: sent.append(request) if "/api/v1/responses/batch" in request.url else None)
    return sent


def wait_sync_idle(page) -> None:
    """Wait until the kiosk has started and its synchroniser is idle: it sends under the Web
    Lock "servir-kiosk-sync", asked for as soon as there may be something to send, so with
    the lock neither held nor asked for, whatever was queued has been sent."""
    page.wait_for_function("""async () => {
        await window.servirKiosk.ready;
        const locks = await navigator.locks.query();
        return ![...locks.held, ...locks.pending].some((lock) => lock.name === "servir-kiosk-sync");
    }""", timeout=15000)


def backlog(page) -> int:
    return int(page.get_attribute("#kiosk-status", "data-backlog"))


def answer_borne(page, rating: int = 4, comment: str | None = None) -> None:
    """From the welcome screen: one response to the short questionnaire, all by touch."""
    page.locator("[data-questionnaire=borne]").tap()
    page.locator(f'input[name="q-overall"][value="{rating}"] + label').tap()
    page.locator("#next-button").tap()
    if comment:
        page.locator("textarea").tap()
        page.keyboard.type(comment)
    page.locator("#next-button").tap()
    page.wait_for_selector("body[data-screen=thanks]")
    page.get_by_role("button", name="Terminer").tap()
    page.wait_for_selector("body[data-screen=welcome]")


def wait_until(page, condition, timeout_s: float = 20) -> None:
    """Poll a Python-side condition (set by route handlers) until it holds. Each short wait
    hands control to Playwright, which is when it runs the route handlers."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        page.wait_for_timeout(50)

