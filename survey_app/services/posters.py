"""What a QR poster or counter card says: a questionnaire's commitment, its norm and its link.

The drawing is in :mod:`survey_app.posters`; this module checks the choices (a published
questionnaire offered online, one of the city's sites, a known language) and builds the link
``<base URL>/q/<id>?site=<slug>``.
"""
from __future__ import annotations

from ..models import Questionnaire
from ..posters import FORMATS, PAPERS, PosterContent
from ..public_urls import public_url
from . import catalogue, sites

LANGUAGES = ("fr", "en")


class PosterError(ValueError):
    """Invalid poster options; ``errors`` maps option names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


def online_questionnaires() -> list[Questionnaire]:
    """Published questionnaires offered online: those a poster or an invitation may point to."""
    return [row for row in catalogue.published_questionnaires()
            if "online" in catalogue.definition_of(row.current_version).channels]


def poster_content(questionnaire_id: str, site: str | None = None, lang: str = "fr",
                   paper: str = "letter", fmt: str = "poster") -> PosterContent:
    """The content of one poster; needs a request context for the link (see public_urls)."""
    errors: dict[str, str] = {}
    row = catalogue.get_published(questionnaire_id or "")
    if row is None or "online" not in catalogue.definition_of(row.current_version).channels:
        errors["questionnaire"] = f"no published online questionnaire {questionnaire_id!r}"
    slug = name = None
    if site:
        try:
            slug, name = sites.resolve(site)
        except sites.SiteError as exc:
            errors["site"] = str(exc)
    if lang not in LANGUAGES:
        errors["lang"] = "must be fr or en"
    if paper not in PAPERS:
        errors["paper"] = f"must be one of {', '.join(PAPERS)}"
    if fmt not in FORMATS:
        errors["format"] = f"must be one of {', '.join(FORMATS)}"
    if errors:
        raise PosterError(errors)
    commitment = row.commitment
    return PosterContent(
        title=commitment.title(lang),
        norm=commitment.norm(lang),
        url=public_url("survey.answer", questionnaire_id=row.id, site=slug),
        site=name,
        lang=lang,
    )
