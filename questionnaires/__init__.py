"""Questionnaire definitions for Servir: the YAML format, its validation and its versions.

A pure library (PyYAML, jsonschema and the standard library only)::

    from questionnaires import load_dir, validate_answers

    for q in load_dir("questionnaires/demo"):       # DefinitionError lists every problem
        print(q.id, q.version, q.commitment.code)
    answers = validate_answers(q, {"overall": 4})    # AnswerError maps field → message
    rows = [(a.question_id, a.numeric, a.text, a.is_na) for a in answers]
"""

from .answers import (
    ERROR_CODES,
    MULTI_SEPARATOR,
    RULE_FIELDS,
    Answer,
    AnswerCheck,
    TypedAnswers,
    ValidatedAnswers,
    answer_from_text,
    answer_rules,
    answer_to_storage,
    check_answers,
    storage_to_answer,
    validate_answers,
)
from .errors import AnswerError, DefinitionError, Issue, Message
from .model import (
    CHANNELS,
    NA,
    NORM_UNITS,
    QUESTION_TYPES,
    TARGET_INDICATORS,
    Commitment,
    Condition,
    Norm,
    FollowUp,
    Option,
    Question,
    Questionnaire,
    Scale,
    Text,
    Unit,
)
from .parser import (
    DEMO_DIR,
    SCHEMA_PATH,
    TEMPLATES_DIR,
    content_hash,
    format_path,
    from_dict,
    load_demo,
    load_dir,
    load_file,
    load_schema,
    load_templates,
    missing_translations,
    parse,
    parse_yaml,
)
from .versioning import CHANGE_KINDS, Change, compare_versions

__all__ = [
    "Answer",
    "AnswerCheck",
    "AnswerError",
    "TypedAnswers",
    "CHANGE_KINDS",
    "CHANNELS",
    "Change",
    "Commitment",
    "Condition",
    "DEMO_DIR",
    "FollowUp",
    "TEMPLATES_DIR",
    "DefinitionError",
    "ERROR_CODES",
    "Issue",
    "Message",
    "MULTI_SEPARATOR",
    "NA",
    "Option",
    "QUESTION_TYPES",
    "RULE_FIELDS",
    "Question",
    "Questionnaire",
    "SCHEMA_PATH",
    "Norm",
    "NORM_UNITS",
    "Scale",
    "TARGET_INDICATORS",
    "Text",
    "Unit",
    "ValidatedAnswers",
    "answer_from_text",
    "answer_rules",
    "answer_to_storage",
    "check_answers",
    "compare_versions",
    "content_hash",
    "format_path",
    "from_dict",
    "load_demo",
    "load_dir",
    "load_file",
    "load_schema",
    "load_templates",
    "missing_translations",
    "parse",
    "parse_yaml",
    "storage_to_answer",
    "validate_answers",
]
