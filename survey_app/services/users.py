"""Users and API tokens."""
from __future__ import annotations

from ..auth import hash_password, hash_token, new_token
from ..database import write_transaction
from ..extensions import db
from ..models import ROLES, ApiToken, User


class UserError(ValueError):
    pass


def get_user(email: str) -> User | None:
    return db.session.execute(
        db.select(User).where(User.email == email.strip().lower())
    ).scalar_one_or_none()


def create_user(email: str, password: str, role: str) -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise UserError("email: must be an e-mail address")
    if role not in ROLES:
        raise UserError(f"role: must be one of {', '.join(ROLES)}")
    if len(password) < 10:
        raise UserError("password: must be at least 10 characters")
    with write_transaction():
        if get_user(email) is not None:
            raise UserError(f"email: a user {email} already exists")
        user = User(email=email, password_hash=hash_password(password), role=role)
        db.session.add(user)
    return user


def issue_token(email: str) -> str:
    """Create an API token for a user; only its hash is kept, so it is shown once."""
    with write_transaction():
        user = get_user(email)
        if user is None:
            raise UserError(f"email: no user {email}")
        token = new_token()
        db.session.add(ApiToken(user=user, token_hash=hash_token(token)))
    return token
