"""Staff pages for follow-ups: a unit's queue of cases, one case (due date, state, note, the
citizen's contact for the unit's staff only), and closing it, which erases the contact."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from ..auth import request_user, roles_required
from ..services import followups

bp = Blueprint("followups", __name__, url_prefix="/staff/followups")

STATE_LABELS = {"open": _l("To do"), "in_progress": _l("In progress"), "closed": _l("Closed")}


class CaseForm(FlaskForm):
    state = RadioField(_l("State"), choices=lambda: [SelectChoice(s, STATE_LABELS[s]) for s in followups.WORKING_STATES])
    note = TextAreaField(_l("Staff note"), validators=[Length(max=4000)],
                         description=_l("What was done, for the unit. Do not copy the citizen's contact here."),
                         render_kw={"rows": 5, "maxlength": 4000})


def _case_or_404(user, ref: str):
    try:
        return followups.get_case(user, ref)
    except followups.CaseNotFound:
        abort(404)


@bp.get("/")
@roles_required("admin", "staff")
def index():
    user = request_user()
    show_closed = request.args.get("closed") == "1"
    return render_template(
        "staff/followups.html", cases=followups.queue(user, closed=show_closed), show_closed=show_closed,
        unit=followups.unit_of(user), user=user, state_labels=STATE_LABELS, today=followups.today(),
    )


def _case_page(user, case, form: CaseForm | None = None):
    contact = followups.contact_for(user, case)
    if form is None:
        followups.record_view(user, case, contact_shown=contact is not None)
        form = CaseForm(formdata=None, data={"state": case.state if case.state != "closed" else "open",
                                             "note": case.staff_note})
    response = render_template("staff/followup.html", case=case, contact=contact, form=form,
                               state_labels=STATE_LABELS, today=followups.today(), user=user)
    return response, (422 if form.errors else 200), {"Cache-Control": "no-store"}


@bp.get("/<ref>")
@roles_required("admin", "staff")
def case(ref: str):
    user = request_user()
    return _case_page(user, _case_or_404(user, ref))


@bp.post("/<ref>")
@roles_required("admin", "staff")
def update(ref: str):
    user = request_user()
    case = _case_or_404(user, ref)
    form = CaseForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _case_page(user, case, form)
    assert user is not None  # roles_required lets only a signed-in user through
    try:
        followups.update_case(user, ref, form.state.data, form.note.data)
    except followups.CaseNotFound:
        abort(404)
    flash(_("Case saved."), "success")
    return redirect(url_for(".case", ref=ref))


@bp.post("/<ref>/close")
@roles_required("admin", "staff")
def close(ref: str):
    user = request_user()
    _case_or_404(user, ref)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    assert user is not None  # roles_required lets only a signed-in user through
    followups.close_case(user, ref, request.form.get("note"))
    flash(_("Case closed. The citizen's contact details have been erased."), "success")
    return redirect(url_for(".index"))
