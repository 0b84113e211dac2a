"""Kiosks: device tokens and what a kiosk may submit."""
from __future__ import annotations

from ..auth import hash_token
from ..extensions import db
from ..models import Kiosk
from .submissions import Submitter


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
