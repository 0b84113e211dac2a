"""The edge: what every request must be before a view sees it, checked in one place.

Text the database cannot store — a NUL character, or half of a UTF-16 surrogate pair — is
refused with a 400 wherever it comes: the path, the query string, a form field or a JSON body
(PostgreSQL refuses NUL in text; SQLite would store it and every export would carry it).
A JSON body (any POST under ``/api/``) is read here once: larger than ``MAX_CONTENT_LENGTH``
is a 413 and nested deeper than ``JSON_MAX_DEPTH`` a 400, both checked before parsing, so no
body can exhaust the parser's recursion; NaN and Infinity, which JSON does not have, are
malformed. Views take the parsed body from :func:`json_body` and check it against its schema
(:mod:`survey_app.contract`) with :func:`checked_body`. In a batch, an item holding such a
value is refused on its own (:func:`refused_items`), so the other items are still stored.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import Flask, abort, current_app, g, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from . import contract
from .application import this_request

REFUSED = re.compile("[\x00\ud800-\udfff]")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
BATCH_ENDPOINT, BATCH_ITEMS = "api.submit_batch", "responses"


class Refused(Exception):
    def __init__(self, status: int, message: str, errors: dict[str, str]):
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors


def json_error(status: int, message: str, errors: dict[str, str] | None = None):
    """The API's error body (design.md): ``{"error": ..., "errors": {path: message}}``."""
    body: dict[str, Any] = {"error": message}
    if errors:
        body["errors"] = errors
    return jsonify(body), status


def _refused_in(location: str, pairs) -> None:
    pairs = list(pairs)
    # One search over every name and value first (a form's fields are many and short, and a
    # search's setup costs more than scanning one of them); the pair is looked for on a hit.
    if not pairs or not REFUSED.search("".join(text for pair in pairs for text in pair)):
        return
    for key, value in pairs:
        if REFUSED.search(key) or REFUSED.search(value):
            raise Refused(400, f"The {location} holds a character that cannot be stored (NUL or "
                               "an unpaired surrogate).", {f"{location}.{REFUSED.sub('?', key)}":
                                                          "holds a refused character"})


def nesting_depth_exceeds(text: str, limit: int) -> bool:
    """True when the JSON text nests arrays and objects deeper than ``limit`` (strings skipped)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub('""', text))
    depth = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _walk(value: Any, path: str, found: dict[str, str]) -> None:
    """Note unstorable text and non-finite numbers anywhere in a parsed body, by path."""
    if isinstance(value, str):
        if REFUSED.search(value):
            found.setdefault(path, "holds a refused character (NUL or an unpaired surrogate)")
    elif isinstance(value, float):
        if not math.isfinite(value):
            found.setdefault(path, "number out of range")
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            if REFUSED.search(key):
                found.setdefault(REFUSED.sub("?", child), "refused character in a name")
            _walk(item, REFUSED.sub("?", child), found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}.{index}" if path else str(index), found)


def _by_item(found: dict[str, str]) -> dict[int, dict[str, str]] | None:
    """Refusals inside the items of a batch, by item index; None if any lies outside them."""
    items: dict[int, dict[str, str]] = {}
    for path, message in found.items():
        parts = path.split(".", 2)
        if len(parts) < 2 or parts[0] != BATCH_ITEMS or not parts[1].isdigit():
            return None
        items.setdefault(int(parts[1]), {})[".".join(parts[2:])] = message
    return items


def _parse_json() -> Any:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise Refused(413, f"The body is larger than the limit of {limit} bytes.",
                      {"": f"at most {limit} bytes"}) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "The body must be valid JSON in UTF-8.", {"": "not UTF-8"}) from None
    depth = current_app.config["JSON_MAX_DEPTH"]
    if nesting_depth_exceeds(text, depth):
        raise Refused(400, f"The body nests deeper than the limit of {depth} levels.",
                      {"": f"at most {depth} levels of nesting"})
    try:
        payload = json.loads(text, parse_constant=_constant)
    except ValueError:  # JSONDecodeError, NaN, an integer of thousands of digits
        raise Refused(400, "The body must be valid JSON.", {"": "malformed JSON"}) from None
    found: dict[str, str] = {}
    _walk(payload, "", found)
    g.servir_refused_items = {}
    if found:
        # In a batch, an item with a refused value is refused alone (the others are stored):
        # a kiosk whose whole batch came back 400 would retry it for ever.
        items = _by_item(found) if request.endpoint == BATCH_ENDPOINT else None
        if items is None:
            raise Refused(400, "The body holds a character or a number that cannot be stored.", found)
        g.servir_refused_items = items
    return payload


def _check_request():
    current = this_request()
    try:
        if REFUSED.search(current.path):
            raise Refused(400, "The address holds a character that cannot be stored.",
                          {"path": "holds a refused character"})
        _refused_in("query", current.args.items(multi=True))
        if current.method in ("POST", "PUT", "PATCH", "DELETE"):
            if current.path.startswith("/api/"):
                g.servir_json = _parse_json()
            elif current.mimetype in _FORM_TYPES:
                _refused_in("form", current.form.items(multi=True))
                _refused_in("form", ((key, f.filename or "") for key, f in current.files.items(multi=True)))
    except Refused as refused:
        if current.path.startswith("/api/"):
            return json_error(refused.status, refused.message, refused.errors)
        abort(refused.status)
    return None


def json_body() -> Any:
    """The request's JSON body, parsed and cleared by the edge."""
    return g.servir_json


def refused_items() -> dict[int, dict[str, str]]:
    """Items of a batch the edge refused (index → errors by path within the item)."""
    return g.get("servir_refused_items", {})


def checked_body(name: str) -> tuple[Any, Any]:
    """(body, None) when the body fits the contract's schema ``name``, else (None, an error)."""
    payload = json_body()
    refusal = contract.check(name, payload)
    if refusal is None:
        return payload, None
    status, errors = refusal
    return None, json_error(status, "The body does not follow the API's schema "
                                    f"({name}, see /api/v1/openapi.json).", errors)


def init_app(app: Flask) -> None:
    # First of all before_request functions: nothing reads a refused value before this.
    app.before_request_funcs.setdefault(None, []).insert(0, _check_request)
