"""Configuration read from the environment, with safe defaults for a first run."""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import questionnaires


def _secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment, or one generated once into the instance folder.

    Generating it once (rather than per process) keeps sessions valid across restarts and
    across gunicorn workers.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two workers starting together must agree on one key.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def _sites(value: str | None) -> list[str]:
    """SERVIR_SITES as a JSON list or as names separated by semicolons."""
    if not value:
        return []
    if value.lstrip().startswith("["):
        parsed = json.loads(value)
        return [str(name) for name in parsed] if isinstance(parsed, list) else []
    return [name.strip() for name in value.split(";") if name.strip()]


def from_environment(instance_path: Path) -> dict:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'servir.sqlite3'}"
    # Heroku-style URLs name the dialect "postgres"; SQLAlchemy wants psycopg 3 explicitly.
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    # A server database may drop idle connections: check each one before use. SQLite is a
    # file, so the check would only cost a query per request.
    engine_options = {} if database_url.startswith("sqlite") else {"pool_pre_ping": True}
    return {
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "QUESTIONNAIRES_DIR": os.environ.get("QUESTIONNAIRES_DIR") or str(questionnaires.DEMO_DIR),
        "BASE_URL": os.environ.get("SERVIR_BASE_URL") or None,
        "SITES": _sites(os.environ.get("SERVIR_SITES")),
    }


DEFAULTS = {
    "BABEL_DEFAULT_LOCALE": "fr",
    "BABEL_DEFAULT_TIMEZONE": "America/Toronto",
    "LANGUAGES": ("fr", "en"),
    # A citizen may take a while on a long questionnaire: the CSRF token lives as long as
    # the session instead of expiring after an hour.
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Largest accepted request body (a kiosk batch of a few hundred responses fits easily).
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "MAX_BATCH_SIZE": 500,
    # Smallest group shown in any output (disclosure control).
    "MIN_CELL_SIZE": 10,
    "SQLITE_BUSY_TIMEOUT_MS": 15000,
    # Kiosks. A one-time enrollment code expires after this many hours.
    "KIOSK_ENROLLMENT_TTL_HOURS": 168,
    # The health page marks an enrolled kiosk silent after this long without contact.
    "KIOSK_SILENT_AFTER_MINUTES": 30,
    # How often a tablet reports its backlog, and refreshes its settings.
    "KIOSK_HEARTBEAT_SECONDS": 60,
    # The "are you still there?" warning before an inactivity reset: at least 20 s lets a
    # citizen keep their answers with one touch (WCAG 2.2.1, Timing Adjustable).
    "KIOSK_INACTIVITY_WARNING_SECONDS": 20,
    # Queued responses sent per batch request, and the retry delays after a failed sync
    # (doubling from the first to the second, with jitter).
    "KIOSK_SYNC_BATCH_SIZE": 25,
    "KIOSK_SYNC_BACKOFF_MS": (1000, 300000),
    # The public address printed on posters and in invitation links (SERVIR_BASE_URL), e.g.
    # "https://sondage.ville.example"; unset: the address the request came in on.
    "BASE_URL": None,
    # Sites a poster or counter card may name besides the kiosks' sites (SERVIR_SITES: a JSON
    # list, or names separated by semicolons), e.g. ["Hôtel de ville", "Bibliothèque centrale"].
    "SITES": (),
}
