"""The Flask class Servir runs on: Flask's own, without three costs it pays on every request.

Together they were about 2.5 % of the instructions the application ran for a citizen's cycle
(form, post, thank-you page; counted with callgrind):

- Flask asks ``inspect.iscoroutinefunction`` about every hook, view and teardown function of
  every request (``Flask.ensure_sync``). The answer never changes for a function, so it is kept.
- Werkzeug's ``MultiDict.get`` finds a missing key by raising and catching a
  ``BadRequestKeyError``, an exception with a description, for every query argument, form
  field and cookie that a request does not carry (``?lang=``, ``?site=``, the session cookie
  of a citizen who has none). Here a missing key is seen by a dictionary lookup first.
- The request's size limits (``max_content_length``, ``max_form_memory_size``,
  ``max_form_parts``) are read from ``current_app.config`` through the proxy each time the
  form parser asks. Each request gets them once, from the configuration, by Flask's own
  per-request setters (a view may still set its own).

Written by hand because Flask and Werkzeug offer these as the places to change such things
(``ensure_sync`` is documented as the method to override, ``Request.parameter_storage_class``
and ``dict_storage_class`` as the classes to swap), and no library does it.

The per-request hooks and the citizen's views read the request, the application and the
session through :func:`this_request`, :func:`this_app` and :func:`this_session`, once per
function: every attribute read through one of Flask's proxies (``request.path``) first fails
on the proxy, formats an ``AttributeError`` and drops it, then asks the proxy's
``__getattr__`` — about 8,000 instructions, against 900 for the same read on the object.
"""
from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from flask import Flask, Request, current_app, request, session
from flask.ctx import RequestContext
from flask.sessions import SessionMixin
from werkzeug.datastructures import ImmutableMultiDict


class _Values(ImmutableMultiDict):
    """The query's, the form's and the cookies' values: a missing key costs no exception."""

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:  # type: ignore[override]  # Werkzeug's overloads, one body
        if key not in self:
            return default
        return super().get(key, default, type)


class ServirRequest(Request):
    parameter_storage_class = _Values
    dict_storage_class = _Values


class ServirFlask(Flask):
    request_class = ServirRequest

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Weak keys: a function made for one request (after_this_request's, a class-based
        # view's bound method) leaves with it, and holds nothing of the request meanwhile.
        self._sync_functions: weakref.WeakKeyDictionary[Callable[..., Any], Callable[..., Any]] = (
            weakref.WeakKeyDictionary())

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            return self._sync_functions[func]
        except KeyError:
            found = self._sync_functions[func] = super().ensure_sync(func)
            return found
        except TypeError:  # not hashable, or no weak reference to it (a built-in): ask Flask
            return super().ensure_sync(func)

    def request_context(self, environ: dict) -> RequestContext:
        context = super().request_context(environ)
        config, new_request = self.config, context.request
        new_request.max_content_length = config["MAX_CONTENT_LENGTH"]
        new_request.max_form_memory_size = config["MAX_FORM_MEMORY_SIZE"]
        new_request.max_form_parts = config["MAX_FORM_PARTS"]
        return context


def this_request() -> Request:
    """The request being handled, itself rather than ``flask.request``."""
    return request._get_current_object()  # type: ignore[attr-defined]


def this_app() -> Flask:
    """The application handling the request, itself rather than ``flask.current_app``."""
    return current_app._get_current_object()  # type: ignore[attr-defined]


def this_session() -> SessionMixin:
    """The request's session, itself rather than ``flask.session``."""
    return session._get_current_object()  # type: ignore[attr-defined]
