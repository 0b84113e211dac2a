"""Configuration: safe defaults for a first run, an instance ``config.py``, then the environment.

Order (later wins), as in Flask's tutorial: :data:`DEFAULTS`; computed first-run values (SQLite
in the instance folder, a generated secret key); the instance folder's ``config.py`` when
present; ``DATABASE_URL``, ``SECRET_KEY`` and ``QUESTIONNAIRES_DIR``; then any
``SERVIR_<NAME>`` variable (``app.config.from_prefixed_env("SERVIR")``, values read as JSON
when they parse, so ``SERVIR_MIN_CELL_SIZE=5`` is a number and ``SERVIR_RATELIMIT_ENABLED=false``
a boolean).
"""
from __future__ import annotations

import json
import os
import secrets
from typing import Any
from pathlib import Path

from flask import Config

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


def _sites(value) -> list[str]:
    """SITES as a list, or SERVIR_SITES as a JSON list or as names separated by semicolons."""
    if not value:
        return []
    if isinstance(value, (list, tuple)):
        return [str(name) for name in value]
    value = str(value)
    if value.lstrip().startswith("["):
        parsed = json.loads(value)
        return [str(name) for name in parsed] if isinstance(parsed, list) else []
    return [name.strip() for name in value.split(";") if name.strip()]


def _database_uri(database_url: str) -> str:
    # Heroku-style URLs name the dialect "postgres"; SQLAlchemy wants psycopg 3 explicitly.
    if database_url.startswith("postgres://"):
        return "postgresql+psycopg://" + database_url[len("postgres://"):]
    if database_url.startswith("postgresql://"):
        return "postgresql+psycopg://" + database_url[len("postgresql://"):]
    return database_url


# Connections an SQLite database keeps open in each worker: more than its threads.
SQLITE_POOL_SIZE = 16


def load(config: Config, instance_path: Path) -> None:
    """Fill ``config`` for a real run (not a test), in the order of the module paragraph."""
    config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance_path / 'servir.sqlite3'}"
    config["QUESTIONNAIRES_DIR"] = str(questionnaires.DEMO_DIR)
    config.from_pyfile("config.py", silent=True)
    if os.environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("QUESTIONNAIRES_DIR"):
        config["QUESTIONNAIRES_DIR"] = os.environ["QUESTIONNAIRES_DIR"]
    config.from_prefixed_env("SERVIR")
    config["SITES"] = _sites(config.get("SITES"))
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _secret_key(instance_path)
    uri = config["SQLALCHEMY_DATABASE_URI"] = _database_uri(config["SQLALCHEMY_DATABASE_URI"])
    # A server database may drop idle connections: check each one before use. SQLite is a
    # file, so the check would only cost a query per request; its pool keeps a connection for
    # each of a worker's threads (gunicorn's gthread), or every request past the fifth would
    # open, set up and close a connection of its own.
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_size": SQLITE_POOL_SIZE} if uri.startswith("sqlite")
                      else {"pool_pre_ping": True})


DEFAULTS: dict[str, Any] = {
    "BABEL_DEFAULT_LOCALE": "fr",
    "BABEL_DEFAULT_TIMEZONE": "America/Toronto",
    "LANGUAGES": ("fr", "en"),
    # A citizen may take a while on a long questionnaire: the CSRF token lives as long as
    # the session instead of expiring after an hour.
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # True: the session cookie is always Secure. False: Secure whenever the request came over
    # HTTPS (directly, or through TRUSTED_PROXIES that say so in X-Forwarded-Proto).
    "SESSION_COOKIE_SECURE": False,
    # How many reverse proxies stand in front of the application (werkzeug's ProxyFix trusts
    # that many X-Forwarded-For/-Proto/-Host values); 0 trusts none.
    "TRUSTED_PROXIES": 0,
    # A signed-in session ends after this long without a request, and this long after sign-in.
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_MAX_HOURS": 12,
    # argon2id cost of password and staff PIN hashes: argon2-cffi's defaults, RFC 9106's
    # low-memory profile (3 passes over 64 MiB, 4 lanes). Raising it re-costs new hashes only.
    "PASSWORD_HASH_TIME_COST": 3,
    "PASSWORD_HASH_MEMORY_KIB": 65536,
    "PASSWORD_HASH_PARALLELISM": 4,
    # Sign-in throttling (Flask-Limiter): failed sign-ins per account and per client, within a
    # moving window; then 429 with Retry-After until the window has moved on.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_STRATEGY": "moving-window",
    "RATELIMIT_HEADERS_ENABLED": True,
    # With Redis (a storage URI other than memory://) unreachable, count in each process
    # rather than answer 500: limits loosen for a while, submissions still get through.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # The state several servers share (docs/deployment.md), e.g. "redis://127.0.0.1:6379/0":
    # the limiter's counts (unless RATELIMIT_STORAGE_URI names another storage) and finished
    # results. Empty: each process keeps its own (one server, SQLite, `make run`).
    "REDIS_URL": "",
    # Finished results kept in Redis expire after this many seconds (new data change their key).
    "RESULTS_SHARED_SECONDS": 86400,
    "SIGNIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
    "SIGNIN_LIMIT_PER_CLIENT": "20 per 15 minutes",
    # Anonymous submissions (the online form and the JSON API without a token) per client, and
    # requests per kiosk or staff bearer token: then 429 with Retry-After. Keys are HMACs.
    "SUBMISSION_LIMIT_PER_CLIENT": "30 per minute;300 per hour",
    "TOKEN_LIMIT": "300 per minute",
    # JSON bodies nested deeper than this are refused (400) before they are parsed.
    "JSON_MAX_DEPTH": 32,
    # Retry-After (seconds) on a 503 while the database is unavailable, and how long a write
    # that failed for a fault keeps /healthz at 503 (then the load balancer tries us again).
    "RETRY_AFTER_SECONDS": 5,
    "HEALTH_WRITE_FAILURE_SECONDS": 15,
    # Strict-Transport-Security max-age on responses served over HTTPS (0: no header).
    "HSTS_SECONDS": 31536000,
    # A CSV import of at least this many lines reads and checks its rows in a second process
    # while this one stores them (services/imports.py); smaller files are read in one.
    "IMPORT_PARALLEL_ROWS": 20000,
    # Rows per page on the audit page.
    "AUDIT_PAGE_SIZE": 50,
    # Largest accepted request body (a kiosk batch of a few hundred responses fits easily).
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "MAX_BATCH_SIZE": 500,
    # Follow-ups: a case is due this many working days (Monday to Friday) after it opens, and
    # a citizen's contact is erased this many days after consent at the latest.
    "FOLLOWUP_DUE_WORKING_DAYS": 10,
    "FOLLOWUP_RETENTION_DAYS": 90,
    # Smallest group shown in any output (disclosure control).
    "MIN_CELL_SIZE": 10,
    # Ballot stuffing (results/stuffing.py): this many near-identical anonymous responses of
    # one questionnaire, cycle, channel, site and day, bunched in arrival order, make a burst
    # when chance would produce them with a probability below STUFFING_SIGNIFICANCE. The
    # window is the submission day, split in runs of arrival order: anonymous responses keep
    # no time of day (design.md), so a window in minutes cannot be measured.
    "STUFFING_MIN_BURST": 10,
    "STUFFING_SIGNIFICANCE": 1e-6,
    # Detection reads every response's rated answers: the results pages do it while they load
    # for a questionnaire's cycle of at most this many responses (README: "Cost"); larger ones
    # are checked on the page of suspected bursts, and the results say so.
    "STUFFING_INLINE_LIMIT": 2000,
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
    # The kiosk's staff PIN. New PINs have at least this many digits (older, shorter PINs keep
    # working online until changed, and never unlock offline).
    "KIOSK_PIN_MIN_LENGTH": 6,
    # Wrong PINs in a row before the first lockout; the lockout then lasts the first number
    # of minutes, doubling at each further wrong PIN up to the second (never permanent).
    "KIOSK_PIN_ATTEMPTS": 5,
    "KIOSK_PIN_LOCK_MINUTES": (1, 60),
    # PBKDF2-SHA256 iterations of the offline verifier the tablet keeps: measured by
    # bench/pin.py: every 6-digit PIN takes about 3 days of one core, an unlock about 1 s.
    "KIOSK_PIN_ITERATIONS": 1_500_000,
    # The tablet checks the PIN offline only this long after its last contact with the server;
    # after that only the server can unlock it.
    "KIOSK_OFFLINE_UNLOCK_HOURS": 72,
    # The public address printed on posters and in invitation links (SERVIR_BASE_URL), e.g.
    # "https://sondage.ville.example"; unset: the address the request came in on.
    "BASE_URL": None,
    # Sites a poster or counter card may name besides the kiosks' sites (SERVIR_SITES: a JSON
    # list, or names separated by semicolons), e.g. ["Hôtel de ville", "Bibliothèque centrale"].
    "SITES": (),
    # Sites are named by the staff in French; SITE_NAMES_EN gives their English names,
    # {"Bureau d'arrondissement de La Cité-Limoilou": "La Cité-Limoilou borough office"}
    # (SERVIR_SITE_NAMES_EN as JSON). A site without an English name keeps its French one.
    "SITE_NAMES_EN": {},
    # The city that publishes the report: its name in both languages and an optional logo
    # (a PNG, JPEG or SVG file), printed on the report's cover.
    "CITY_NAME": "Ville de Québec",
    "CITY_NAME_EN": "City of Québec",
    "CITY_LOGO": None,
}
