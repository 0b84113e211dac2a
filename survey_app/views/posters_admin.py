"""The page that prints QR posters and counter cards, with the options of ``flask posters``."""
from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from .. import posters
from ..auth import roles_required
from ..i18n import current_language, localized
from ..services import catalogue, sites
from ..services.posters import PosterError, online_questionnaires, poster_content

bp = Blueprint("posters_admin", __name__, url_prefix="/admin/posters")


class PosterForm(FlaskForm):
    questionnaire = SelectField(_l("Questionnaire"), validators=[InputRequired()])
    site = SelectField(_l("Site"), validate_choice=True, default="",
                       description=_l("Where it hangs: the responses through its code are counted for this site."))
    lang = RadioField(_l("Language"), choices=[SelectChoice("fr", "Français"), SelectChoice("en", "English")])
    paper = RadioField(_l("Paper"), default="letter",
                       choices=[SelectChoice("letter", _l("Letter (8.5 × 11 in)")),
                                SelectChoice("a4", _l("A4 (210 × 297 mm)"))])
    format = RadioField(_l("Format"), default="poster",
                        choices=[SelectChoice("poster", _l("Poster (one per page)")),
                                 SelectChoice("card", _l("Counter cards (four per page)"))])


def _form() -> PosterForm:
    form = PosterForm()
    if form.lang.data is None:
        form.lang.data = current_language()
    form.questionnaire.choices = [
        SelectChoice(row.id, f"{row.commitment.code} — {localized(catalogue.definition_of(row.current_version).title)}")
        for row in online_questionnaires()
    ]
    form.site.choices = [SelectChoice("", _l("No site"))] + [
        SelectChoice(slug, name) for slug, name in sites.known_sites().items()
    ]
    return form


@bp.route("/", methods=["GET", "POST"])
@roles_required("admin", "staff")
def index():
    form = _form()
    if form.validate_on_submit():
        try:
            content = poster_content(form.questionnaire.data, form.site.data or None, form.lang.data,
                                     form.paper.data, form.format.data)
        except PosterError:  # the choices were checked above: a questionnaire unpublished meanwhile
            form.questionnaire.errors = [_l("This questionnaire is no longer offered online.")]
        else:
            body = posters.render(content, form.paper.data, form.format.data)
            filename = f"{form.format.data}-{form.questionnaire.data}-{form.lang.data}.pdf"
            return Response(body, mimetype="application/pdf",
                            headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    status = 422 if form.errors else 200
    return render_template("admin/posters.html", form=form), status
