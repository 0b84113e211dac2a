"""Kiosks: creation and settings, one-time enrollment, device tokens, heartbeat, health.

A kiosk is created by staff (page or ``flask kiosks enroll``) with a one-time enrollment code.
The tablet exchanges the code for a device token; only hashes of both are stored. Every
later request of the tablet carries the token as a bearer token. Revoking a kiosk refuses its
token and its code at once. The staff PIN has its own module, :mod:`.kiosk_pins`.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import update

from ..credentials import hash_token, new_token
from ..database import write_transaction
from ..extensions import db
from ..models import Kiosk, utcnow
from . import audit, catalogue, kiosk_pins
from .submissions import Submitter

# No 0/O, 1/I/L: a code is read on one screen and typed on another.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 31**12, about 2**59: far beyond guessing within a code's lifetime

SETTING_RANGES = {
    "inactivity_timeout_s": (5, 3600),
    "min_interval_s": (0, 600),
    "thanks_seconds": (2, 60),
}


class KioskError(ValueError):
    """Invalid kiosk data; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


class EnrollmentRefused(Exception):
    """The code is unknown, already used, expired, or its kiosk was revoked."""


@dataclass(frozen=True)
class KioskSettings:
    inactivity_timeout_s: int = 90
    keep_partial: bool = False
    min_interval_s: int = 10
    thanks_seconds: int = 8

    def errors(self) -> dict[str, str]:
        found = {}
        for name, (low, high) in SETTING_RANGES.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                found[name] = f"must be a whole number of seconds from {low} to {high}"
        return found

    @classmethod
    def of(cls, kiosk: Kiosk) -> KioskSettings:
        return cls(kiosk.inactivity_timeout_s, kiosk.keep_partial, kiosk.min_interval_s,
                   kiosk.thanks_seconds)


# --- codes and tokens -------------------------------------------------------------------

def new_enrollment_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_code(code: str) -> str:
    """The code as stored (hashed): upper case, without spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _code_hash(code: str) -> str:
    return hash_token(normalize_code(code))


# --- look-ups -----------------------------------------------------------------------------------

def kiosk_for_token(token: str) -> Kiosk | None:
    kiosk = db.session.execute(
        db.select(Kiosk).where(Kiosk.token_hash == hash_token(token))
    ).scalar_one_or_none()
    if kiosk is None or kiosk.revoked_at is not None:
        return None
    return kiosk


def submitter_for(kiosk: Kiosk) -> Submitter:
    offered = frozenset(kiosk.questionnaire_ids) if kiosk.questionnaire_ids else None
    return Submitter("kiosk", site=kiosk.site, questionnaires=offered)


def get_kiosk(kiosk_id: int) -> Kiosk | None:
    return db.session.get(Kiosk, kiosk_id)


def kiosk_questionnaires() -> list:
    """Published questionnaires offered on the kiosk channel (what a kiosk may be set up for)."""
    return [
        row for row in catalogue.published_questionnaires()
        if "kiosk" in catalogue.published_definition(row).channels
    ]


def offered_questionnaires(kiosk: Kiosk) -> list[str]:
    """The questionnaires this kiosk shows now: its list, or every kiosk questionnaire."""
    available = [row.id for row in kiosk_questionnaires()]
    if not kiosk.questionnaire_ids:
        return available
    return [qid for qid in kiosk.questionnaire_ids if qid in available]


def config_for(kiosk: Kiosk) -> dict[str, Any]:
    """What a tablet needs to run offline: identity, questionnaires, settings, PIN rule."""
    settings = KioskSettings.of(kiosk)
    return {
        "kiosk": {"id": kiosk.id, "name": kiosk.name},
        "site": kiosk.site,
        "questionnaires": offered_questionnaires(kiosk),
        "settings": {
            "inactivity_timeout": settings.inactivity_timeout_s,
            "keep_partial": settings.keep_partial,
            "min_interval": settings.min_interval_s,
            "thanks_seconds": settings.thanks_seconds,
        },
        "pin": kiosk_pins.rule_for(kiosk),
    }


# --- staff operations -----------------------------------------------------------------------------

def _audit(actor: str | None, action: str, kiosk: Kiosk, **detail: Any) -> None:
    audit.record(action, actor, kiosk=kiosk.id, name=kiosk.name, **detail)


def _check(name: str, site: str, questionnaire_ids: Iterable[str], settings: KioskSettings,
           pin: str | None, pin_required: bool) -> tuple[str, str, list[str]]:
    errors = settings.errors()
    name, site = (name or "").strip(), (site or "").strip()
    if not name or len(name) > 120:
        errors["name"] = "is required (at most 120 characters)"
    if not site or len(site) > 120:
        errors["site"] = "is required (at most 120 characters)"
    chosen = list(dict.fromkeys(questionnaire_ids))
    available = {row.id for row in kiosk_questionnaires()}
    unknown = [qid for qid in chosen if qid not in available]
    if unknown:
        errors["questionnaires"] = (
            f"not published for kiosks: {', '.join(unknown)} (available: {', '.join(sorted(available)) or 'none'})"
        )
    if pin is None:
        if pin_required:
            errors["pin"] = "is required"
    elif (pin_problem := kiosk_pins.pin_error(pin)) is not None:
        errors["pin"] = pin_problem
    if errors:
        raise KioskError(errors)
    return name, site, chosen


def _code_expiry() -> dt.datetime:
    return utcnow() + dt.timedelta(hours=current_app.config["KIOSK_ENROLLMENT_TTL_HOURS"])


def create_kiosk(name: str, site: str, questionnaire_ids: Iterable[str] = (),
                 settings: KioskSettings = KioskSettings(), pin: str | None = None,
                 actor: str | None = None) -> tuple[Kiosk, str]:
    """Create a kiosk; returns it with its one-time enrollment code (not stored in clear)."""
    name, site, chosen = _check(name, site, questionnaire_ids, settings, pin, pin_required=True)
    code = new_enrollment_code()
    with write_transaction():
        kiosk = Kiosk(
            name=name, site=site, questionnaire_ids=chosen,
            enrollment_code_hash=_code_hash(code), enrollment_expires_at=_code_expiry(),
            inactivity_timeout_s=settings.inactivity_timeout_s, keep_partial=settings.keep_partial,
            min_interval_s=settings.min_interval_s, thanks_seconds=settings.thanks_seconds,
            backlog=0,
        )
        assert pin is not None  # _check() requires it
        kiosk_pins.set_pin(kiosk, pin)
        db.session.add(kiosk)
        db.session.flush()
        _audit(actor, "kiosk_created", kiosk, site=site)
    return kiosk, code


def update_kiosk(kiosk_id: int, name: str, site: str, questionnaire_ids: Iterable[str],
                 settings: KioskSettings, pin: str | None = None, actor: str | None = None) -> Kiosk:
    """Change a kiosk's settings; ``pin=None`` keeps the current PIN. The tablet picks the
    changes up the next time it is online."""
    name, site, chosen = _check(name, site, questionnaire_ids, settings, pin, pin_required=False)
    with write_transaction():
        kiosk = db.session.get(Kiosk, kiosk_id)
        if kiosk is None:
            raise KioskError({"kiosk": f"no kiosk {kiosk_id}"})
        kiosk.name, kiosk.site, kiosk.questionnaire_ids = name, site, chosen
        kiosk.inactivity_timeout_s = settings.inactivity_timeout_s
        kiosk.keep_partial = settings.keep_partial
        kiosk.min_interval_s = settings.min_interval_s
        kiosk.thanks_seconds = settings.thanks_seconds
        if pin is not None:
            kiosk_pins.set_pin(kiosk, pin)
        _audit(actor, "kiosk_updated", kiosk, pin_changed=pin is not None)
    return kiosk


def reissue_code(kiosk_id: int, actor: str | None = None) -> str:
    """A new one-time code (e.g. to replace a broken tablet). Once it is used, the token of
    the previous tablet stops working."""
    code = new_enrollment_code()
    with write_transaction():
        kiosk = db.session.get(Kiosk, kiosk_id)
        if kiosk is None or kiosk.revoked_at is not None:
            raise KioskError({"kiosk": f"no active kiosk {kiosk_id}"})
        kiosk.enrollment_code_hash = _code_hash(code)
        kiosk.enrollment_expires_at = _code_expiry()
        _audit(actor, "kiosk_code_issued", kiosk)
    return code


def revoke_kiosk(kiosk_id: int, actor: str | None = None) -> Kiosk:
    """Refuse the kiosk's token and any pending code from now on (responses stay stored)."""
    with write_transaction():
        kiosk = db.session.get(Kiosk, kiosk_id)
        if kiosk is None:
            raise KioskError({"kiosk": f"no kiosk {kiosk_id}"})
        if kiosk.revoked_at is None:
            kiosk.revoked_at = utcnow()
            kiosk.enrollment_code_hash = None
            _audit(actor, "kiosk_revoked", kiosk)
    return kiosk


# --- the tablet's own requests ----------------------------------------------------------------------

def enroll(code: Any) -> tuple[Kiosk, str]:
    """Exchange a one-time code for a device token; raises :class:`EnrollmentRefused`.

    One conditional UPDATE: when two tablets send the same code at once, the database lets
    exactly one of them change the row.
    """
    if not isinstance(code, str) or not normalize_code(code):
        raise EnrollmentRefused()
    code_hash = _code_hash(code)
    token = new_token()
    now = utcnow()
    with write_transaction():
        changed = db.session.execute(
            update(Kiosk)
            .where(
                Kiosk.enrollment_code_hash == code_hash,
                Kiosk.revoked_at.is_(None),
                db.or_(Kiosk.enrollment_expires_at.is_(None), Kiosk.enrollment_expires_at > now),
            )
            .values(token_hash=hash_token(token), enrollment_code_hash=None,
                    enrollment_expires_at=None, enrolled_at=now, last_seen_at=now, backlog=0)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult, typed as Result
        if changed != 1:
            raise EnrollmentRefused()
        kiosk = db.session.execute(
            db.select(Kiosk).where(Kiosk.token_hash == hash_token(token))
        ).scalar_one()
        _audit(f"kiosk:{kiosk.id}", "kiosk_enrolled", kiosk)
    return kiosk, token


def record_heartbeat(kiosk: Kiosk, backlog: int, app_version: str | None) -> None:
    with write_transaction():
        db.session.execute(
            update(Kiosk).where(Kiosk.id == kiosk.id)
            .values(last_seen_at=utcnow(), backlog=backlog, app_version=app_version)
            .execution_options(synchronize_session=False)
        )


def record_contact(kiosk: Kiosk) -> None:
    with write_transaction():
        db.session.execute(
            update(Kiosk).where(Kiosk.id == kiosk.id).values(last_seen_at=utcnow())
            .execution_options(synchronize_session=False)
        )


# --- health ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KioskHealth:
    kiosk: Kiosk
    state: str  # "active", "awaiting" (not enrolled yet) or "revoked"
    silent: bool  # active but no contact for longer than KIOSK_SILENT_AFTER_MINUTES
    silent_for: dt.timedelta | None
    pin_alert: bool  # wrong PINs in a row enough to lock it: someone may be guessing
    pin_locked_until: dt.datetime | None
    short_pin: bool  # set under the old 4-digit rule: works online only until changed


def health(now: dt.datetime | None = None) -> list[tuple[str, list[KioskHealth]]]:
    """Every kiosk, grouped by site (sites and names in alphabetical order)."""
    now = now or utcnow()
    limit = dt.timedelta(minutes=current_app.config["KIOSK_SILENT_AFTER_MINUTES"])
    rows = db.session.execute(db.select(Kiosk).order_by(Kiosk.site, Kiosk.name, Kiosk.id)).scalars()
    by_site: dict[str, list[KioskHealth]] = {}
    for kiosk in rows:
        if kiosk.revoked_at is not None:
            state = "revoked"
        elif kiosk.token_hash is None:
            state = "awaiting"
        else:
            state = "active"
        since = now - kiosk.last_seen_at if kiosk.last_seen_at else None
        silent = state == "active" and (since is None or since > limit)
        by_site.setdefault(kiosk.site, []).append(KioskHealth(
            kiosk, state, silent, since, state != "revoked" and kiosk_pins.under_guessing(kiosk),
            kiosk_pins.locked_until(kiosk), kiosk_pins.short_pin(kiosk)))
    return list(by_site.items())
