"""Reading and validating questionnaire definition files.

Validation runs in two layers and reports every problem at once:

1. ``schema.json`` (JSON Schema 2020-12, the same file authors' editors use) checks the
   structure: required fields, types, patterns, which fields each question type accepts.
2. Python checks what JSON Schema cannot: ``scale.max`` greater than ``scale.min``, labels inside
   the scale, unique question ids and option values, ``show_if`` pointing to an earlier question
   with a value that question can take, ``importance_of`` pointing to a rating question, the
   questions the commitment's target needs.

Objects are built only when both layers found nothing.

Longer than the other modules (about 700 lines) on purpose: the two layers, the messages they
give an author and the construction of the objects read one file's data in one pass and share
its paths; kept together, a new field is added in one place.
"""

from __future__ import annotations

import copy
import difflib
import json
import math
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeGuard, overload
from collections.abc import Iterable, Mapping

import jsonschema
import yaml

from .errors import DefinitionError, Issue
from .model import (
    CHANNELS,
    QUESTION_TYPES,
    DEFAULT_MAX_LENGTH,
    NA,
    Commitment,
    Condition,
    Norm,
    Option,
    Question,
    FollowUp,
    Questionnaire,
    Scale,
    Text,
    Unit,
)

PACKAGE_DIR = Path(__file__).resolve().parent
SCHEMA_PATH = PACKAGE_DIR / "schema.json"
DEMO_DIR = PACKAGE_DIR / "demo"
# Questionnaires built on public-sector measurement standards, to start a new one from.
TEMPLATES_DIR = PACKAGE_DIR / "templates"

PathT = tuple[Any, ...]


# --------------------------------------------------------------------------------------------
# JSON Schema


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def load_schema() -> dict[str, Any]:
    """The JSON Schema of the definition format (a fresh copy)."""
    return copy.deepcopy(_schema())


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    return jsonschema.Draft202012Validator(_schema())


def format_path(path: Iterable[Any]) -> str:
    """``("questions", 3, "scale", "max")`` → ``"questions[3].scale.max"``."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "empty",
}


def _did_you_mean(word: Any, choices: Iterable[Any]) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, [c for c in choices if isinstance(c, str)], n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _schema_issue(error: jsonschema.ValidationError) -> list[tuple[PathT, str]]:
    """Turn one jsonschema error into short ``(path, message)`` pairs."""
    path: PathT = tuple(error.absolute_path)
    keyword = error.validator
    sub = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance

    if "propertyNames" in error.relative_schema_path:
        return [(path + (instance,), sub.get("patternErrorMessage", "is not an allowed key"))]
    if keyword == "required":
        if not isinstance(instance, dict):
            return []
        return [(path + (name,), "is required") for name in error.validator_value if name not in instance]
    if keyword == "additionalProperties":
        known = list(sub.get("properties", {}))
        found = []
        for key in instance:
            if key in known:
                continue
            if instance[key] is None and isinstance(key, str) and " " in key.strip():
                # {fr: Rues, trottoirs} reads as two keys: the text needs quotes.
                hint = " (a comma inside { } starts a new field: put the text in quotes)"
            else:
                hint = _did_you_mean(key, known)
            found.append((path + (key,), "unknown field" + hint))
        return found
    if keyword in ("type", "not", "const", "oneOf", "anyOf") and "errorMessage" in sub:
        return [(path, sub["errorMessage"])]
    if keyword == "pattern":
        return [(path, sub.get("patternErrorMessage", f"must match {error.validator_value}"))]
    if keyword == "type":
        types: list[str] = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        names = [_TYPE_NAMES.get(t, t) for t in types]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        return [(path, f"must be {joined}")]
    if keyword == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return [(path, f"must be one of: {allowed}" + _did_you_mean(instance, error.validator_value))]
    if keyword == "const":
        return [(path, f"must be {json.dumps(error.validator_value)}")]
    if keyword == "minimum":
        return [(path, f"must be at least {error.validator_value}")]
    if keyword == "maximum":
        return [(path, f"must be at most {error.validator_value}")]
    if keyword == "minLength":
        return [(path, "must not be empty")]
    if keyword == "maxLength":
        return [(path, f"must be at most {error.validator_value} characters")]
    if keyword == "minItems":
        n = error.validator_value
        return [(path, "must not be empty" if n == 1 else f"must have at least {n} items")]
    if keyword == "uniqueItems":
        return [(path, "must not contain duplicates")]
    return [(path, error.message)]


def _jsonable_keys(data: Any) -> Any:
    """YAML allows non-string keys (``1:`` in scale labels); JSON Schema sees strings."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if isinstance(key, bool):
                key = "true" if key else "false"
            elif key is None:
                key = "null"
            elif not isinstance(key, str):
                key = str(key)
            out[key] = _jsonable_keys(value)
        return out
    if isinstance(data, list):
        return [_jsonable_keys(v) for v in data]
    return data


# --------------------------------------------------------------------------------------------
# semantic checks (on plain data that may be partly invalid: every access is guarded)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _scale_bounds(question: dict) -> tuple[int, int] | None:
    scale = question.get("scale")
    if not isinstance(scale, dict):
        return None
    lo, hi = _as_int(scale.get("min")), _as_int(scale.get("max"))
    if lo is None or hi is None or hi <= lo:
        return None
    return lo, hi


def _option_values(question: dict) -> list[str]:
    options = question.get("options")
    if not isinstance(options, list):
        return []
    return [o["value"] for o in options if isinstance(o, dict) and isinstance(o.get("value"), str)]


def _condition_value_problem(ref_id: str, ref: dict, value: Any) -> str | None:
    """Why ``value`` cannot be an answer of the referenced question (None when it can)."""
    kind = ref.get("type")
    if isinstance(value, str) and value == NA:
        return None if ref.get("allow_na") is True else f'"na" is not allowed: "{ref_id}" does not allow na'
    if kind == "yes_no" and not isinstance(value, bool):
        return f'must be true or false ("{ref_id}" is a yes_no question)'
    if kind == "rating":
        bounds = _scale_bounds(ref)
        v = _as_int(value)
        if v is None or (bounds and not bounds[0] <= v <= bounds[1]):
            where = f" from {bounds[0]} to {bounds[1]}" if bounds else ""
            return f'must be an integer{where} (a point of the scale of "{ref_id}")'
    if kind in ("choice", "multi_choice"):
        values = _option_values(ref)
        if not isinstance(value, str) or value not in values:
            return f'{json.dumps(value, ensure_ascii=False)} is not an option of "{ref_id}"'
    if kind == "number" and not _is_number(value):
        return f'must be a number ("{ref_id}" is a number question)'
    return None


def _semantic_issues(data: Any) -> list[tuple[PathT, str]]:
    out: list[tuple[PathT, str]] = []
    if not isinstance(data, dict):
        return out
    questions = data.get("questions")
    if not isinstance(questions, list):
        questions = []

    index: dict[str, tuple[int, dict]] = {}
    for i, q in enumerate(questions):
        if not isinstance(q, dict):
            continue
        here: PathT = ("questions", i)
        qid = q.get("id")
        if isinstance(qid, str):
            if qid in index:
                out.append((here + ("id",), f'duplicate question id "{qid}" (already used by questions[{index[qid][0]}])'))
            else:
                index[qid] = (i, q)
        kind = q.get("type")

        scale = q.get("scale")
        if kind == "rating" and isinstance(scale, dict):
            lo, hi = _as_int(scale.get("min")), _as_int(scale.get("max"))
            if lo is not None and hi is not None:
                if hi <= lo:
                    out.append((here + ("scale", "max"), "must be greater than min"))
                elif hi - lo > 10:
                    out.append((here + ("scale",), "must have at most 11 points"))
                labels = scale.get("labels")
                if isinstance(labels, dict) and hi > lo:
                    for key in labels:
                        point = _as_int(key) if not isinstance(key, str) else (
                            int(key) if re.fullmatch(r"-?(0|[1-9][0-9]*)", key) else None
                        )
                        if point is not None and not lo <= point <= hi:
                            out.append((here + ("scale", "labels", str(key)), f"must be a point of the scale ({lo} to {hi})"))

        if kind in ("choice", "multi_choice") and isinstance(q.get("options"), list):
            seen: dict[str, int] = {}
            for j, option in enumerate(q["options"]):
                value = option.get("value") if isinstance(option, dict) else None
                if not isinstance(value, str):
                    continue
                if value in seen:
                    out.append((here + ("options", j, "value"), f'duplicate value "{value}" (already used by options[{seen[value]}])'))
                else:
                    seen[value] = j

        if kind == "number":
            lo, hi = q.get("min"), q.get("max")
            for key in ("min", "max"):
                if isinstance(q.get(key), float) and not math.isfinite(q[key]):
                    out.append((here + (key,), "must be a finite number"))
            if _is_number(lo) and _is_number(hi) and hi <= lo:
                out.append((here + ("max",), "must be greater than min"))
            norm = q.get("norm")
            limit = norm.get("max") if isinstance(norm, dict) else None
            if _is_number(limit):
                if isinstance(limit, float) and not math.isfinite(limit):
                    out.append((here + ("norm", "max"), "must be a finite number"))
                elif (_is_number(lo) and limit < lo) or (_is_number(hi) and limit > hi):
                    out.append((here + ("norm", "max"), "must lie between the question's min and max"))

    dimension_owner: dict[str, int] = {}
    weighed_by: dict[str, int] = {}
    for i, q in enumerate(questions):
        if not isinstance(q, dict):
            continue
        here = ("questions", i)
        kind = q.get("type")

        condition = q.get("show_if")
        if isinstance(condition, dict) and isinstance(condition.get("question"), str):
            ref_id = condition["question"]
            if ref_id not in index:
                out.append((here + ("show_if", "question"), f'unknown question "{ref_id}"' + _did_you_mean(ref_id, index)))
            else:
                j, ref = index[ref_id]
                if j == i:
                    out.append((here + ("show_if", "question"), "a question cannot depend on itself"))
                elif j > i:
                    out.append((here + ("show_if", "question"), f'must refer to an earlier question ("{ref_id}" is questions[{j}])'))
                elif ref.get("type") == "text":
                    out.append((here + ("show_if", "question"), f'cannot depend on a text question ("{ref_id}")'))
                else:
                    if "equals" in condition:
                        problem = _condition_value_problem(ref_id, ref, condition["equals"])
                        if problem:
                            out.append((here + ("show_if", "equals"), problem))
                    if isinstance(condition.get("in"), list):
                        for k, value in enumerate(condition["in"]):
                            problem = _condition_value_problem(ref_id, ref, value)
                            if problem:
                                out.append((here + ("show_if", "in", k), problem))

        target = q.get("importance_of")
        if kind == "rating" and isinstance(target, str):
            path = here + ("importance_of",)
            if target == q.get("id"):
                out.append((path, "a question cannot weigh itself"))
            elif target not in index:
                out.append((path, f'unknown question "{target}"' + _did_you_mean(target, index)))
            else:
                j, ref = index[target]
                if ref.get("type") != "rating":
                    out.append((path, f'must refer to a rating question ("{target}" is {ref.get("type")})'))
                elif ref.get("importance_of") is not None:
                    out.append((path, f'must refer to a performance question, not to another importance question ("{target}")'))
                elif target in weighed_by:
                    out.append((path, f'"{target}" already has an importance question (questions[{weighed_by[target]}])'))
                else:
                    weighed_by[target] = i

        dimension = q.get("dimension")
        if dimension in ("overall", "met"):
            path = here + ("dimension",)
            wanted = "rating" if dimension == "overall" else "yes_no"
            if dimension in dimension_owner:
                out.append((path, f'only one question can have dimension "{dimension}" (already questions[{dimension_owner[dimension]}])'))
            else:
                dimension_owner[dimension] = i
            if kind in QUESTION_TYPES and kind != wanted:
                out.append((path, f'the "{dimension}" question must be a {wanted} question'))

    commitment = data.get("commitment")
    target = commitment.get("target") if isinstance(commitment, dict) else None
    indicator = target.get("indicator") if isinstance(target, dict) else None
    # A question with the dimension but the wrong type is reported above, not again here.
    if questions and indicator in ("pct_satisfied", "index") and not any(
            isinstance(q, dict) and q.get("dimension") == "overall" for q in questions):
        out.append((("commitment", "target", "indicator"), f'{indicator} needs a rating question with dimension "overall"'))
    if questions and indicator == "pct_met" and not any(
            isinstance(q, dict) and q.get("dimension") == "met" for q in questions):
        out.append((("commitment", "target", "indicator"), 'pct_met needs a yes_no question with dimension "met"'))
    return out


# --------------------------------------------------------------------------------------------
# building objects (data known to be valid)


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


@overload
def _text(d: dict) -> Text: ...
@overload
def _text(d: None) -> None: ...
def _text(d: dict | None) -> Text | None:
    if d is None:
        return None
    en = d.get("en")
    return Text(fr=_clean(d["fr"]), en=None if en is None else _clean(en))


def _number(value: Any) -> int | float:
    as_int = _as_int(value)
    return as_int if as_int is not None else float(value)


def _build_question(d: dict) -> Question:
    kind = d["type"]
    scale = None
    if kind == "rating":
        s = d["scale"]
        labels = {int(k): _text(v) for k, v in (s.get("labels") or {}).items()}
        lo, hi = _as_int(s["min"]), _as_int(s["max"])
        assert lo is not None and hi is not None  # the schema requires integer bounds
        scale = Scale(min=lo, max=hi, labels=dict(sorted(labels.items())))
    options = None
    if kind in ("choice", "multi_choice"):
        options = tuple(Option(value=o["value"], label=_text(o["label"])) for o in d["options"])
    condition = None
    if "show_if" in d:
        c = d["show_if"]
        if "in" in c:
            condition = Condition(question=c["question"], in_=tuple(_normalize_condition_value(v) for v in c["in"]))
        else:
            condition = Condition(question=c["question"], equals=_normalize_condition_value(c["equals"]))
    return Question(
        id=d["id"],
        type=kind,
        text=_text(d["text"]),
        help=_text(d.get("help")),
        required=d.get("required", False),
        allow_na=d.get("allow_na", False),
        dimension=d.get("dimension"),
        scale=scale,
        options=options,
        min=_number(d["min"]) if d.get("min") is not None else None,
        max=_number(d["max"]) if d.get("max") is not None else None,
        max_length=d.get("max_length", DEFAULT_MAX_LENGTH) if kind == "text" else None,
        show_if=condition,
        importance_of=d.get("importance_of"),
        norm=Norm(max=_number(d["norm"]["max"]), unit=d["norm"]["unit"]) if d.get("norm") else None,
        na_label=_text(d.get("na_label")),
    )


def _normalize_condition_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _build(data: dict, source: str, raw: Any) -> Questionnaire:
    c = data["commitment"]
    commitment = Commitment(
        code=c["code"],
        title=_text(c["title"]),
        norm=_text(c["norm"]),
        unit=Unit(code=c["unit"]["code"], name=_text(c["unit"]["name"])),
        target_indicator=c["target"]["indicator"],
        target_value=_number(c["target"]["value"]),
    )
    return Questionnaire(
        id=data["id"],
        title=_text(data["title"]),
        intro=_text(data.get("intro")),
        published=data.get("published", True),
        channels=tuple(data.get("channels", CHANNELS)),
        commitment=commitment,
        questions=tuple(_build_question(q) for q in data["questions"]),
        follow_up=FollowUp(**data["follow_up"]) if "follow_up" in data else None,
        reference=_text(data.get("source")),
        source=source,
        raw=raw,
    )


# --------------------------------------------------------------------------------------------
# entry points


def _line_for(path: PathT, lines: dict[PathT, int] | None) -> int | None:
    if not lines:
        return None
    path = tuple(str(p) if not isinstance(p, int) or isinstance(p, bool) else p for p in path)
    while True:
        if path in lines:
            return lines[path]
        if not path:
            return None
        path = path[:-1]


def _issues(source: str, found: Iterable[tuple[PathT, str]], lines: dict[PathT, int] | None = None) -> list[Issue]:
    issues: list[Issue] = []
    seen: set[tuple[str, str]] = set()
    for path, message in found:
        text_path = format_path(path)
        if (text_path, message) in seen:
            continue
        seen.add((text_path, message))
        issues.append(Issue(source, text_path, message, _line_for(path, lines)))
    return issues


def _parse(data: Any, source: str, raw: Any, lines: dict[PathT, int] | None = None, extra: Iterable[tuple[PathT, str]] = ()) -> Questionnaire:
    found: list[tuple[PathT, str]] = list(extra)
    checked = _jsonable_keys(data)
    for error in _validator().iter_errors(checked):
        found.extend(_schema_issue(error))
    found.extend(_semantic_issues(checked))
    if found:
        issues = _issues(source, found, lines)
        if lines:
            issues.sort(key=lambda issue: issue.line or 0)
        raise DefinitionError(issues)
    return _build(checked, source, raw)


def parse(data: dict, source: str = "<string>") -> Questionnaire:
    """Validate plain definition data (as loaded from YAML or JSON) and build the questionnaire.

    Raises :class:`DefinitionError` listing every problem.
    """
    raw = copy.deepcopy(data)
    return _parse(raw, source, raw)


def from_dict(d: dict) -> Questionnaire:
    """Rebuild a questionnaire from ``Questionnaire.to_dict()`` output (e.g. stored JSON)."""
    return parse(d, source=str(d.get("id", "<definition>")) if isinstance(d, dict) else "<definition>")


def content_hash(questionnaire: Questionnaire | Mapping[str, Any]) -> str:
    """A stable version identifier: the first 12 hex digits of the SHA-256 of the canonical JSON.

    It depends on the content only: not on YAML formatting, key order, comments, anchors,
    surrounding whitespace of texts or defaults written out or left implicit. ``published`` is
    left out (publishing or withdrawing a questionnaire does not make a new version of it).
    A mapping is parsed first (a raw definition or the output of ``to_dict()``).
    """
    if not isinstance(questionnaire, Questionnaire):
        questionnaire = parse(dict(questionnaire), source="<definition>")
    return questionnaire.version


# YAML: a safe loader with YAML 1.2 booleans (only true/false; ``no``, ``on``, ``oui`` stay
# strings, as in authors' editors) and no timestamps (``2024-05-01`` stays a string).
class _Loader(yaml.SafeLoader):
    pass


_BOOL = "tag:yaml.org,2002:bool"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL, _TIMESTAMP)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _walk(node: yaml.Node, path: PathT, lines: dict[PathT, int], duplicates: list[tuple[PathT, str]], stack: set[int]) -> None:
    if id(node) in stack:
        duplicates.append((path, "recursive alias"))
        return
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        stack.add(id(node))
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
                continue
            child = path + (key_node.value,)
            if key_node.value in seen:
                duplicates.append((child, f"duplicate key (line {key_node.start_mark.line + 1}); each key may appear once"))
            seen.add(key_node.value)
            lines.setdefault(child, key_node.start_mark.line + 1)
            _walk(value_node, child, lines, duplicates, stack)
        stack.discard(id(node))
    elif isinstance(node, yaml.SequenceNode):
        stack.add(id(node))
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), lines, duplicates, stack)
        stack.discard(id(node))


def parse_yaml(text: str, source: str = "<string>") -> Questionnaire:
    """Parse and validate the YAML text of one definition file."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        lines: dict[PathT, int] = {}
        problems: list[tuple[PathT, str]] = []
        if node is not None:
            _walk(node, (), lines, problems, set())
        if any(message == "recursive alias" for _, message in problems):
            raise DefinitionError([Issue(source, "", "recursive YAML aliases are not allowed")])
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        if context and problem.startswith("but "):  # "expected a single document ... but found another"
            problem = f"{context}, {problem}"
        if mark is not None:
            message = f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}"
            if "'?'" in problem:
                message += " (inside { } a text containing ? must be in quotes)"
            elif "mapping values are not allowed" in problem:
                message += ' (a text containing ": " must be in quotes)'
            raise DefinitionError([Issue(source, "", message, mark.line + 1)]) from None
        raise DefinitionError([Issue(source, "", f"invalid YAML: {problem}")]) from None
    finally:
        loader.dispose()
    if data is None:
        raise DefinitionError([Issue(source, "", "the file is empty")])
    return _parse(data, source, data, lines, problems)


def load_file(path: str | Path) -> Questionnaire:
    """Read, parse and validate one YAML definition file (errors name the file by its name)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DefinitionError([Issue(path.name, "", f"is not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    except OSError as exc:
        raise DefinitionError([Issue(path.name, "", f"cannot be read: {exc.strerror or exc}")]) from None
    return parse_yaml(text, source=path.name)


def load_dir(path: str | Path) -> list[Questionnaire]:
    """Load every ``*.yaml`` / ``*.yml`` file of a directory, sorted by file name.

    Every file is checked; problems from all of them are raised together in one
    :class:`DefinitionError`, which also reports a questionnaire id or a commitment code used
    by two files and a unit code given two different names.
    """
    directory = Path(path)
    if not directory.is_dir():
        raise DefinitionError([Issue(str(directory), "", "is not a directory")])
    files = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    loaded: list[Questionnaire] = []
    issues: list[Issue] = []
    for file in files:
        try:
            loaded.append(load_file(file))
        except DefinitionError as exc:
            issues.extend(exc.errors)

    ids: dict[str, str] = {}
    codes: dict[str, str] = {}
    units: dict[str, tuple[Text, str]] = {}
    for q in loaded:
        if q.id in ids:
            issues.append(Issue(q.source, "id", f'duplicate questionnaire id "{q.id}" (also in {ids[q.id]})'))
        else:
            ids[q.id] = q.source
        code = q.commitment.code
        if code in codes:
            issues.append(Issue(q.source, "commitment.code", f'commitment {code} already has a questionnaire ({codes[code]})'))
        else:
            codes[code] = q.source
        unit = q.commitment.unit
        if unit.code in units and units[unit.code][0] != unit.name:
            issues.append(Issue(q.source, "commitment.unit.name", f"differs from the name of unit {unit.code} in {units[unit.code][1]}"))
        else:
            units.setdefault(unit.code, (unit.name, q.source))
    if issues:
        raise DefinitionError(issues)
    return loaded


def load_demo() -> list[Questionnaire]:
    """The demo declaration shipped in ``questionnaires/demo``."""
    return load_dir(DEMO_DIR)


def load_templates() -> list[Questionnaire]:
    """The template questionnaires shipped in ``questionnaires/templates``."""
    return load_dir(TEMPLATES_DIR)


def missing_translations(questionnaire: Questionnaire, lang: str = "en") -> list[str]:
    """Paths of the texts that have no ``lang`` version (French is always present)."""
    missing: list[str] = []

    def visit(node: Any, path: PathT) -> None:
        if isinstance(node, dict):
            if "fr" in node and isinstance(node["fr"], str):
                if not node.get(lang):
                    missing.append(format_path(path))
                return
            for key, value in node.items():
                visit(value, path + (key,))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                visit(value, path + (i,))

    visit(questionnaire.to_dict(), ())
    return missing
