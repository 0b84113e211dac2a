"""The console's audit trail: one AuditEvent row per admin action, in the caller's transaction.

A small stand-in for the shared audit service (survey_app/services/audit.py, being written
alongside): every console service records through :func:`record`, so switching to the shared
one is a change of this one file. Rows name the actor and the object, never answers or passwords.
"""
from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import AuditEvent


def record(actor: str | None, action: str, **detail: Any) -> None:
    """Add an audit row to the current transaction (committed or rolled back with it)."""
    db.session.add(AuditEvent(actor=actor, action=action, detail=detail or None))
