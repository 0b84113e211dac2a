"""Error pages for people and JSON errors for the API.

A database fault (unreachable, locked past its timeout, read-only, full, its file replaced) is
the server's, not the client's: 503 with ``Retry-After``, never 500.
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from ..database import is_unavailable
from ..extensions import db


def unavailable_response(app: Flask, page=None):
    """The 503 for a database fault: JSON for the API, an error page (or ``page``) for people."""
    db.session.rollback()
    if _is_api():
        response = jsonify(error="The database is unavailable; nothing was stored. Try again later.")
    else:
        response = app.make_response(page if page is not None else render_template(
            "errors/error.html", code=503,
            message=_("The service is briefly unavailable. Nothing was recorded: please try again in a moment.")))
    response.status_code = 503
    response.headers["Retry-After"] = str(app.config["RETRY_AFTER_SECONDS"])
    return response


def _is_api() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if _is_api():
            return jsonify(error=exc.description or exc.name), exc.code
        messages = {
            400: _("What you sent could not be read: it holds a character that cannot be recorded."),
            403: _("You do not have access to this page."),
            404: _("This page does not exist, or is no longer available."),
            405: _("This action is not allowed here."),
            413: _("What you sent is too large."),
            429: _("Too many attempts. Wait a few minutes, then try again."),
        }
        message = messages.get(exc.code or 500, _("Something went wrong. Please try again."))
        return render_template("errors/error.html", code=exc.code, message=message), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        if is_unavailable(exc):
            app.logger.warning("database unavailable: %s", str(getattr(exc, "orig", None) or exc))
            try:
                return unavailable_response(app)
            except Exception as again:  # the error page itself needs what is down
                if not is_unavailable(again):
                    raise
                response = app.response_class("Service unavailable", status=503, mimetype="text/plain")
                response.headers["Retry-After"] = str(app.config["RETRY_AFTER_SECONDS"])
                return response
        app.logger.exception("unexpected error")
        if _is_api():
            return jsonify(error="Internal error; nothing was stored."), 500
        return (
            render_template("errors/error.html", code=500,
                            message=_("Something went wrong on our side. Please try again.")),
            500,
        )
