"""The console's cycles pages: list, create, and each state change behind a confirmation.

The state machine is services/cycles.py's; this module only asks and explains. The former
/admin/cycles page and its publish route (views/results.py) now live here: /admin/cycles
redirects, and POST /admin/cycles/<code>/publish still publishes. Margins stay in
views/results.py.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..auth import roles_required
from ..i18n import current_language
from ..services import cycles
from ..services import margins as margins_service
from .admin_console import actor, require_csrf

bp = Blueprint("admin_cycles", __name__, url_prefix="/admin/cycles")

ACTIONS = ("open", "close", "publish", "unpublish")


class CycleForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40),
                                               Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                                                      message=_l("Letters, digits, dots, dashes and underscores only."))],
                       description=_l("Short and stable, for example 2027 or A26."))
    name_fr = StringField(_l("Name in French"), validators=[DataRequired(), Length(max=200)],
                          description=_l("As citizens read it in French."))
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)],
                          description=_l("As citizens read it in English."))
    period_start = DateField(_l("Period from"), validators=[Optional()],
                             description=_l("First day of the period this cycle measures."))
    period_end = DateField(_l("Period to"), validators=[Optional()],
                           description=_l("Last day of the period, on or after the first."))


def action_texts() -> dict[str, dict[str, str]]:
    """What each state change is called and what it does, as the confirmation says it."""
    return {
        "open": {"verb": _("Open"), "title": _("Open cycle %(code)s?"),
                 "effect": _("Online questionnaires start accepting responses for this cycle. Only one cycle can be open at a time; a closed cycle reopens.")},
        "close": {"verb": _("Close"), "title": _("Close cycle %(code)s?"),
                  "effect": _("Online collection stops: citizens can no longer answer for this cycle. Responses already given are kept, and you can reopen it later.")},
        "publish": {"verb": _("Publish"), "title": _("Publish the results of cycle %(code)s?"),
                    "effect": _("Its results become public on the Our results page (/public/results/), with small groups suppressed. A published cycle cannot be reopened.")},
        "unpublish": {"verb": _("Unpublish"), "title": _("Unpublish the results of cycle %(code)s?"),
                      "effect": _("Its results leave the public pages; the cycle is closed again.")},
    }


def _refusal(error: cycles.CycleError) -> str:
    if error.reason == "another_open":
        return _("Another cycle is open: close it before opening this one.")
    if error.reason.startswith("publish_from_open"):
        return _("An open cycle cannot be published: close it first.")
    if error.reason.startswith("open_from_published"):
        return _("A published cycle cannot be reopened.")
    if error.reason == "unknown":
        return _("There is no such cycle.")
    return _("This change is not possible in the cycle’s present state.")


@bp.get("/")
@roles_required("admin")
def index():
    return render_template("admin/cycles.html", cycles=cycles.list_cycles(), margins_of=margins_service.margins_of,
                           allowed=cycles.allowed_actions, texts=action_texts(), lang=current_language())


@bp.route("/new", methods=["GET", "POST"])
@roles_required("admin")
def create():
    form = CycleForm()
    if form.validate_on_submit():
        try:
            cycle = cycles.create_cycle(form.code.data, form.name_fr.data, form.name_en.data,
                                        form.period_start.data, form.period_end.data, actor=actor())
        except cycles.CycleError as exc:
            field = getattr(form, exc.field, form.code)
            field.errors = list(field.errors) + [{
                "exists": _("A cycle with this code already exists."),
                "before_start": _("The end of the period must be on or after its start."),
                "half_period": _("Give both ends of the period, or neither."),
            }.get(exc.reason, _("This value is not accepted."))]
        else:
            flash(_("Cycle %(code)s created as a draft.", code=cycle.code), "success")
            return redirect(url_for(".index"))
    return render_template("admin/cycle_form.html", form=form), (422 if form.errors else 200)


@bp.route("/<code>/<action>", methods=["GET", "POST"])
@roles_required("admin")
def change(code: str, action: str):
    if action not in ACTIONS:
        abort(404)
    cycle = cycles.get_cycle(code)
    if cycle is None:
        abort(404)
    texts = action_texts()[action]
    form = FlaskForm()
    if form.is_submitted():
        require_csrf()
        try:
            cycles.change_state(code, action, actor=actor())
        except cycles.CycleError as exc:
            flash(_refusal(exc), "error")
        else:
            flash({"open": _("Cycle %(code)s is open."), "close": _("Cycle %(code)s is closed."),
                   "publish": _("Cycle %(code)s is published: its results are public."),
                   "unpublish": _("Cycle %(code)s is no longer published.")}[action] % {"code": code}, "success")
        return redirect(url_for(".index"))
    possible = action in cycles.allowed_actions(cycle)
    refusal = None
    if possible and action == "open":
        other = cycles.open_cycle()
        if other is not None and other.id != cycle.id:
            possible, refusal = False, _("Another cycle is open: close it before opening this one.")
    elif not possible:
        refusal = {"publish": _("An open cycle cannot be published: close it first.") if cycle.state == "open" else None,
                   "open": _("A published cycle cannot be reopened.") if cycle.state == "published" else None,
                   }.get(action) or _("This change is not possible in the cycle’s present state.")
    return render_template("admin/cycle_confirm.html", cycle=cycle, action=action, texts=texts, form=form,
                           possible=possible, refusal=refusal, lang=current_language()), (200 if possible else 409)
