"""Error pages for people and JSON errors for the API."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException


def _is_api() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if _is_api():
            return jsonify(error=exc.description or exc.name), exc.code
        messages = {
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
        app.logger.exception("unexpected error")
        if _is_api():
            return jsonify(error="Internal error; nothing was stored."), 500
        return (
            render_template("errors/error.html", code=500,
                            message=_("Something went wrong on our side. Please try again.")),
            500,
        )
