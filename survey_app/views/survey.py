"""The citizens' online survey: home page, one page per questionnaire, thank-you page."""
from __future__ import annotations

import uuid
from itertools import groupby

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..database import is_unavailable
from .errors import unavailable_response

from ..extensions import csrf
from ..forms import build_form
from ..i18n import current_language
from ..models import Cycle
from ..extensions import db
from ..services import catalogue
from ..services.submissions import Submitter, record_response

bp = Blueprint("survey", __name__)


def _open_cycle() -> Cycle | None:
    cycles = list(db.session.execute(db.select(Cycle).where(Cycle.state == "open")).scalars())
    return cycles[0] if len(cycles) == 1 else None


@bp.get("/")
def index():
    rows = [
        row
        for row in catalogue.published_questionnaires()
        if "online" in catalogue.definition_of(row.current_version).channels
    ]
    units = [
        (unit, list(items))
        for unit, items in groupby(rows, key=lambda row: row.commitment.unit)
    ]
    return render_template("survey/index.html", units=units, cycle=_open_cycle())


def _questionnaire_or_404(questionnaire_id: str):
    row = catalogue.get_published(questionnaire_id)
    if row is None:
        abort(404)
    definition = catalogue.definition_of(row.current_version)
    if "online" not in definition.channels:
        abort(404)
    return row, definition


@bp.route("/q/<questionnaire_id>", methods=["GET", "POST"])
@csrf.exempt  # checked below by the form itself, so an expired token keeps the answers
def answer(questionnaire_id: str):
    row, definition = _questionnaire_or_404(questionnaire_id)
    cycle = _open_cycle()
    if cycle is None:
        return render_template("survey/closed.html", questionnaire=row, definition=definition), 200
    form = build_form(definition)
    notice = None
    status = 200
    if request.method == "GET":
        form.submission_id.data = str(uuid.uuid4())
    elif not form.validate():  # only the CSRF token and the hidden id can fail here
        notice = _("Your session expired before you sent your answers. They are kept below: "
                   "please send them again.")
        status = 400
    else:
        answers = form.answers()
        # Detached, what the page shows survives the rollback of a failed write, so the form
        # can be shown again even when the database cannot be read.
        version_hash = row.current_version.content_hash
        for loaded in (row.commitment, row, cycle):
            db.session.expunge(loaded)
        try:
            outcome = record_response({
                "submission_id": form.submission_id.data,
                "questionnaire": row.id,
                "version": version_hash,
                "cycle": cycle.code,
                "channel": "online",
                "language": current_language(),
                "answers": answers,
            }, Submitter("anonymous"))
        except Exception as error:
            if not is_unavailable(error):
                raise
            # The citizen's answers come back in the form, with what happened and what to do.
            notice = _("We could not record your answers just now. Nothing was lost: they are "
                       "kept below. Please send them again in a moment.")
            page = render_template("survey/form.html", form=form, questionnaire=row,
                                   definition=definition, cycle=cycle, notice=notice)
            return unavailable_response(current_app, page)
        if outcome.stored or outcome.status == 409:
            # Post/redirect/get: a refresh of the thank-you page cannot resend the form.
            return redirect(url_for(".thanks", questionnaire_id=row.id,
                                    again=1 if outcome.status == 409 else None))
        if outcome.status == 400:  # a tampered or missing hidden id: start a fresh one
            form.submission_id.data = str(uuid.uuid4())
            notice = _("Something went wrong with this form. Please send your answers again.")
        else:
            form.attach_errors(outcome.errors, answers)
            notice = _("Some answers need your attention. Nothing was recorded yet.")
        status = 422
    return (
        render_template(
            "survey/form.html", form=form, questionnaire=row, definition=definition,
            cycle=cycle, notice=notice,
        ),
        status,
    )


@bp.get("/q/<questionnaire_id>/merci")
def thanks(questionnaire_id: str):
    row, definition = _questionnaire_or_404(questionnaire_id)
    return render_template(
        "survey/thanks.html", questionnaire=row, definition=definition,
        again=request.args.get("again") == "1",
    )
