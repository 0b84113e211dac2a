"""The contract's two validators (the compiled one that says yes or no, jsonschema that names
the fields) agree on every body: a body the fast one lets through is one jsonschema accepts."""
from __future__ import annotations

import pytest

from survey_app import contract

BODIES = [
    {"submission_id": "0b5f7c1e-2f59-4a5e-9d4e-52f1f3c1a8a0", "questionnaire": "comptoir", "answers": {"overall": 5}},
    {"submission_id": "0b5f7c1e-2f59-4a5e-9d4e-52f1f3c1a8a0", "questionnaire": "comptoir",
     "answers": {"overall": True, "why": "Très bien", "tags": ["a", 1, False], "n": None, "x": "na"}},
    {"submission_id": "pas-un-uuid", "questionnaire": "comptoir", "answers": {}},  # formats are not checked
    {"submission_id": "0b5f7c1e", "questionnaire": "", "answers": {}},
    {"submission_id": "0b5f7c1e", "questionnaire": "comptoir", "answers": {"overall": 1e16}},
    {"submission_id": "0b5f7c1e", "questionnaire": "comptoir", "answers": {"overall": -10**15}},
    {"submission_id": "0b5f7c1e", "questionnaire": "comptoir", "answers": {"overall": {"nested": 1}}},
    {"submission_id": "0b5f7c1e", "questionnaire": "comptoir", "answers": {"overall": [[1]]}},
    {"submission_id": "0b5f7c1e", "questionnaire": "comptoir", "answers": {"a" * 201: 1}},
    {"submission_id": "0b5f7c1e", "questionnaire": "comptoir", "answers": {"t": "é" * 20000}},
    {"submission_id": "0b5f7c1e", "questionnaire": "comptoir", "answers": {"t": "é" * 20001}},
    {"submission_id": 12, "questionnaire": "comptoir", "answers": {}},
    {"submission_id": "0b5f7c1e", "questionnaire": "comptoir", "answers": [], "channel": "fax"},
    {"submission_id": "0b5f7c1e", "questionnaire": "comptoir", "answers": {}, "language": "de", "partial": 1},
    {"submission_id": "0b5f7c1e", "questionnaire": "comptoir", "answers": {}, "version": None, "cycle": None,
     "extra": "kept by additionalProperties' absence"},
    {"questionnaire": "comptoir"},
    [],
    "body",
    None,
]


@pytest.mark.parametrize("body", BODIES)
def test_the_fast_check_and_jsonschema_agree_on_a_response(body):
    refusal = contract.check("Response", body)
    assert refusal == contract.named_errors("Response", body)
    if refusal is not None:
        assert refusal[1]  # every refusal names a field


@pytest.mark.parametrize("name, body", [
    ("Heartbeat", {"backlog": 3, "app_version": "1.2"}),
    ("Heartbeat", {"backlog": -1}),
    ("Heartbeat", {"backlog": 2.5}),
    ("Heartbeat", {"backlog": True}),
    ("Batch", {"responses": [{"anything": 1}]}),
    ("Batch", {"responses": {}}),
    ("Enrollment", {"code": "x" * 101}),
    ("Unlock", {"pin": "1234"}),
])
def test_the_fast_check_and_jsonschema_agree_on_the_other_bodies(name, body):
    assert contract.check(name, body) == contract.named_errors(name, body)
