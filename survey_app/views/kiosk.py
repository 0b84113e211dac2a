"""The kiosk: the tablet's page and service worker, and its JSON API (design.md).

The page is a static shell, the same for every kiosk: the tablet keeps its device token, its
settings, its questionnaires and its queue of responses in IndexedDB, so it works offline.
Both languages' strings are rendered into the page, so the language toggle works offline.
The API authenticates the tablet by its bearer token only: no session, no CSRF token.
"""
from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    g,
    jsonify,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale

from .. import __version__
from ..auth import bearer_token
from ..edge import checked_body, json_error
from ..kiosk_strings import LANGUAGE_NAMES, STRINGS
from ..services import kiosk_pins, kiosks

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")
api_bp = Blueprint("kiosk_api", __name__, url_prefix="/api/v1/kiosks")

KIOSK_STATIC = Path(__file__).resolve().parent.parent / "static" / "kiosk"
SHELL_TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "kiosk" / "kiosk.html"


@functools.lru_cache(maxsize=1)
def asset_version() -> str:
    """A digest of the kiosk's files: a new one makes the tablets install the new version."""
    digest = hashlib.sha256()
    for path in sorted(KIOSK_STATIC.rglob("*")) + [SHELL_TEMPLATE, Path(__file__)]:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def app_version() -> str:
    return f"{__version__}+{asset_version()[:8]}"


def _strings() -> dict[str, dict[str, str]]:
    result = {}
    for lang in current_app.config["LANGUAGES"]:
        with force_locale(lang):
            result[lang] = {key: str(text) for key, text in STRINGS.items()}
        result[lang]["language_name"] = LANGUAGE_NAMES[lang]
    return result


@bp.get("/")
def shell() -> ResponseReturnValue:
    config = current_app.config
    base, cap = config["KIOSK_SYNC_BACKOFF_MS"]
    page = render_template(
        "kiosk/kiosk.html",
        strings=_strings(),
        settings={
            "appVersion": app_version(),
            "assetVersion": asset_version(),
            "heartbeatSeconds": config["KIOSK_HEARTBEAT_SECONDS"],
            "inactivityWarningSeconds": config["KIOSK_INACTIVITY_WARNING_SECONDS"],
            "batchSize": config["KIOSK_SYNC_BATCH_SIZE"],
            "backoffMs": [base, cap],
            "urls": {
                "scope": url_for("kiosk.shell"),
                "sw": url_for("kiosk.service_worker"),
                "enroll": url_for("kiosk_api.enroll"),
                "me": url_for("kiosk_api.me"),
                "heartbeat": url_for("kiosk_api.heartbeat"),
                "unlock": url_for("kiosk_api.unlock"),
                "batch": url_for("api.submit_batch"),
                "questionnaire": url_for("api.show_questionnaire", questionnaire_id="__ID__"),
                "exit": url_for("survey.index"),
            },
        },
    )
    response = current_app.make_response(page)
    # Always revalidated: the service worker fetches it network-first and keeps a copy.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def service_worker() -> ResponseReturnValue:
    """Served from /kiosk/ so that its scope covers the kiosk page."""
    response = current_app.response_class(
        (KIOSK_STATIC / "sw.js").read_bytes(), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest() -> ResponseReturnValue:
    response = current_app.response_class(
        (KIOSK_STATIC / "manifest.webmanifest").read_bytes(), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


# --- JSON API ----------------------------------------------------------------------------------

def kiosk_required(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        token = bearer_token()
        kiosk = kiosks.kiosk_for_token(token) if token else None
        if kiosk is None:
            return json_error(401, "A valid kiosk token is required (it may have been revoked).")
        g.kiosk = kiosk
        return view(*args, **kwargs)

    return wrapped


@api_bp.post("/enroll")
def enroll() -> ResponseReturnValue:
    payload, error = checked_body("Enrollment")
    if error:
        return error
    try:
        kiosk, token = kiosks.enroll(payload["code"])
    except kiosks.EnrollmentRefused:
        return json_error(403, "Unknown, expired or already used enrollment code.",
                          {"code": "unknown, expired or already used"})
    return jsonify({"token": token, **kiosks.config_for(kiosk)}), 201


@api_bp.get("/me")
@kiosk_required
def me() -> ResponseReturnValue:
    kiosks.record_contact(g.kiosk)
    return jsonify(kiosks.config_for(g.kiosk))


@api_bp.post("/heartbeat")
@kiosk_required
def heartbeat() -> ResponseReturnValue:
    payload, error = checked_body("Heartbeat")
    if error:
        return error
    kiosks.record_heartbeat(g.kiosk, int(payload.get("backlog", 0)), payload.get("app_version"))
    return "", 204


@api_bp.post("/unlock")
@kiosk_required
def unlock() -> ResponseReturnValue:
    """Check the staff PIN (the tablet checks it itself when it is offline); wrong PINs lock
    the kiosk out for a growing while (429 with Retry-After, the PIN not checked)."""
    payload, error = checked_body("Unlock")
    if error:
        return error
    verdict = kiosk_pins.check_pin(g.kiosk, payload["pin"])
    if verdict.retry_after is not None:
        response = jsonify({"error": "Too many wrong PINs: this kiosk is locked for a while.",
                            "errors": {"pin": f"locked for {verdict.retry_after} s"},
                            "retry_after": verdict.retry_after})
        response.headers["Retry-After"] = str(verdict.retry_after)
        return response, 429
    if not verdict.accepted:
        return json_error(403, "Wrong PIN.", {"pin": "wrong PIN"})
    return "", 204
