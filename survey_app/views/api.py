"""JSON API v1 (design.md, "HTTP contract")."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from questionnaires import Question, answer_rules

from .. import __version__, auth, contract
from ..database import DatabaseUnavailable, write_probe
from ..edge import checked_body, json_body, json_error, refused_items
from ..extensions import db
from ..services import catalogue, followups, kiosks
from ..services.submissions import Outcome, Submitter, record_batch_item, record_response
from ..lazy import lazy_module

# Loaded on first use (survey_app/lazy.py): a worker serving citizens never imports them.
if TYPE_CHECKING:
    from .. import results
else:
    results = lazy_module("survey_app.results")

bp = Blueprint("api", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 when a write would succeed now; 503 otherwise, so a load balancer takes us out."""
    try:
        reason = write_probe()
    except DatabaseUnavailable as error:
        reason = str(error)
    except Exception:  # any failure to reach the database is "unavailable"
        current_app.logger.warning("health check failed", exc_info=True)
        reason = "the database is unreachable"
    finally:
        db.session.rollback()
    if reason is not None:
        response = jsonify(status="unavailable", reason=reason)
        response.headers["Retry-After"] = str(current_app.config["RETRY_AFTER_SECONDS"])
        return response, 503
    return jsonify(status="ok")


@bp.get("/api/v1/openapi.json")
def openapi():
    return jsonify(contract.openapi(__version__))


def _question_json(question: Question) -> dict:
    # The rules come from questionnaires (one home, see questionnaires/README.md): a client
    # such as the kiosk checks answers and shows or skips questions from these fields alone.
    return {
        "id": question.id,
        "dimension": question.dimension,
        "text": question.text.to_dict(),
        "help": question.help.to_dict() if question.help is not None else None,
        "norm": question.norm.to_dict() if question.norm is not None else None,
        # The question's own wording of its opt-out ("Prefer not to answer"), else the standard one.
        "na_label": question.na_label.to_dict() if question.na_label is not None else None,
        **answer_rules(question),
    }


def _commitment_json(commitment) -> dict:
    return {
        "code": commitment.code,
        "title": {"fr": commitment.title_fr, "en": commitment.title_en},
        "norm": {"fr": commitment.norm_fr, "en": commitment.norm_en},
        "unit": {"code": commitment.unit.code, "name": {"fr": commitment.unit.name_fr, "en": commitment.unit.name_en}},
        "target": (
            {"indicator": commitment.target_indicator, "value": commitment.target_value}
            if commitment.target_value is not None
            else None
        ),
    }


@bp.get("/api/v1/questionnaires")
def list_questionnaires() -> ResponseReturnValue:
    items = []
    for row in catalogue.published_questionnaires():
        definition = catalogue.published_definition(row)
        assert row.current_version is not None  # a published questionnaire has one
        items.append(
            {
                "id": row.id,
                "version": row.current_version.content_hash,
                "commitment": {
                    "code": row.commitment.code,
                    "title": {"fr": row.commitment.title_fr, "en": row.commitment.title_en},
                },
                "channels": list(definition.channels),
            }
        )
    return jsonify(items)


@bp.get("/api/v1/questionnaires/<questionnaire_id>")
def show_questionnaire(questionnaire_id: str) -> ResponseReturnValue:
    row = catalogue.get_published(questionnaire_id)
    if row is None:
        return json_error(404, f"Unknown questionnaire {questionnaire_id!r}.")
    definition = catalogue.published_definition(row)
    assert row.current_version is not None  # a published questionnaire has one
    return jsonify(
        {
            "id": row.id,
            "version": row.current_version.content_hash,
            "title": {"fr": definition.title.fr, "en": definition.title.en},
            "intro": definition.intro.to_dict() if definition.intro is not None else None,
            "channels": list(definition.channels),
            "commitment": _commitment_json(row.commitment),
            "questions": [_question_json(q) for q in definition.questions],
        }
    )


def _submitter() -> Submitter | tuple:
    """Who sends this request, from its bearer token; an invalid token is refused, not ignored."""
    token = auth.bearer_token()
    if token is None:
        return Submitter("anonymous")
    kiosk = kiosks.kiosk_for_token(token)
    if kiosk is not None:
        return kiosks.submitter_for(kiosk)
    user = auth.user_for_token(token)
    if user is None:
        return json_error(401, "Invalid or revoked token.")
    if user.role in ("staff", "admin"):
        return Submitter("staff")
    return Submitter("user")


def _answer(outcome: Outcome):
    return jsonify(outcome.body()), outcome.status


@bp.post("/api/v1/responses")
def submit_response() -> ResponseReturnValue:
    submitter = _submitter()
    if isinstance(submitter, tuple):
        return submitter
    return _answer(record_response(json_body(), submitter))


@bp.post("/api/v1/responses/batch")
def submit_batch() -> ResponseReturnValue:
    submitter = _submitter()
    if isinstance(submitter, tuple):
        return submitter
    if submitter.kind == "anonymous":
        return json_error(401, "Batches need a kiosk or staff token.")
    payload, error = checked_body("Batch")
    if error:
        return error
    items = payload["responses"]
    limit = current_app.config["MAX_BATCH_SIZE"]
    if len(items) > limit:
        return json_error(413, f"At most {limit} responses per batch.", {"responses": f"at most {limit} items"})
    results = []
    refused = refused_items()
    for index, item in enumerate(items):
        # Each item is independent: its own validation, transaction and status.
        if index in refused:
            sid = item.get("submission_id") if isinstance(item, dict) else None
            outcome = Outcome(400, sid if isinstance(sid, str) and "submission_id" not in refused[index] else None,
                              error="This response holds a character or a number that cannot be stored.",
                              errors=refused[index])
        else:
            outcome = record_batch_item(item, submitter)
        results.append({"index": index, "status": outcome.status, **outcome.body(),
                        **({"submission_id": outcome.submission_id} if outcome.submission_id else {})})
    stored = sum(1 for r in results if r["status"] in (200, 201))
    return jsonify(results=results, stored=stored, failed=len(results) - stored)


@bp.get("/api/v1/results/<questionnaire_id>")
@auth.roles_required("evaluator", "admin")
def questionnaire_results(questionnaire_id: str) -> ResponseReturnValue:
    """Results of one questionnaire for ``?cycle=C`` against ``?baseline=B`` (design.md).

    Optional: ``channel``, ``site``, ``language`` filters and ``weighting=none|raked``.
    Without ``cycle``, the latest cycle with responses; without ``baseline``, no change.
    """
    try:
        filters = results.Filters.from_mapping(request.args)
        result = results.questionnaire_results(
            questionnaire_id,
            request.args.get("cycle") or None,
            request.args.get("baseline") or None,
            filters=filters,
            weighting=request.args.get("weighting") or "none",
        )
    except results.ResultsError as exc:
        status = 404 if exc.field == "questionnaire" else 400
        return json_error(status, str(exc), {exc.field: exc.message})
    payload = results.api_payload(result)
    # Follow-ups with citizens: counts only, never a case or a contact.
    payload["followups"] = followups.figures(result.cycle, result.commitment.code).as_counts()
    return jsonify(payload)
