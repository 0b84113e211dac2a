"""The console's home page (/admin/): the programme at a glance, with links to each section.

Also the small helpers the console's section views share (who acts, a posted form's CSRF check).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask_wtf import FlaskForm

from ..auth import request_user, roles_required
from ..services import console

bp = Blueprint("admin_console", __name__, url_prefix="/admin")


def actor() -> str | None:
    """The signed-in user's e-mail address, as audit rows and version sources name them."""
    user = request_user()
    return user.email if user else None


def require_csrf() -> None:
    """Refuse (400) a state-changing POST without a valid CSRF token."""
    if not FlaskForm().validate_on_submit():
        abort(400)


@bp.get("/")
@roles_required("admin")
def index():
    return render_template("admin/console.html", overview=console.programme_overview(),
                           silent_after=current_app.config["KIOSK_SILENT_AFTER_MINUTES"])
