"""Secrets at rest: argon2id password hashes and sha256 hashes of random API tokens.

Kept apart from :mod:`survey_app.auth` (requests and sign-in pages) so that services can hash
without importing the web layer.
"""
from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory profile.
password_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so a sign-in takes as long either way.
_DUMMY_HASH = password_hasher.hash("not a real password")


def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Check ``password``; with no hash (unknown user), spend the same time and say no."""
    try:
        password_hasher.verify(password_hash or _DUMMY_HASH, password)
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
