"""The data model of design.md: typed Flask-SQLAlchemy 3 models, no request logic.

One module on purpose, though longer than the others: it holds declarations only (columns,
constraints, indexes), read as one schema, and the migrations test compares it as a whole
with what Alembic builds; splitting it by concern would scatter the foreign keys that tie
the tables together without making any one of them easier to change.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    false,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import questionnaires as qn

from .extensions import db

ROLES = ("admin", "staff", "evaluator")
CHANNELS = ("online", "kiosk", "paper", "phone")
CYCLE_STATES = ("draft", "open", "closed", "published")
# Units a measurable norm is counted in ("within 10 working days", "within 20 seconds"):
# one list for commitments and for the number questions that measure a norm.
NORM_UNITS = qn.NORM_UNITS
# Where a questionnaire version came from: a file of QUESTIONNAIRES_DIR, or the web editor.
VERSION_SOURCES = ("file", "web")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Unit(db.Model):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_fr: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))

    commitments: Mapped[list[Commitment]] = relationship(back_populates="unit")

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_fr


class Commitment(db.Model):
    __tablename__ = "commitment"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    title_fr: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    norm_fr: Mapped[str | None] = mapped_column(Text)
    norm_en: Mapped[str | None] = mapped_column(Text)
    target_indicator: Mapped[str | None] = mapped_column(String(30))
    target_value: Mapped[float | None] = mapped_column(Float)
    # The norm as a number where it is measurable: 10 working_days, 20 seconds.
    norm_value: Mapped[float | None] = mapped_column(Float)
    norm_unit: Mapped[str | None] = mapped_column(String(20))
    # A retired commitment is hidden from citizens; its questionnaires and results stay.
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    unit: Mapped[Unit] = relationship(back_populates="commitments")
    questionnaires: Mapped[list[Questionnaire]] = relationship(back_populates="commitment")

    def title(self, lang: str) -> str:
        return (self.title_en if lang == "en" and self.title_en else self.title_fr)

    def norm(self, lang: str) -> str | None:
        return (self.norm_en if lang == "en" and self.norm_en else self.norm_fr)

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class Questionnaire(db.Model):
    __tablename__ = "questionnaire"

    # The definition file's stable slug, e.g. "permis-simple".
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"))
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("questionnaire_version.id", use_alter=True)
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # A version saved in the web editor and waiting to be previewed and published (it
    # becomes the current version then). No foreign key: SQLite would have to rebuild the
    # table, which the responses reference.
    draft_version_id: Mapped[int | None] = mapped_column(Integer)

    commitment: Mapped[Commitment] = relationship(back_populates="questionnaires")
    current_version: Mapped[QuestionnaireVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )
    versions: Mapped[list[QuestionnaireVersion]] = relationship(
        back_populates="questionnaire",
        foreign_keys="QuestionnaireVersion.questionnaire_id",
        order_by="QuestionnaireVersion.id",
    )


class QuestionnaireVersion(db.Model):
    __tablename__ = "questionnaire_version"
    __table_args__ = (UniqueConstraint("questionnaire_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(ForeignKey("questionnaire.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The file name for a version loaded from QUESTIONNAIRES_DIR, None from the web editor.
    source: Mapped[str | None] = mapped_column(String(300))
    source_kind: Mapped[str] = mapped_column(String(10), default="file", server_default="file")
    # Who saved a version in the web editor (an e-mail address).
    created_by: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    questionnaire: Mapped[Questionnaire] = relationship(
        back_populates="versions", foreign_keys=[questionnaire_id]
    )


class Cycle(db.Model):
    __tablename__ = "cycle"
    __table_args__ = (
        CheckConstraint(
            "state IN ('draft', 'open', 'closed', 'published')", name="state_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    # The French name (and the fallback when there is no English one).
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(12), default="draft")
    # When collection actually opened and last closed (set by the state changes).
    opens_on: Mapped[dt.date | None] = mapped_column(Date)
    closes_on: Mapped[dt.date | None] = mapped_column(Date)
    # The period the cycle measures, as planned by the admin (may differ from the above).
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # When an admin made the results public (state "published").
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Population margins for weighting, {variable: {category: share or total}}; a variable is
    # "language" or the id of a choice question (e.g. "age_group"). See services/margins.py.
    population_margins: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    def display_name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


class Response(db.Model):
    """One citizen's answers to one questionnaire version.

    Anonymous by construction: no IP address, no invitation link, and only the date of
    submission (not the time), so a response cannot be matched to a visit log.
    """

    __tablename__ = "response"
    __table_args__ = (
        # The idempotency key: a replayed submission hits this constraint instead of racing
        # a check-then-insert.
        UniqueConstraint("questionnaire_id", "submission_id"),
        CheckConstraint(
            "channel IN ('online', 'kiosk', 'paper', 'phone')", name="channel_known"
        ),
        Index("ix_response_cycle_questionnaire", "cycle_id", "questionnaire_id"),
        # Covers the results' response counts by version and channel, and their filters.
        Index("ix_response_results", "cycle_id", "questionnaire_id", "version_id", "channel",
              "language", "site"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    submission_id: Mapped[str] = mapped_column(String(36))
    questionnaire_id: Mapped[str] = mapped_column(ForeignKey("questionnaire.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"))
    channel: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(5))
    site: Mapped[str | None] = mapped_column(String(120))
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    # A questionnaire left unfinished at a kiosk and kept (the kiosk's keep-partial setting):
    # its answers were checked by every rule except "required".
    partial: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # sha256 of the canonical submission: tells an identical replay from a conflicting one.
    payload_hash: Mapped[str] = mapped_column(String(64))

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )
    version: Mapped[QuestionnaireVersion] = relationship()
    cycle: Mapped[Cycle] = relationship()


class Answer(db.Model):
    """One answer in long format; questionnaire and cycle are repeated from the response so
    that results are one ``GROUP BY`` over a covering index, without a join."""

    __tablename__ = "answer"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id"),
        Index(
            "ix_answer_aggregate",
            "questionnaire_id",
            "cycle_id",
            "question_id",
            "numeric_value",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    questionnaire_id: Mapped[str] = mapped_column(String(80))
    cycle_id: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[str] = mapped_column(String(80))
    numeric_value: Mapped[float | None] = mapped_column(Float)
    text_value: Mapped[str | None] = mapped_column(Text)
    is_na: Mapped[bool] = mapped_column(Boolean, default=False)

    response: Mapped[Response] = relationship(back_populates="answers")


class User(db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'staff', 'evaluator')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Part of every session cookie's user id: raising it (sign-out, password change, disabling)
    # ends every session signed in before, on the server, whatever the cookie says.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # A temporary password (set by an admin): the next sign-in must choose a new one first.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The unit a staff member works for: they see that unit's follow-up cases. No foreign key:
    # SQLite would have to rebuild this table, which the API tokens reference.
    unit_id: Mapped[int | None] = mapped_column(Integer)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", order_by="ApiToken.id")

    # Flask-Login's user protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # sha256 of a 256-bit random token: enough for a high-entropy secret, and cheap enough to
    # check on every API request (argon2 is for low-entropy passwords).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # What the token is for ("tableau de bord BI"); unique among a user's live tokens.
    name: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(back_populates="tokens")


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Kiosk(db.Model):
    """A tablet at a service counter. It authenticates with a device token (stored hashed).

    The settings (inactivity timeout, keep-partial, minimum interval, thank-you duration and
    the staff PIN's verifier) are sent to the tablet, which applies them offline.
    """

    __tablename__ = "kiosk"
    __table_args__ = (
        CheckConstraint(
            "inactivity_timeout_s BETWEEN 5 AND 3600 AND min_interval_s BETWEEN 0 AND 600"
            " AND thanks_seconds BETWEEN 2 AND 60",
            name="settings_in_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    site: Mapped[str] = mapped_column(String(120))
    # Questionnaire ids offered on this kiosk; empty means every published questionnaire
    # offered on the kiosk channel.
    questionnaire_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    enrollment_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enrollment_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    enrolled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    backlog: Mapped[int] = mapped_column(Integer, default=0)
    app_version: Mapped[str | None] = mapped_column(String(40))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Seconds without a touch before the "are you still there?" warning.
    inactivity_timeout_s: Mapped[int] = mapped_column(Integer, default=90, server_default="90")
    # On an inactivity reset: keep the answers given so far as a partial response.
    keep_partial: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Smallest time between two submissions (stops button mashing).
    min_interval_s: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    # How long the thank-you screen stays before the kiosk resets for the next citizen.
    thanks_seconds: Mapped[int] = mapped_column(Integer, default=8, server_default="8")
    # The staff PIN that leaves kiosk mode: argon2id for checks on the server, and a costly
    # PBKDF2 verifier the tablet can check offline (README: "Kiosk PIN: threat model").
    staff_pin_hash: Mapped[str | None] = mapped_column(String(200))
    staff_pin_verifier: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Digits in the staff PIN; NULL for a PIN set before the length was kept (old 4-digit rule).
    staff_pin_length: Mapped[int | None] = mapped_column(Integer)
    # Wrong PINs in a row (counted here so the lockout holds across workers and servers), the
    # last one's time, and the end of the current lockout (services/kiosks.py: PinLockout).
    pin_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pin_failed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    pin_locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)


class PaperBatch(db.Model):
    """A stack of paper sheets entered together, e.g. "Lot 2026-11-30 Ahuntsic"."""

    __tablename__ = "paper_batch"
    __table_args__ = (UniqueConstraint("questionnaire_id", "cycle_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(ForeignKey("questionnaire.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"))
    label: Mapped[str] = mapped_column(String(120))
    # The language the sheets of this stack are printed in.
    language: Mapped[str] = mapped_column(String(5), default="fr")
    # The day the sheets were filled in, when the clerk gave it: it files the batch in the
    # cycle whose period holds it (services/cycles.cycle_for_answer).
    answered_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    cycle: Mapped[Cycle] = relationship()
    questionnaire: Mapped[Questionnaire] = relationship()


class PaperSheet(db.Model):
    """One sheet keyed in a batch: its first entry (which stored the response), or a second
    clerk's re-entry for verification (its answers kept here, compared with the response)."""

    __tablename__ = "paper_sheet"
    __table_args__ = (
        UniqueConstraint("batch_id", "sheet", "mode"),
        CheckConstraint("mode IN ('entry', 'verification')", name="mode_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("paper_batch.id"))
    sheet: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(12))
    submission_id: Mapped[str] = mapped_column(String(36))
    # Verification only: the answers as re-entered, {question id: API value}.
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    entered_by: Mapped[str | None] = mapped_column(String(254))
    entered_on: Mapped[dt.date] = mapped_column(Date)


class InvitationBatch(db.Model):
    """A set of single-use invitation links made at once for one questionnaire (a mail merge).

    Only counts are ever reported per batch: which invitation was used is nobody's business.
    """

    __tablename__ = "invitation_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(ForeignKey("questionnaire.id"))
    # The cycle the responses are filed in; None: the cycle open when the citizen answers.
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycle.id"))
    # The last day the links work (inclusive); None: no expiry.
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(254))

    questionnaire: Mapped[Questionnaire] = relationship()
    cycle: Mapped[Cycle | None] = relationship()


class Invitation(db.Model):
    """One single-use invitation: the sha256 of its code, and the day it was used.

    Kept apart from responses on purpose: no response points here and nothing here points to a
    response. ``used_on`` is a date, like ``Response.submitted_on``: an exact time would let
    anyone holding both tables pair an invitation with a response by their order.
    """

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("invitation_batch.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_on: Mapped[dt.date | None] = mapped_column(Date)


# What an improvement action is at: decided, under way, finished.
ACTION_STATUSES = ("planned", "in_progress", "done")


class OperationalIndicator(db.Model):
    """How often operations kept a commitment's norm in one cycle: ``met`` cases out of
    ``total`` (calls answered within 20 s out of all calls), from the unit's own records.

    One row per (commitment, cycle): entering or importing it again replaces it.
    """

    __tablename__ = "operational_indicator"
    __table_args__ = (
        UniqueConstraint("commitment_id", "cycle_id"),
        CheckConstraint("met >= 0 AND total > 0 AND met <= total", name="counts_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"))
    met: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    # Where the counts come from ("call centre switchboard", "permit register").
    source: Mapped[str] = mapped_column(String(300))
    # The period the counts cover; None: the cycle's period.
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(254))

    commitment: Mapped[Commitment] = relationship()
    cycle: Mapped[Cycle] = relationship()


class ImprovementAction(db.Model):
    """What a unit changed to keep a commitment better, filed under the cycle whose
    measurement shows its effect (decided after the cycle before, measured by this one)."""

    __tablename__ = "improvement_action"
    __table_args__ = (
        CheckConstraint("status IN ('planned', 'in_progress', 'done')", name="status_known"),
        Index("ix_improvement_action_commitment_cycle", "commitment_id", "cycle_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"))
    title_fr: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    description_fr: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    # The unit that carries the action out; None: the commitment's unit.
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    status: Mapped[str] = mapped_column(String(12), default="planned")
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(254))

    commitment: Mapped[Commitment] = relationship()
    cycle: Mapped[Cycle] = relationship()
    owner_unit: Mapped[Unit | None] = relationship()

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_fr

    def description(self, lang: str) -> str | None:
        return self.description_en if lang == "en" and self.description_en else self.description_fr


FOLLOWUP_STATES = ("open", "in_progress", "closed")


class FollowupCase(db.Model):
    """A citizen who had a bad experience and agreed to be contacted: work for the unit.

    Kept apart from responses on purpose: no response points here and nothing here points to a
    response. ``ref`` is a random id, the only link to the contact (its own table).
    """

    __tablename__ = "followup_case"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'in_progress', 'closed')", name="state_known"),
        Index("ix_followup_case_unit_state", "unit_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    # The cycle the response went to: the report counts cases by cycle.
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"))
    opened_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(12), default="open")
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    staff_note: Mapped[str | None] = mapped_column(Text)
    # The comment the citizen wrote, copied: the only answer a case holds. Cleared on close.
    comment: Mapped[str | None] = mapped_column(Text)

    commitment: Mapped[Commitment] = relationship()
    unit: Mapped[Unit] = relationship()
    cycle: Mapped[Cycle] = relationship()


class FollowupContact(db.Model):
    """How to reach the citizen of a case: erased when the case closes or after the retention."""

    __tablename__ = "followup_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_ref: Mapped[str] = mapped_column(
        ForeignKey("followup_case.ref", ondelete="CASCADE"), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(30))
    # The day consent was given: the retention runs from here.
    consented_on: Mapped[dt.date] = mapped_column(Date, index=True)


# What an evaluator decided about a suspected burst of ballot stuffing (results/stuffing.py).
BURST_DECISIONS = ("exclude", "keep")
#: Longest reason an evaluator's decision keeps.
BURST_REASON_MAX = 1000


class BurstReview(db.Model):
    """An evaluator's decision on one burst of near-identical anonymous responses: exclude
    them from every result, or keep them (reviewed, genuine). Reversible: deciding again
    replaces the decision (each change audited); the responses themselves are never touched.

    ``key`` names the burst as detection finds it again (questionnaire, cycle, channel, site,
    day and shared answers: :func:`survey_app.results.stuffing.burst_key`); the members are
    the responses the decision covered when it was made.
    """

    __tablename__ = "burst_review"
    __table_args__ = (
        CheckConstraint("decision IN ('exclude', 'keep')", name="decision_known"),
        Index("ix_burst_review_questionnaire_cycle", "questionnaire_id", "cycle_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    questionnaire_id: Mapped[str] = mapped_column(ForeignKey("questionnaire.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"))
    channel: Mapped[str] = mapped_column(String(10))
    site: Mapped[str | None] = mapped_column(String(120))
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    # The answers the burst shares, {question id: value} (rating and yes/no questions only).
    pattern: Mapped[dict[str, Any]] = mapped_column(JSON)
    decision: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    members: Mapped[list[BurstMember]] = relationship(
        back_populates="review", cascade="all, delete-orphan")


class BurstMember(db.Model):
    """One response a burst decision covers (no answer, no person: a response's row id)."""

    __tablename__ = "burst_member"

    review_id: Mapped[int] = mapped_column(
        ForeignKey("burst_review.id", ondelete="CASCADE"), primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), primary_key=True, index=True)

    review: Mapped[BurstReview] = relationship(back_populates="members")


class ResponseChanges(db.Model):
    """One row counting every response and answer added, changed or removed, ever.

    Kept by database triggers (migration 0014) in the writing transaction itself, so any
    snapshot that sees a response also sees the count that includes it: the results'
    fingerprint and the persisted tallies compare this number instead of counting rows."""

    __tablename__ = "response_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class CycleTally(db.Model):
    """The state of one cycle's persisted frequency tables (:class:`TallyResponse`,
    :class:`TallyAnswer`): they count the cycle's responses of a snapshot whose largest
    response id was ``watermark`` and whose :class:`ResponseChanges` count was ``changes``.
    ``generation`` changes with every rewrite, so a server's copy in memory can be checked."""

    __tablename__ = "cycle_tally"

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), primary_key=True)
    watermark: Mapped[int] = mapped_column(BigInteger)
    changes: Mapped[int] = mapped_column(BigInteger)
    generation: Mapped[str] = mapped_column(String(32))
    # JSON list of the response ids (every cycle) just below the watermark that were counted:
    # one that appears later there was committed late and is added, not recounted.
    tail: Mapped[str] = mapped_column(Text, default="[]")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class TallyResponse(db.Model):
    """Responses of a cycle per questionnaire, version and filter cell (channel, site, language)."""

    __tablename__ = "tally_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    questionnaire_id: Mapped[str] = mapped_column(String(80))
    version_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10))
    site: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(5))
    count: Mapped[int] = mapped_column(BigInteger)


class TallyAnswer(db.Model):
    """Answers of a cycle per questionnaire, question, number given (None: "not applicable",
    choice or text), whether "not applicable", and filter cell (channel, site, language)."""

    __tablename__ = "tally_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    questionnaire_id: Mapped[str] = mapped_column(String(80))
    question_id: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(10))
    site: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(5))
    numeric_value: Mapped[float | None] = mapped_column(Float)
    is_na: Mapped[bool] = mapped_column(Boolean)
    count: Mapped[int] = mapped_column(BigInteger)


class StoredResult(db.Model):
    """A result that is a pure function of its inputs, kept for every server: a chart's SVG,
    a questionnaire's disclosure pattern. ``key`` is a hash of the inputs and of the code
    that computes it, so a changed input or a new release never reads a stale value."""

    __tablename__ = "stored_result"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
