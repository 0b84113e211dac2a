"""The admin page for invitations: make a batch (its CSV is downloaded once) and see the counts."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from ..auth import request_user, roles_required
from ..i18n import localized
from ..public_urls import public_url
from ..services import catalogue, cycles, invitations
from ..services.posters import online_questionnaires

bp = Blueprint("invitations_admin", __name__, url_prefix="/admin/invitations")


class InvitationForm(FlaskForm):
    questionnaire = SelectField(_l("Questionnaire"), validators=[InputRequired()])
    count = IntegerField(
        _l("Number of invitations"), default=100,
        validators=[InputRequired(message=_l("Enter a number of invitations.")),
                    NumberRange(1, invitations.MAX_COUNT, message=_l("From %(min)s to %(max)s."))],
        description=_l("One per person invited: each link works once."),
        render_kw={"inputmode": "numeric", "min": 1, "max": invitations.MAX_COUNT},
    )
    cycle = SelectField(_l("Cycle"), validate_choice=True, default="",
                        description=_l("The cycle the responses are filed in."))
    expires = DateField(_l("Last day the links work"), validators=[Optional()],
                        description=_l("Optional. After this day, a link says kindly that it has expired."))


def _form() -> InvitationForm:
    form = InvitationForm()
    form.questionnaire.choices = [
        SelectChoice(row.id, f"{row.commitment.code} — {localized(catalogue.definition_of(row.current_version).title)}")
        for row in online_questionnaires()
    ]
    form.cycle.choices = [SelectChoice("", _("The cycle open when the person answers"))] + [
        SelectChoice(cycle.code, f"{cycle.code} — {cycle.name}")
        for cycle in cycles.list_cycles() if cycle.state in ("draft", "open")
    ]
    return form


def _page(form: InvitationForm, status: int = 200):
    return render_template("admin/invitations.html", form=form, batches=invitations.batch_summaries(),
                           today=dt.date.today()), status


@bp.get("/")
@roles_required("admin")
def index():
    return _page(_form())


@bp.post("/")
@roles_required("admin")
def create():
    form = _form()
    if not form.validate_on_submit():
        return _page(form, 422)
    user = request_user()
    try:
        created = invitations.create_batch(form.questionnaire.data, form.count.data, form.cycle.data or None,
                                           form.expires.data, actor=user.email if user else None)
    except invitations.InvitationError as exc:
        fields = {"questionnaire": form.questionnaire, "count": form.count, "cycle": form.cycle,
                  "expires": form.expires}
        messages = {"expires": _("Choose today or a later day."),
                    "cycle": _("This cycle takes no more responses.")}
        for key in exc.errors:
            field = fields.get(key, form.questionnaire)
            field.errors = list(field.errors) + [messages.get(key, _("This value is not accepted."))]
        return _page(form, 422)
    text = invitations.csv_text(created.codes, lambda code: public_url("survey.invitation", code=code))
    filename = f"invitations-{form.questionnaire.data}-{created.batch_id}.csv"
    return Response(
        # A BOM so that Excel opens the UTF-8 file with its accents intact.
        "\ufeff" + text, mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                 # The codes exist only in this file: no copy in any cache.
                 "Cache-Control": "no-store"},
    )
