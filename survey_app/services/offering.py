"""What a citizen is offered right now: a published questionnaire, its definition, the open cycle.

The citizen's pages (the form, its post, the thank-you page) are the busiest of the platform.
Each asks the database one small question of plain columns: the questionnaire's current
version, its commitment's wording and the open cycle, in one query run by the driver, outside
the session (:func:`survey_app.driver.read_rows`), and no ORM object. What
that row points to is held per process, read-only: the parsed definition per stored version
(:func:`catalogue.definition_of`), the form classes per version and language
(:func:`survey_app.forms.form_class`) and the :class:`Offer` itself per row. A new version
published, a cycle opened or closed, a commitment reworded or retired changes the row, so
the next page shows it on every server at once: there is nothing to invalidate by hand.
"""
from __future__ import annotations

from dataclasses import dataclass

import questionnaires as qn
from sqlalchemy import bindparam, select

from ..driver import read_rows
from ..memo import Memo
from ..models import Commitment, Cycle, Questionnaire, QuestionnaireVersion
from . import catalogue


@dataclass(frozen=True)
class OfferedCommitment:
    """The commitment a questionnaire asks about, as its pages show it."""

    code: str
    title_fr: str
    title_en: str | None
    norm_fr: str | None
    norm_en: str | None

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_fr

    def norm(self, lang: str) -> str | None:
        return self.norm_en if lang == "en" and self.norm_en else self.norm_fr


@dataclass(frozen=True)
class OpenCycle:
    """The cycle responses go to (the one open cycle)."""

    id: int
    code: str
    name: str
    name_en: str | None
    state: str = "open"


@dataclass(frozen=True)
class Offer:
    """A published questionnaire as a citizen answers it now; ``cycle`` is None when no cycle
    (or, against the rules, several) is open."""

    id: str
    version: catalogue.VersionRef
    commitment: OfferedCommitment
    definition: qn.Questionnaire
    cycle: OpenCycle | None


_QUERY = (
    select(
        Questionnaire.id, QuestionnaireVersion.id.label("version_id"), QuestionnaireVersion.content_hash,
        Commitment.code, Commitment.title_fr, Commitment.title_en, Commitment.norm_fr, Commitment.norm_en,
        Cycle.id.label("cycle_id"), Cycle.code.label("cycle_code"), Cycle.name.label("cycle_name"),
        Cycle.name_en.label("cycle_name_en"),
    )
    .join(QuestionnaireVersion, QuestionnaireVersion.id == Questionnaire.current_version_id)
    .join(Commitment, Commitment.id == Questionnaire.commitment_id)
    # Every open cycle on its own row: two rows say "several open", which gives no cycle, as
    # cycles.find_open_cycle() says (the state machine lets only one open).
    .outerjoin(Cycle, Cycle.state == "open")
    .where(Questionnaire.id == bindparam("questionnaire_id"), Questionnaire.published.is_(True),
           Commitment.retired_at.is_(None))
    .limit(2)
)

# Offers by the row that describes them: the same row gives the same (immutable) offer.
# old rows (earlier versions, cycles) are not asked again: see survey_app/memo.py
_offers: Memo[Offer] = Memo(limit=512)


def current_offer(questionnaire_id: str) -> Offer | None:
    """The questionnaire as offered now, or None when it is unknown, unpublished or retired."""
    rows = read_rows(_QUERY, {"questionnaire_id": questionnaire_id})
    if not rows:
        return None
    row = tuple(rows[0]) if len(rows) == 1 else (*tuple(rows[0])[:8], None, None, None, None)

    def build() -> Offer:
        version = catalogue.VersionRef(row[1], row[2])
        cycle = OpenCycle(row[8], row[9], row[10], row[11]) if row[8] is not None else None
        return Offer(row[0], version, OfferedCommitment(*row[3:8]), catalogue.definition_of(version), cycle)

    return _offers.get(row, build)
