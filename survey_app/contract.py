"""The JSON API's contract: the JSON Schema of every request body, and the OpenAPI 3.1
document built from the same schemas (``GET /api/v1/openapi.json``).

Each body is checked here before any service sees it (:func:`check`), so what the server
validates and what it publishes cannot drift apart. Errors name the field by its dotted path
(``answers.overall``) and say what is expected, never echoing the value sent. An error in the
envelope (the body is not an object, a missing ``submission_id``, ...) is a 400; an error in a
field's value is a 422, as in design.md's HTTP table. A body is first checked by
jsonschema-rs (compiled, a hundredth of the time on the busiest path, every submission);
only a body it refuses is walked again by jsonschema, whose errors name each field.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator

from .models import CHANNELS

# A number in an answer: well inside what the database's double precision column holds.
LARGEST_NUMBER = 1e15
_number = {"type": "number", "minimum": -LARGEST_NUMBER, "maximum": LARGEST_NUMBER}
ANSWER_VALUE = {
    "description": "rating: integer; yes_no: boolean; choice: option value; multi_choice: list "
                   "of option values; number; text; \"na\" where allowed; null: not answered.",
    "type": ["null", "boolean", "number", "string", "array"],
    "minimum": -LARGEST_NUMBER,
    "maximum": LARGEST_NUMBER,
    "maxLength": 20000,
    "maxItems": 200,
    "items": {"type": ["string", "number", "boolean"], "maxLength": 1000,
              "minimum": -LARGEST_NUMBER, "maximum": LARGEST_NUMBER},
}

RESPONSE = {
    "type": "object",
    "description": "One citizen's response to one questionnaire.",
    "required": ["submission_id", "questionnaire", "answers"],
    "properties": {
        "submission_id": {"type": "string", "format": "uuid", "maxLength": 64,
                          "description": "Chosen by the client; a replay with it is answered 200."},
        "questionnaire": {"type": "string", "minLength": 1, "maxLength": 200},
        "version": {"type": ["string", "null"], "maxLength": 200},
        "cycle": {"type": ["string", "null"], "maxLength": 100},
        "channel": {"enum": list(CHANNELS)},
        "language": {"enum": ["fr", "en"]},
        "partial": {"type": "boolean", "description": "Kiosks only: a questionnaire left unfinished."},
        "answers": {
            "type": "object",
            "maxProperties": 1000,
            "propertyNames": {"maxLength": 200},
            "additionalProperties": ANSWER_VALUE,
        },
    },
}
BATCH = {
    "type": "object",
    "required": ["responses"],
    "properties": {"responses": {"type": "array", "items": {"$ref": "#/components/schemas/Response"},
                                 "description": "Each item is checked and stored on its own."}},
}
ENROLLMENT = {
    "type": "object",
    "required": ["code"],
    "properties": {"code": {"type": "string", "maxLength": 100}},
}
HEARTBEAT = {
    "type": "object",
    "properties": {
        "backlog": {"type": "integer", "minimum": 0, "maximum": 10**9},
        "app_version": {"type": ["string", "null"], "maxLength": 40},
    },
}
UNLOCK = {
    "type": "object",
    "required": ["pin"],
    "properties": {"pin": {"type": "string", "maxLength": 64}},
}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "Messages by field path."},
    },
}
RECEIPT = {
    "type": "object",
    "required": ["submission_id", "receipt"],
    "properties": {"submission_id": {"type": "string"}, "receipt": {"type": "string"}},
}


@dataclass(frozen=True)
class Body:
    """One endpoint's request body: its schema, and which fields make an error a 400."""

    schema: dict[str, Any]
    envelope: tuple[str, ...] = ()
    all_envelope: bool = False

    def status_for(self, path: str) -> int:
        if self.all_envelope or path == "" or path.split(".")[0] in self.envelope:
            return 400
        return 422


BODIES = {
    "Response": Body(RESPONSE, envelope=("submission_id",)),
    # Items are checked one by one (each has its own result), so the envelope alone here.
    "Batch": Body(BATCH, all_envelope=True),
    "Enrollment": Body(ENROLLMENT, all_envelope=True),
    "Heartbeat": Body(HEARTBEAT),
    "Unlock": Body(UNLOCK, all_envelope=True),
}


def _without_refs(schema: dict[str, Any]) -> dict[str, Any]:
    checked = copy.deepcopy(schema)
    items = checked.get("properties", {}).get("responses", {})
    if "$ref" in items.get("items", {}):
        items["items"] = {}
    return checked


_VALIDATORS = {name: Draft202012Validator(_without_refs(body.schema)) for name, body in BODIES.items()}
# The same schemas compiled: formats stay annotations, as for jsonschema's validators above.
_FAST = {name: jsonschema_rs.Draft202012Validator(_without_refs(body.schema), validate_formats=False)
         for name, body in BODIES.items()}


def _message(error) -> str:
    value = error.validator_value
    messages = {
        "type": lambda: "must be " + " or ".join([value] if isinstance(value, str) else value),
        "enum": lambda: "must be one of " + ", ".join(str(v) for v in value),
        "maxLength": lambda: f"must be at most {value} characters",
        "minLength": lambda: f"must be at least {value} character" + ("s" if value > 1 else ""),
        "maximum": lambda: f"must be at most {value:g}",
        "minimum": lambda: f"must be at least {value:g}",
        "maxItems": lambda: f"must have at most {value} items",
        "maxProperties": lambda: f"must have at most {value} entries",
        "propertyNames": lambda: "has a name longer than allowed",
    }
    return messages.get(error.validator, lambda: "is invalid")()


def check(name: str, payload: Any) -> tuple[int, dict[str, str]] | None:
    """None when ``payload`` fits the named body's schema, else (400 or 422, errors by path)."""
    if _FAST[name].is_valid(payload):
        return None
    return named_errors(name, payload)


def named_errors(name: str, payload: Any) -> tuple[int, dict[str, str]] | None:
    """:func:`check` by jsonschema alone, which names each field (slower, for a refused body)."""
    errors: dict[str, str] = {}
    for error in _VALIDATORS[name].iter_errors(payload):
        path = ".".join(str(part) for part in error.absolute_path)
        if error.validator == "required":
            for missing in error.validator_value:
                if isinstance(payload, dict) and missing not in error.instance:
                    errors.setdefault(f"{path}.{missing}" if path else missing, "is required")
        else:
            errors.setdefault(path, _message(error))
    if not errors:
        return None
    # An envelope error (400) outranks a field's (422).
    return max(BODIES[name].status_for(path) for path in errors), errors


def _json(schema_name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}


def _statuses(*statuses: int, success: tuple[int, str, str | None] | None = None) -> dict[str, Any]:
    meanings = {
        400: "Malformed JSON, nested too deep, a refused character or an invalid envelope",
        401: "Missing or invalid token", 403: "Not allowed with this token",
        404: "Unknown questionnaire", 409: "submission_id already used with other answers",
        413: "Body or batch too large", 422: "Invalid field values (errors by field path)",
        429: "Too many requests (see Retry-After)",
        503: "Database unavailable, locked or full: retry after Retry-After seconds",
    }
    documented: dict[str, Any] = {}
    if success is not None:
        code, description, schema_name = success
        documented[str(code)] = {"description": description, **({"content": _json(schema_name)} if schema_name else {})}
    for status in statuses:
        documented[str(status)] = {"description": meanings[status], "content": _json("Error")}
    return documented


def _post(schema_name: str, summary: str, success: tuple[int, str, str | None], *statuses: int,
          security: list | None = None) -> dict[str, Any]:
    operation = {
        "summary": summary,
        "requestBody": {"required": True, "content": _json(schema_name)},
        # Every body may be too large, rate-limited, or meet a database fault.
        "responses": _statuses(*statuses, 429, 503, success=success),
    }
    if security:
        operation["security"] = security
    return {"post": operation}


def _path_parameter(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "maxLength": 200}}


def openapi(version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 description of the JSON API, from the schemas above."""
    token: list[dict[str, list[str]]] = [{"bearer": []}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Servir JSON API", "version": version,
                 "description": "Citizen-satisfaction responses, kiosks and results (design.md)."},
        "paths": {
            "/healthz": {"get": {"summary": "Health: 200 when the database would take a write",
                                 "responses": {"200": {"description": "Ready"},
                                               "503": {"description": "A write would fail now"}}}},
            "/api/v1/questionnaires": {"get": {"summary": "Published questionnaires",
                                               "responses": _statuses(503, success=(200, "Questionnaires", None))}},
            "/api/v1/questionnaires/{questionnaire_id}": {"get": {
                "summary": "A questionnaire's current definition",
                "parameters": [_path_parameter("questionnaire_id")],
                "responses": _statuses(404, 503, success=(200, "The definition", None))}},
            "/api/v1/responses": _post("Response", "Submit one response", (201, "Stored", "Receipt"),
                                      400, 401, 403, 404, 409, 413, 422),
            "/api/v1/responses/batch": _post("Batch", "Submit responses from a kiosk or staff",
                                            (200, "One result per item", None), 400, 401, 413, security=token),
            "/api/v1/kiosks/enroll": _post("Enrollment", "Exchange a one-time code for a kiosk token",
                                          (201, "Enrolled", None), 400, 403, 413),
            "/api/v1/kiosks/heartbeat": _post("Heartbeat", "A kiosk's backlog and version",
                                             (204, "Recorded", None), 400, 401, 413, 422, security=token),
            "/api/v1/kiosks/unlock": _post("Unlock", "Check the kiosk's staff PIN",
                                          (204, "Right PIN", None), 400, 401, 403, 413, security=token),
            "/api/v1/kiosks/me": {"get": {"summary": "A kiosk's settings", "security": token,
                                          "responses": _statuses(401, 503, success=(200, "Settings", None))}},
            "/api/v1/results/{questionnaire_id}": {"get": {
                "summary": "Results of one questionnaire (evaluators, admins)", "security": token,
                "parameters": [_path_parameter("questionnaire_id")] + [
                    {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
                    for name in ("cycle", "baseline", "channel", "site", "language", "weighting")],
                "responses": _statuses(400, 401, 403, 404, 503, success=(200, "Results", None))}},
        },
        "components": {
            "schemas": {**{name: body.schema for name, body in BODIES.items()},
                        "Error": ERROR, "Receipt": RECEIPT},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
