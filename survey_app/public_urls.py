"""Public addresses printed on paper: posters' links and invitation links.

They are built from ``BASE_URL`` (``SERVIR_BASE_URL``) when it is set, since a server behind a
proxy may not know the address citizens type; otherwise from the request's own address. Paths
come from the routes through ``url_for``, so a link and its route cannot disagree.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app, g, has_request_context, request, url_for


class NoBaseUrl(RuntimeError):
    """Outside a request, a public address needs BASE_URL."""


def base_url() -> str:
    configured = g.get("public_base_url") or current_app.config.get("BASE_URL")
    if configured:
        return str(configured).rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    raise NoBaseUrl("set SERVIR_BASE_URL (the public address, e.g. https://sondage.ville.example)"
                    " or pass --base-url")


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute public address of ``endpoint`` (needs a request context, see :func:`outside_request`)."""
    path = url_for(endpoint, **values)
    # url_for includes the prefix the app is mounted at; BASE_URL already names it.
    root = request.script_root
    if root and path.startswith(root):
        path = path[len(root):]
    return base_url() + path


@contextmanager
def outside_request(base: str | None = None) -> Iterator[None]:
    """A request context for commands, so that :func:`public_url` works from the CLI."""
    base = base or current_app.config.get("BASE_URL")
    if not base:
        base_url()  # raises, with the message that says what to set
    with current_app.test_request_context("/"):
        g.public_base_url = base
        yield


def short_form(url: str) -> str:
    """The address as printed for typing: without ``https://``."""
    return url.split("://", 1)[-1]
