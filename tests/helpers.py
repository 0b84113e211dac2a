"""What the test suites share besides fixtures: the test application's settings, the test
questionnaires' folder, the test users' password, and the flags that turn a skip into a failure.

Tests import these from here (never from a conftest.py, which pytest loads on its own terms).
"""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from survey_app import create_app
from tests.compiled import TEMPLATES

DEFINITIONS = Path(__file__).parent / "app" / "definitions"
PASSWORD = "correct horse battery"

# Deliberately costly key derivations made cheap: their production cost is a setting, and
# what tests check is the rule, not the cost (bench/pin.py measures the real one).
CHEAP_KDF = {
    # The real count costs ~0.5 s per PIN set.
    "KIOSK_PIN_ITERATIONS": 1000,
    # argon2id's smallest cost (one pass over 8 KiB): ~0.1 ms instead of ~0.2 s a hash, and
    # a sign-in hashes or verifies at least once.
    "PASSWORD_HASH_TIME_COST": 1,
    "PASSWORD_HASH_MEMORY_KIB": 8,
    "PASSWORD_HASH_PARALLELISM": 1,
}


def make_app(database_uri: str, **extra) -> Flask:
    """The application in test mode on ``database_uri``; ``extra`` settings win. Its templates
    are compiled once per process, not once per application (tests/compiled.py)."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_uri,
            "QUESTIONNAIRES_DIR": str(DEFINITIONS),
            "WTF_CSRF_ENABLED": False,
            # Many sign-ins from one client: the throttling tests switch it back on.
            "RATELIMIT_ENABLED": False,
            **CHEAP_KDF,
            **extra,
        }
    )
    app.jinja_env.bytecode_cache = TEMPLATES
    return app


def require(flag: str) -> bool:
    """Whether the environment variable ``flag`` is set (not empty, not "0")."""
    return os.environ.get(flag, "") not in ("", "0")
