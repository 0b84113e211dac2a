"""Language selection: French first, English on request.

Order: an explicit ``?lang=`` (which is remembered in the session), the session, then
French. The browser's Accept-Language is deliberately not followed: the city serves its
citizens in French by default (many counter tablets and phones are set to English), and
every page offers the switch to English.
"""
from __future__ import annotations

from typing import Any

from babel import Locale
from flask import Blueprint, Flask, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from .application import this_app, this_request, this_session
from .redirects import same_site_path

bp = Blueprint("i18n", __name__)


def supported() -> tuple[str, ...]:
    return tuple(this_app().config["LANGUAGES"])


# Babel's Locale of each language, built once: Flask-Babel would parse the selector's answer
# again on every request (Locale.parse hands back a Locale it is given).
_locales: dict[str, Locale] = {}


def _locale(name: str) -> Locale:
    found = _locales.get(name)
    if found is None:
        found = _locales[name] = Locale.parse(name)
    return found


def select_locale() -> Locale:
    languages, visitor = supported(), this_session()
    asked = this_request().args.get("lang")
    if asked is not None and asked in languages:
        visitor["lang"] = asked
        return _locale(asked)
    remembered = visitor.get("lang")
    if isinstance(remembered, str) and remembered in languages:
        return _locale(remembered)
    return _locale(this_app().config["BABEL_DEFAULT_LOCALE"])


def current_language() -> str:
    return str(get_locale() or "fr")


def localized(text: Any) -> str:  # a questionnaires.Text, a {lang: text} dict, None or a string
    """Pick the current language from a definition's bilingual text (French as fallback)."""
    if text is None:
        return ""
    if hasattr(text, "get") and not isinstance(text, dict):
        return text.get(current_language())
    if isinstance(text, dict):
        return text.get(current_language()) or text.get("fr") or ""
    return str(text)


@bp.route("/language/<lang>")
def switch(lang: str) -> ResponseReturnValue:
    """Switch language and go back where the visitor was (only to a path on this site)."""
    if lang in supported():
        session["lang"] = lang
    return redirect(same_site_path(request.args.get("next"), url_for("survey.index")))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def inject_language():
        lang = current_language()
        other = "en" if lang == "fr" else "fr"
        return {
            "lang": lang,
            "other_lang": other,
            "localized": localized,
        }


# WTForms' own messages (its "wtforms" catalogue), parsed once per language: Flask-WTF would
# parse the .mo file again for every request that builds a form.
_wtforms_catalogues: dict[str, Any] = {}


def wtforms_translations() -> Any:
    """WTForms' translations in the current language, for a form's ``Meta.get_translations``."""
    lang = current_language()
    found = _wtforms_catalogues.get(lang)
    if found is None:
        from babel import support
        from wtforms.i18n import messages_path

        found = _wtforms_catalogues[lang] = support.Translations.load(messages_path(), [lang], domain="wtforms")
    return found


def translate(message: Any) -> str:  # a questionnaires.Message or a string
    """A library's :class:`questionnaires.Message` in the current language (its English
    template is the catalogue's msgid); any other string is looked up as it is."""
    from flask_babel import gettext

    template = getattr(message, "template", None)
    if template is None:
        return gettext(str(message))
    return gettext(template, **message.params)
