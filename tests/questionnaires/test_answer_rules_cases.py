"""The shared answer-rule cases (tests/cases/answer_rules.json) against ``questionnaires``.

The same file is run by ``node --test`` against the kiosk's ``rules.js``
(tests/kiosk_js/rules.test.mjs), so the server's rules and the kiosk's cannot drift apart.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import questionnaires as qn

CASES_FILE = Path(__file__).resolve().parent.parent / "cases" / "answer_rules.json"
CASES = json.loads(CASES_FILE.read_text(encoding="utf-8"))
DEFINITION = qn.from_dict(CASES["definition"])


def test_the_cases_definition_is_what_the_server_serves():
    # The kiosk's tests read the definition as written in the file: it must be the canonical
    # form, so that its rule fields are those answer_rules() serves.
    canonical = DEFINITION.to_dict()
    canonical.pop("published")
    assert canonical == CASES["definition"]
    for question, written in zip(DEFINITION.questions, CASES["definition"]["questions"]):
        assert qn.answer_rules(question) == {name: written.get(name) for name in qn.RULE_FIELDS}


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["name"] for c in CASES["cases"]])
def test_answer_rule_case(case):
    check = qn.check_answers(DEFINITION, case["answers"])
    expected = case["expected"]
    assert check.valid is expected["valid"]
    assert check.codes == expected["errors"]
    assert set(check.errors) == set(expected["errors"])
    assert set(check.codes.values()) <= set(qn.ERROR_CODES)
    assert list(check.shown) == expected["shown"]
    if check.valid:
        assert check.answers.as_dict() == expected["answers"]
        assert list(check.answers.as_dict()) == list(expected["answers"])  # question order
