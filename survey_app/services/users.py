"""Accounts: users, their roles, passwords, sessions and API tokens — one function per action.

The admin pages (views/users_admin.py), the sign-in pages (auth.py) and the ``users`` commands
call these same functions; each one is a single write transaction with its audit row. A
:class:`UserError` names the field and a short code that pages translate.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .. import passwords
from ..credentials import hash_password, hash_token, new_token, password_matches, temporary_password
from ..database import write_transaction
from ..extensions import db
from ..models import ROLES, ApiToken, Unit, User, utcnow
from . import audit

# A token's "last used" is written at most this often (not on every API request).
TOKEN_USE_PRECISION = dt.timedelta(minutes=1)


class UserError(ValueError):
    """Refused input: ``field`` (email, role, password, name, user, token) and a ``code``."""

    def __init__(self, field: str, code: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.code = code


def _email(email: str) -> str:
    return (email or "").strip().lower()


def get_user(email: str) -> User | None:
    return db.session.execute(
        db.select(User).where(User.email == _email(email))
    ).scalar_one_or_none()


def get_user_by_id(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def list_users() -> list[User]:
    return list(db.session.execute(db.select(User).order_by(User.email)).scalars())


def _existing(email: str) -> User:
    user = get_user(email)
    if user is None:
        raise UserError("email", "unknown", f"no user {_email(email)}")
    return user


def check_password(password: str) -> None:
    """Raise :class:`UserError` when ``password`` breaks the policy of :mod:`survey_app.passwords`."""
    code = passwords.problem(password or "")
    if code:
        raise UserError("password", code, passwords.MESSAGES[code])


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError("role", "unknown", f"must be one of {', '.join(ROLES)}")


def _end_sessions(user: User) -> None:
    user.session_version = (user.session_version or 0) + 1


def _is_last_admin(user: User) -> bool:
    if user.role != "admin" or not user.active:
        return False
    others = db.session.execute(db.select(db.func.count(User.id)).where(
        User.role == "admin", User.active.is_(True), User.id != user.id)).scalar_one()
    return others == 0


def create_user(email: str, password: str, role: str, actor: str | None = None,
                temporary: bool = False) -> User:
    """Create a user. ``temporary``: the password was handed over, the user must change it."""
    email = _email(email)
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        raise UserError("email", "invalid", "must be an e-mail address")
    _check_role(role)
    check_password(password)
    with write_transaction():
        if get_user(email) is not None:
            raise UserError("email", "taken", f"a user {email} already exists")
        user = User(email=email, password_hash=hash_password(password), role=role,
                    must_change_password=temporary)
        db.session.add(user)
        audit.record("user.create", actor, user=email, role=role)
    return user


def set_role(email: str, role: str, actor: str | None = None) -> User:
    _check_role(role)
    with write_transaction():
        user = _existing(email)
        if user.role == role:
            return user
        if _is_last_admin(user):
            raise UserError("role", "last_admin", "the last active admin keeps the admin role")
        previous, user.role = user.role, role
        # A session opened under the old role must not keep its powers.
        _end_sessions(user)
        audit.record("user.role", actor, user=user.email, role=role, previous=previous)
    return user


def list_units() -> list[Unit]:
    return list(db.session.execute(db.select(Unit).order_by(Unit.code)).scalars())


def set_unit(email: str, unit_code: str | None, actor: str | None = None) -> User:
    """Attach a user to a unit (its follow-up cases), or detach them with ``None``."""
    with write_transaction():
        user = _existing(email)
        unit = None
        if unit_code:
            unit = db.session.execute(db.select(Unit).where(Unit.code == unit_code)).scalar_one_or_none()
            if unit is None:
                raise UserError("unit", "unknown", f"unknown unit {unit_code!r}")
        new_id = unit.id if unit else None
        if user.unit_id != new_id:
            user.unit_id = new_id
            audit.record("user.unit", actor, user=user.email, unit=unit.code if unit else None)
    return user


def set_active(email: str, active: bool, actor: str | None = None) -> User:
    """Disable (every session and token stops working at once) or re-enable a user."""
    with write_transaction():
        user = _existing(email)
        if user.active == active:
            return user
        if not active and _is_last_admin(user):
            raise UserError("user", "last_admin", "the last active admin cannot be disabled")
        user.active = active
        _end_sessions(user)
        audit.record("user.enable" if active else "user.disable", actor, user=user.email)
    return user


def set_password(email: str, password: str, actor: str | None = None, temporary: bool = False) -> User:
    """Set a user's password (an admin's reset or the command line); ends their sessions."""
    check_password(password)
    with write_transaction():
        user = _existing(email)
        user.password_hash = hash_password(password)
        user.must_change_password = temporary
        _end_sessions(user)
        audit.record("user.password_reset" if temporary else "user.password_set", actor, user=user.email)
    return user


def reset_password(email: str, actor: str | None = None) -> str:
    """Give a user a random temporary password (returned once) to change at next sign-in."""
    password = temporary_password()
    set_password(email, password, actor=actor, temporary=True)
    return password


def change_own_password(user_id: int, current: str, new: str) -> User:
    """A signed-in user's own change: checks the current password; ends every session."""
    user = get_user_by_id(user_id)
    if user is None or not password_matches(user.password_hash, current or ""):
        raise UserError("current", "wrong", "is not your current password")
    if new == current:
        raise UserError("password", "unchanged", "must differ from the current password")
    check_password(new)
    with write_transaction():
        user = get_user_by_id(user_id)
        assert user is not None  # found above, and users are deactivated, never deleted
        user.password_hash = hash_password(new)
        user.must_change_password = False
        _end_sessions(user)
        audit.record("auth.password_change", user.email)
    return user


# --- sign-in and sign-out --------------------------------------------------------------------------

def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None (the same for every failure)."""
    user = get_user(email)
    if not password_matches(user.password_hash if user else None, password or ""):
        return None
    return user if user is not None and user.active else None


def record_sign_in(user_id: int) -> User:
    with write_transaction():
        user = get_user_by_id(user_id)
        assert user is not None  # the user who just signed in
        user.last_sign_in_at = utcnow()
        audit.record("auth.sign_in", user.email)
    return user


def record_failed_sign_in(email: str) -> None:
    """Audit a refused sign-in: the e-mail address tried (truncated), never the password."""
    audit.record_now("auth.sign_in_failed", None, email=_email(email)[:254])


def sign_out(user_id: int) -> None:
    """End the user's sessions on the server: a copy of the cookie no longer signs anyone in."""
    with write_transaction():
        user = get_user_by_id(user_id)
        if user is not None:
            _end_sessions(user)
            audit.record("auth.sign_out", user.email)


# --- API tokens ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None


def live_tokens(user: User) -> list[ApiToken]:
    return [token for token in user.tokens if token.revoked_at is None]


def list_tokens(email: str) -> list[TokenInfo]:
    return [TokenInfo(t.id, t.name or f"#{t.id}", t.created_at, t.last_used_at)
            for t in live_tokens(_existing(email))]


def _default_name(user: User) -> str:
    taken = {token.name for token in live_tokens(user)}
    number = 1
    while f"token-{number}" in taken:
        number += 1
    return f"token-{number}"


def issue_token(email: str, name: str | None = None, actor: str | None = None) -> str:
    """Create an API token for a user; only its hash is kept, so it is shown once."""
    name = (name or "").strip()
    if len(name) > 80:
        raise UserError("name", "too_long", "must be at most 80 characters")
    with write_transaction():
        user = _existing(email)
        name = name or _default_name(user)
        if any(token.name == name for token in live_tokens(user)):
            raise UserError("name", "taken", f"{user.email} already has a token named {name!r}")
        token = new_token()
        db.session.add(ApiToken(user=user, name=name, token_hash=hash_token(token)))
        audit.record("token.create", actor, user=user.email, name=name)
    return token


def revoke_token(email: str, name: str, actor: str | None = None) -> None:
    with write_transaction():
        user = _existing(email)
        token = next((t for t in live_tokens(user) if (t.name or f"#{t.id}") == name), None)
        if token is None:
            raise UserError("name", "unknown", f"{user.email} has no live token named {name!r}")
        token.revoked_at = utcnow()
        audit.record("token.revoke", actor, user=user.email, name=name)


def user_for_token(token: str) -> User | None:
    """The active user holding this live token; notes when the token was last used."""
    row = db.session.execute(
        db.select(ApiToken).where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    ).scalar_one_or_none()
    if row is None or not row.user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_PRECISION:
        token_id, user_id = row.id, row.user_id
        with write_transaction():
            db.session.execute(db.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        return get_user_by_id(user_id)
    return row.user
