"""Recording responses: one rule set for the web form, the JSON API and the kiosk batch.

Every response is written in one transaction. Idempotency rests on the unique constraint
``(questionnaire_id, submission_id)``: a replay is detected by the database, never by a
check-then-insert race. A replay with the same payload answers like the first time; one with
a different payload is a conflict and the first response is kept. A response that answers an
invitation consumes it in the same transaction, and keeps nothing of it. Every payload is
checked against the contract's ``Response`` schema first (:mod:`survey_app.contract`). In a
batch, an item the database cannot take now (a fault) answers 503 on its own: the items
before it keep their answers, the ones after it are still tried. The online form passes the
:class:`~survey_app.services.offering.Offer` its request already read (the current version and
the open cycle, in one query), so a submission does not ask the database for them again.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

import questionnaires as qn
from sqlalchemy.exc import IntegrityError

from .. import contract
from ..database import is_unavailable
from ..driver import driver_write
from ..extensions import db
from ..models import CHANNELS, Answer, Response
from . import catalogue, cycles, followups, invitations
from .offering import Offer

LANGUAGES = ("fr", "en")
# "user": authenticated, but with no right to enter responses (an evaluator).
Principal = Literal["anonymous", "kiosk", "staff", "user"]


@dataclass(frozen=True)
class Submitter:
    """Who is sending responses: decides which channels they may use."""

    kind: Principal = "anonymous"
    site: str | None = None
    # Questionnaires a kiosk is set up for (None: no restriction).
    questionnaires: frozenset[str] | None = None


@dataclass
class Outcome:
    """The result of one submission, ready to become an HTTP answer."""

    status: int
    submission_id: str | None = None
    receipt: str | None = None
    error: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    # Answers to questions whose show_if did not hold: not stored, listed in the 201 body.
    ignored: tuple[str, ...] | None = None
    # With a contact: whether a follow-up case opened (None: no contact was given).
    follow_up: bool | None = None

    @property
    def stored(self) -> bool:
        return self.status in (200, 201)

    def body(self) -> dict[str, Any]:
        if self.stored:
            stored_body: dict[str, Any] = {"submission_id": self.submission_id, "receipt": self.receipt}
            if self.ignored is not None:
                stored_body["ignored"] = list(self.ignored)
            if self.follow_up is not None:
                stored_body["follow_up"] = "opened" if self.follow_up else "not_needed"
            return stored_body
        body: dict[str, Any] = {"error": self.error}
        if self.errors:
            body["errors"] = self.errors
        return body


def payload_hash(payload: dict[str, Any]) -> str:
    """Fingerprint of what a submission says, to tell a replay from a conflicting reuse."""
    canonical = {
        key: payload.get(key)
        for key in ("questionnaire", "version", "cycle", "channel", "language", "answers")
    }
    if payload.get("partial") is True:
        # Only when set, so that the fingerprints of complete responses never change.
        canonical["partial"] = True
    if payload.get("answered_on") is not None:
        canonical["answered_on"] = payload["answered_on"]
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical_uuid(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _existing(questionnaire_id: str, submission_id: str) -> Response | None:
    return db.session.execute(
        db.select(Response).where(
            Response.questionnaire_id == questionnaire_id,
            Response.submission_id == submission_id,
        )
    ).scalar_one_or_none()


def _replay_outcome(existing: Response, digest: str, ignored: tuple[str, ...] | None = None) -> Outcome:
    if existing.payload_hash == digest:
        return Outcome(200, existing.submission_id, existing.public_id, ignored=ignored)
    return Outcome(
        409,
        existing.submission_id,
        error="This submission_id was already used for a different response; the first one is kept.",
        errors={"submission_id": "already used with different answers"},
    )


# Definitions with every question optional, by version: the rules for partial responses.
_partial_definitions: dict[str, qn.Questionnaire] = {}


def _partial_rules(definition: qn.Questionnaire) -> qn.Questionnaire:
    """A partial response (a kiosk questionnaire left unfinished and kept) follows every rule
    except "required": what was answered must be valid, what was not may be missing."""
    relaxed = _partial_definitions.get(definition.version)
    if relaxed is None:
        relaxed = _partial_definitions[definition.version] = dataclasses.replace(
            definition,
            questions=tuple(dataclasses.replace(q, required=False) for q in definition.questions),
        )
    return relaxed


def _may_use_channel(submitter: Submitter, channel: str) -> tuple[int, str] | None:
    """None when allowed, else (status, message)."""
    if channel == "online":
        return None
    needed = "kiosk" if channel == "kiosk" else "staff"  # paper and phone are entered by staff
    if submitter.kind == needed:
        return None
    status = 401 if submitter.kind == "anonymous" else 403
    return status, f"the {channel} channel needs a {needed} token"


class _InvitationSpent(Exception):
    """Raised inside the write transaction to roll it back: the invitation was already used."""


def _invitation_errors(ticket: invitations.Ticket, payload: dict[str, Any], channel: Any) -> dict[str, str]:
    errors = {}
    if payload.get("questionnaire") != ticket.questionnaire_id:
        errors["questionnaire"] = "this invitation is for another questionnaire"
    if channel != "online":
        errors["channel"] = "an invitation is answered online"
    if ticket.cycle_code is not None and payload.get("cycle") != ticket.cycle_code:
        errors["cycle"] = f"this invitation is for cycle {ticket.cycle_code!r}"
    return errors


def record_response(payload: Any, submitter: Submitter = Submitter(),
                    invitation: invitations.Ticket | None = None, offered: Offer | None = None,
                    checked: qn.AnswerCheck | None = None) -> Outcome:
    """Validate and store one response; never raises for bad input.

    Returns an :class:`Outcome` whose status follows design.md's HTTP table: 201 stored,
    200 identical replay, 409 conflicting replay, 422 invalid answers, 400 bad envelope,
    404 unknown questionnaire, 401/403 for a channel the submitter may not use; and 410 when
    ``invitation`` is given and was already used or has expired (nothing is then stored).
    ``offered``: the questionnaire as this request already read it (:func:`current_offer`);
    ``checked``: the verdict of :func:`questionnaires.check_answers` on the payload's very
    answers against ``offered``'s definition, when the caller already has it (the online form
    checks them to choose its next page), so that they are not checked twice.
    """
    if not isinstance(payload, dict):
        return Outcome(400, error="The body must be a JSON object.", errors={"": "must be an object"})
    refusal = contract.check("Response", payload)
    if refusal is not None and refusal[0] == 400:
        return Outcome(400, error="The response does not follow the API's schema.", errors=refusal[1])
    schema_errors = refusal[1] if refusal is not None else {}
    submission_id = _canonical_uuid(payload.get("submission_id"))
    if submission_id is None:
        return Outcome(
            400,
            error="A submission_id (a UUID chosen by the client) is required.",
            errors={"submission_id": "must be a UUID"},
        )
    if "questionnaire" in schema_errors:
        return Outcome(422, submission_id, error="Invalid response.",
                       errors={"questionnaire": schema_errors["questionnaire"]})
    questionnaire_id = payload["questionnaire"]
    offered = offered if offered is not None and offered.id == questionnaire_id else None
    current = offered.version if offered is not None else catalogue.current_version_ref(questionnaire_id)
    if current is None:
        return Outcome(404, submission_id, error=f"Unknown questionnaire {questionnaire_id!r}.",
                       errors={"questionnaire": "unknown questionnaire"})

    channel = payload.get("channel", "online")
    if channel not in CHANNELS:
        return Outcome(422, submission_id, error="Invalid response.",
                       errors={"channel": f"must be one of {', '.join(CHANNELS)}"})
    channel_refusal = _may_use_channel(submitter, channel)
    if channel_refusal is not None:
        return Outcome(channel_refusal[0], submission_id, error=channel_refusal[1],
                       errors={"channel": channel_refusal[1]})
    if submitter.questionnaires is not None and questionnaire_id not in submitter.questionnaires:
        return Outcome(403, submission_id, error="This kiosk is not set up for this questionnaire.",
                       errors={"questionnaire": "not offered on this kiosk"})

    digest = payload_hash(payload)
    # Every error at once: the schema's, the invitation's, then the rules'.
    errors: dict[str, str] = dict(schema_errors)
    if invitation:
        errors.update(_invitation_errors(invitation, payload, channel))
    if payload.get("language", "fr") not in LANGUAGES:
        errors["language"] = "must be fr or en"
    partial = payload.get("partial", False)
    if not isinstance(partial, bool):
        errors["partial"] = "must be true or false"
        partial = False
    elif partial and channel != "kiosk":
        errors["partial"] = "only kiosks send partial responses"
    version = None
    version_hash = payload.get("version")
    if version_hash is not None and not isinstance(version_hash, str):
        errors["version"] = "must be a version string"
    else:
        version = (
            current
            if version_hash is None or version_hash == current.content_hash
            else catalogue.version_ref(questionnaire_id, version_hash)
        )
        if version is None:
            errors["version"] = f"unknown version {version_hash!r} of this questionnaire"
    # Filed by the day it was answered when the client says (a kiosk syncing late), else the
    # open cycle: services/cycles.py holds the rule for every channel.
    if (offered is not None and offered.cycle is not None and payload.get("answered_on") is None
            and payload.get("cycle") in (None, offered.cycle.code)):
        cycle, cycle_refusal = offered.cycle, None  # the open cycle, read by this request
    else:
        cycle, cycle_refusal = cycles.cycle_for_answer(payload.get("answered_on"), payload.get("cycle"))
    if cycle_refusal is not None:
        errors[cycle_refusal.field] = str(cycle_refusal.message)
    answers = payload.get("answers")
    validated = None
    if not isinstance(answers, dict):
        errors["answers"] = "must be an object mapping question ids to values"
    elif version is not None:
        definition = catalogue.definition_of(version)
        if channel not in definition.channels:
            errors["channel"] = f"this questionnaire is not offered on the {channel} channel"
        try:
            validated = (
                checked.answers
                if checked is not None and checked.valid and not partial and offered is not None
                and definition is offered.definition
                else qn.validate_answers(_partial_rules(definition) if partial else definition, answers)
            )
        except qn.AnswerError as exc:
            for path, message in exc.errors.items():
                errors[path if path.startswith("answers.") else f"answers.{path}"] = message
    # Follow-up contact (services/followups.py): checked here, stored apart from the response.
    contact = None
    if version is not None and payload.get("contact") is not None:
        contact, contact_errors = followups.check_contact(payload["contact"], catalogue.definition_of(version))
        errors.update(contact_errors)
    if errors:
        # A replay of a stored response answers as the first time even when it would not
        # pass today (a kiosk re-sending after a lost reply, after the cycle closed).
        existing = _existing(questionnaire_id, submission_id)
        if existing is not None:
            return _replay_outcome(existing, digest)
        return Outcome(422, submission_id, error="Invalid response.", errors=errors)

    assert version is not None  # without a version, errors["version"] is set
    assert validated is not None  # without validated answers, errors["answers..."] is set
    definition = catalogue.definition_of(version)
    # Everything is computed before the write transaction, which then holds the write lock
    # only for two INSERT statements and the commit.
    receipt = secrets.token_urlsafe(12)
    response_row = {
        "public_id": receipt,
        "submission_id": submission_id,
        "questionnaire_id": questionnaire_id,
        "version_id": version.id,
        "cycle_id": cycle.id,
        "channel": channel,
        "language": payload.get("language", "fr"),
        "site": submitter.site,
        "submitted_on": dt.date.today(),
        "partial": partial,
        "payload_hash": digest,
    }
    answer_rows = _answer_rows(questionnaire_id, cycle.id, definition, validated)
    opens_case = contact is not None and followups.calls_for_follow_up(definition, validated)
    try:
        # On the driver (survey_app/driver.py): the session's machinery would cost more than
        # these few statements, on the platform's hottest write.
        with driver_write() as write:
            # The invitation first: on PostgreSQL its row lock makes concurrent uses of one
            # link wait here, and all but the first find it used, before writing anything.
            if invitation is not None and not invitations.consume(write, invitation):
                raise _InvitationSpent
            # The unique constraint fires on this INSERT for a replay, before any answer.
            response_id = write.insert_row(Response.__table__, response_row, returning="id")
            write.insert_rows(Answer.__table__, [{"response_id": response_id, **row} for row in answer_rows])
            if opens_case:  # no contact is kept without a case to use it for
                assert contact is not None  # opens_case implies a contact
                followups.open_case(write, questionnaire_id, cycle.id, contact,
                                    followups.shared_comment(definition, validated))
    except IntegrityError:
        existing = _existing(questionnaire_id, submission_id)
        if existing is None:  # some other constraint: a bug, not a replay
            raise
        return _replay_outcome(existing, digest, validated.ignored)
    except _InvitationSpent:
        existing = _existing(questionnaire_id, submission_id)
        if existing is not None:  # the same form sent twice: the first one used the invitation
            return _replay_outcome(existing, digest)
        return Outcome(410, submission_id, error="This invitation was already used or has expired.",
                       errors={"invitation": "already used or expired"})
    return Outcome(201, submission_id, receipt, ignored=validated.ignored,
                   follow_up=None if contact is None else opens_case)


def record_batch_item(payload: Any, submitter: Submitter) -> Outcome:
    """:func:`record_response` for one item of a batch: a fault answers 503 for this item only."""
    try:
        return record_response(payload, submitter)
    except Exception as error:
        if not is_unavailable(error):
            raise
        db.session.rollback()
        return Outcome(503, _canonical_uuid(payload.get("submission_id")) if isinstance(payload, dict) else None,
                       error="The database is unavailable; nothing was stored for this item: send it again.",
                       errors={"": "database unavailable"})


def _answer_rows(questionnaire_id, cycle_id, definition, validated) -> list[dict[str, Any]]:
    rows = []
    for answer in validated:
        question = definition.question(answer.question_id)
        numeric, text, is_na = qn.answer_to_storage(question, answer.value)
        rows.append(
            {
                "questionnaire_id": questionnaire_id,
                "cycle_id": cycle_id,
                "question_id": answer.question_id,
                "numeric_value": numeric,
                "text_value": text,
                "is_na": is_na,
            }
        )
    return rows
