"""The kiosk's staff PIN: its rule, its two verifiers, and the lockout of wrong guesses.

The server keeps an argon2id hash, checked online, and a costly PBKDF2-SHA256 verifier that the
tablet keeps to unlock offline (README, "Kiosk PIN: threat model", says what each withstands).
Wrong PINs are counted in the kiosk's row *before* the PIN is checked, in a write transaction
of their own: parallel guesses on several workers or servers cannot slip past the lockout,
and a lockout outlives any restart. A lockout grows (doubling) but always ends.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from typing import Any

from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from ..credentials import password_hasher
from ..database import write_transaction
from ..extensions import db
from ..models import Kiosk, utcnow
from . import audit

PIN_MAX_LENGTH = 12
# The rule before issue 15 (4 to 8 digits): such PINs keep working online until changed.
LEGACY_MIN_LENGTH = 4


def min_length() -> int:
    return int(current_app.config["KIOSK_PIN_MIN_LENGTH"])


def pin_error(pin: Any) -> str | None:
    """Why a new staff PIN is refused (in the CLI's words), or None when it is accepted."""
    shortest = min_length()
    if (not isinstance(pin, str) or not pin.isascii() or not pin.isdigit()
            or not shortest <= len(pin) <= PIN_MAX_LENGTH):
        return f"must be {shortest} to {PIN_MAX_LENGTH} digits"
    return None


def generate_pin() -> str:
    digits = min_length()
    return f"{secrets.randbelow(10 ** digits):0{digits}d}"


# --- verifiers ---------------------------------------------------------------------------------

def pin_verifier(pin: str, salt: bytes | None = None, iterations: int | None = None) -> dict[str, Any]:
    """A PBKDF2-SHA256 verifier the tablet checks offline with Web Crypto (per-kiosk salt)."""
    salt = salt or secrets.token_bytes(16)
    iterations = iterations or int(current_app.config["KIOSK_PIN_ITERATIONS"])
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return {
        "algorithm": "PBKDF2-SHA256",
        "iterations": iterations,
        "salt": base64.b64encode(salt).decode(),
        "hash": base64.b64encode(digest).decode(),
    }


def verifier_accepts(verifier: dict[str, Any], pin: str) -> bool:
    salt = base64.b64decode(verifier["salt"])
    expected = base64.b64decode(verifier["hash"])
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, int(verifier["iterations"]))
    return hmac.compare_digest(digest, expected)


def set_pin(kiosk: Kiosk, pin: str) -> None:
    """A new PIN (inside the caller's transaction): new hash and verifier, lockout cleared."""
    kiosk.staff_pin_hash = password_hasher().hash(pin)
    kiosk.staff_pin_verifier = pin_verifier(pin)
    kiosk.staff_pin_length = len(pin)
    kiosk.pin_failures, kiosk.pin_failed_at, kiosk.pin_locked_until = 0, None, None


def short_pin(kiosk: Kiosk) -> bool:
    """The PIN is shorter than today's rule, or was set before its length was kept."""
    return kiosk.staff_pin_length is None or kiosk.staff_pin_length < min_length()


def rule_for(kiosk: Kiosk) -> dict[str, Any]:
    """What the tablet needs to check a PIN: the lengths it accepts, the lockout, and the
    offline verifier (none for a short PIN: offline, it would fall within hours)."""
    config = current_app.config
    first, cap = config["KIOSK_PIN_LOCK_MINUTES"]
    shortest = LEGACY_MIN_LENGTH if kiosk.staff_pin_length is None else min(kiosk.staff_pin_length, min_length())
    return {
        "min_length": shortest,
        "max_length": PIN_MAX_LENGTH,
        "attempts": config["KIOSK_PIN_ATTEMPTS"],
        "lock_minutes": [first, cap],
        "offline_hours": config["KIOSK_OFFLINE_UNLOCK_HOURS"],
        "offline": None if short_pin(kiosk) else kiosk.staff_pin_verifier,
    }


# --- online checks and lockout -------------------------------------------------------------------

def lock_minutes(failures: int) -> float | None:
    """How long the kiosk stays locked after ``failures`` wrong PINs in a row (None: not)."""
    attempts = current_app.config["KIOSK_PIN_ATTEMPTS"]
    first, cap = current_app.config["KIOSK_PIN_LOCK_MINUTES"]
    if failures < attempts:
        return None
    return min(first * 2 ** (failures - attempts), cap)


@dataclass(frozen=True)
class PinVerdict:
    accepted: bool
    retry_after: int | None = None  # seconds, when the kiosk is locked and the PIN not checked


def _locked_row(kiosk_id: int) -> Kiosk:
    return db.session.execute(
        db.select(Kiosk).where(Kiosk.id == kiosk_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def check_pin(kiosk: Kiosk, pin: Any) -> PinVerdict:
    """Check the staff PIN that leaves kiosk mode, unless the kiosk is locked out.

    The attempt is counted as wrong first (committed), then the PIN is checked, then a right
    PIN clears the count. Each wrong PIN is audited (``kiosk_pin_failed``), as is each
    lockout (``kiosk_pin_locked``); the PIN itself never is.
    """
    kiosk_id = kiosk.id
    actor = f"kiosk:{kiosk_id}"
    with write_transaction():
        row = _locked_row(kiosk_id)
        now = utcnow()
        if row.pin_locked_until is not None and row.pin_locked_until > now:
            return PinVerdict(False, _seconds_until(row.pin_locked_until, now))
        row.pin_failures += 1
        row.pin_failed_at = now
        minutes = lock_minutes(row.pin_failures)
        row.pin_locked_until = now + dt.timedelta(minutes=minutes) if minutes else None
        failures, stored_hash = row.pin_failures, row.staff_pin_hash

    accepted = False
    if isinstance(pin, str) and stored_hash:
        try:
            accepted = password_hasher().verify(stored_hash, pin)
        except (VerificationError, InvalidHashError):
            accepted = False

    with write_transaction():
        row = _locked_row(kiosk_id)
        detail = {"kiosk": kiosk_id, "name": row.name}
        if accepted:
            row.pin_failures, row.pin_locked_until = 0, None
            stale = row.staff_pin_verifier or {}
            if row.staff_pin_length is None or stale.get("iterations") != current_app.config["KIOSK_PIN_ITERATIONS"]:
                # The PIN is in hand: renew a verifier made under older settings.
                row.staff_pin_verifier = pin_verifier(pin)
                row.staff_pin_length = len(pin)
            audit.record("kiosk_unlocked", actor, **detail)
        else:
            audit.record("kiosk_pin_failed", actor, failures=failures, **detail)
            if minutes:
                audit.record("kiosk_pin_locked", actor, failures=failures, minutes=minutes,
                             until=f"{row.pin_locked_until:%Y-%m-%dT%H:%M:%S}Z", **detail)
    return PinVerdict(accepted, None)


def under_guessing(kiosk: Kiosk) -> bool:
    """Enough wrong PINs in a row to lock the kiosk: staff should look at the tablet."""
    return kiosk.pin_failures >= current_app.config["KIOSK_PIN_ATTEMPTS"]


def locked_until(kiosk: Kiosk, now: dt.datetime | None = None) -> dt.datetime | None:
    now = now or utcnow()
    return kiosk.pin_locked_until if kiosk.pin_locked_until and kiosk.pin_locked_until > now else None
