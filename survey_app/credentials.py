"""Secrets at rest: argon2id password hashes and sha256 hashes of random API tokens.

Kept apart from :mod:`survey_app.auth` (requests and sign-in pages) so that services can hash
without importing the web layer.
"""
from __future__ import annotations

import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


@functools.lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def password_hasher() -> PasswordHasher:
    """The argon2id hasher of the settings' cost (PASSWORD_HASH_*). A hash carries the cost
    it was made with, so hashes made before a change of cost keep verifying."""
    config = current_app.config
    return _hasher(int(config["PASSWORD_HASH_TIME_COST"]), int(config["PASSWORD_HASH_MEMORY_KIB"]),
                   int(config["PASSWORD_HASH_PARALLELISM"]))


@functools.lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Verified against when the e-mail is unknown, so a sign-in takes as long either way.
    return hasher.hash("not a real password")


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Check ``password``; with no hash (unknown user), spend the same time and say no."""
    hasher = password_hasher()
    try:
        hasher.verify(password_hash or _dummy_hash(hasher), password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


# No 0/O, 1/l/I: a temporary password is read aloud or copied from a screen.
_TEMPORARY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def temporary_password() -> str:
    """A random password to hand over once, e.g. ``k7pq-2xwm-9tfh-c3ra`` (about 80 bits)."""
    groups = ("".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)
