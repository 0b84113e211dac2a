"""The audit trail for admins: who did what and when, filtered by user, action and dates,
a page at a time, and the same selection as CSV (formulas neutralised)."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from ..auth import actor, roles_required
from ..services import audit

bp = Blueprint("audit_admin", __name__, url_prefix="/admin/audit")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a search (GET) changes nothing

    user = StringField(_l("User (e-mail address)"), validators=[Optional(), Length(max=254)])
    action = SelectField(_l("Action"), validators=[Optional()], validate_choice=False)
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date comes before the start date."))


def _selection() -> tuple[AuditFilterForm, audit.AuditFilter | None]:
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _l("Every action"))] + [(name, name) for name in audit.actions()]
    if request.args and not form.validate():
        return form, None
    return form, audit.AuditFilter(actor=form.user.data or None, action=form.action.data or None,
                                   since=form.since.data, until=form.until.data)


def _page_number() -> int:
    value = request.args.get("page", "1")
    return max(1, int(value)) if value.isdigit() else 1


@bp.get("/")
@roles_required("admin")
def index() -> ResponseReturnValue:
    form, where = _selection()
    if where is None:
        return render_template("admin/audit.html", form=form, events=[], total=0, page=1, pages=1,
                               describe=audit.describe), 422
    size = int(current_app.config["AUDIT_PAGE_SIZE"])
    total = audit.count(where)
    pages = max(1, -(-total // size))
    page = min(_page_number(), pages)
    events = audit.events(where, limit=size, offset=(page - 1) * size)
    query = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("admin/audit.html", form=form, events=events, total=total, page=page,
                           pages=pages, query=query, describe=audit.describe)


@bp.get("/export.csv")
@roles_required("admin")
def export() -> ResponseReturnValue:
    form, where = _selection()
    if where is None:
        return render_template("admin/audit.html", form=form, events=[], total=0, page=1, pages=1,
                               describe=audit.describe), 422
    rows = audit.events(where)
    body = audit.to_csv(rows)
    audit.record_now("audit.export", actor(), rows=len(rows))
    response = Response(body, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="servir-audit-{dt.date.today():%Y-%m-%d}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
