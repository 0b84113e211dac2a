"""The browser suite: Debian's Chromium driven by Playwright against a live server.

The server runs in a subprocess (tests.browser.server) on a free port, on an SQLite file
migrated with ``flask_migrate.upgrade()``, so a test can kill it in the middle of a sync and
start it again. Nothing is downloaded: Playwright drives /usr/bin/chromium.

When SERVIR_REQUIRE_BROWSER is set (CI), a browser that cannot start fails the suite instead
of skipping it.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from flask_migrate import upgrade

import questionnaires as qn
from survey_app.extensions import db
from survey_app.services import catalogue, cycles, kiosks, users
from tests.browser.helpers import CYCLE, PIN
from tests.helpers import DEFINITIONS, PASSWORD, make_app, require

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
CHROMIUM = os.environ.get("SERVIR_CHROMIUM", "/usr/bin/chromium")

# Short delays so the suite stays quick; the behaviour is the production one.
SERVER_CONFIG = {
    "WTF_CSRF_ENABLED": True,  # kiosks must work without CSRF tokens, with CSRF on
    "KIOSK_INACTIVITY_WARNING_SECONDS": 3,
    "KIOSK_SYNC_BATCH_SIZE": 5,
    "KIOSK_SYNC_BACKOFF_MS": [150, 1200],
    "KIOSK_HEARTBEAT_SECONDS": 2,
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if str(item.fspath).startswith(str(HERE)):
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str):
    if require("SERVIR_REQUIRE_BROWSER"):
        pytest.fail(f"SERVIR_REQUIRE_BROWSER is set but {reason}", pytrace=False)
    pytest.skip(reason)


# --- the browser (overrides pytest-playwright's fixtures) -----------------------------------------

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-default-apps", "--mute-audio"],
    }


@pytest.fixture(scope="session")
def browser(browser_type, browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        launched = browser_type.launch(**browser_type_launch_args)
    except Exception as exc:  # any failure to start the browser
        _unavailable(f"Chromium at {CHROMIUM} does not start: {exc}")
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def base_url(live_server):
    # Overrides pytest-base-url's fixture (and its command-line option): the live server.
    return live_server.url


@pytest.fixture
def browser_context_args(browser_context_args):
    # A landscape tablet with a touch screen.
    return {**browser_context_args, "has_touch": True, "is_mobile": False,
            "viewport": {"width": 1024, "height": 768}, "locale": "fr-CA",
            "service_workers": "allow"}


# --- the live server ------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """The application in a subprocess; ``kill`` stops it abruptly, ``start`` brings it back."""

    def __init__(self, database_uri: str, log: Path):
        self.database_uri = database_uri
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "SERVIR_TEST_CONFIG": json.dumps(SERVER_CONFIG), "PYTHONWARNINGS": "ignore"}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.browser.server", self.database_uri, str(self.port)],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: see {self.log}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise RuntimeError(f"the server did not start: see {self.log}")

    def kill(self) -> None:
        """Stop the server at once, whatever it is doing (SIGKILL)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


@pytest.fixture(scope="session")
def server_app(tmp_path_factory):
    """The application object of the test process, on the live server's database."""
    folder = tmp_path_factory.mktemp("live")
    uri = f"sqlite:///{folder / 'servir.sqlite3'}"
    app = make_app(uri)
    with app.app_context():
        upgrade()
        catalogue.sync_definitions(qn.load_dir(DEFINITIONS) + qn.load_dir(HERE / "definitions"))
        cycles.create_cycle(CYCLE, "Cycle 2026")
        cycles.set_state(CYCLE, "open")
        users.create_user("staff@example.org", PASSWORD, "staff")
    app.config["LIVE_FOLDER"] = folder
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(server_app):
    server = LiveServer(server_app.config["SQLALCHEMY_DATABASE_URI"],
                        server_app.config["LIVE_FOLDER"] / "server.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(live_server):
    """The live server, running (a test that killed it gets it back for the next one)."""
    if live_server.process is None or live_server.process.poll() is not None:
        live_server.process = None
        live_server.start()
    yield live_server
    if live_server.process is None:
        live_server.start()


# --- kiosks ---------------------------------------------------------------------------------------

@pytest.fixture
def make_kiosk(server_app, request):
    """Create a kiosk on a site of its own (so counts are per test); returns (site, code)."""
    counter = iter(range(1, 100))

    def make(questionnaires=("borne",), **settings):
        site = f"{request.node.name[:80]}-{next(counter)}"
        with server_app.app_context():
            _kiosk, code = kiosks.create_kiosk("Tablette", site, questionnaires,
                                               kiosks.KioskSettings(**settings), PIN)
        return site, code

    return make
