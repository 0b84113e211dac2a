"""A number question that declares the norm it measures: parsed, kept in the canonical form,
checked (unit, bounds, type), and declared by the demo's delay and wait questions."""

import pytest

import questionnaires as qn


def test_norm_is_parsed_and_kept_in_the_canonical_form(definition):
    definition["questions"][5]["norm"] = {"max": 10, "unit": "working_days"}
    parsed = qn.parse(definition)
    question = parsed.question("delay") if hasattr(parsed, "question") else parsed.questions[5]
    assert question.norm == qn.Norm(10, "working_days")
    assert question.norm.kept_by(10) and not question.norm.kept_by(10.5)
    assert question.to_dict()["norm"] == {"max": 10, "unit": "working_days"}
    assert qn.from_dict(parsed.to_dict()) == parsed


def test_a_norm_changes_the_version(definition):
    before = qn.parse(definition).version
    definition["questions"][5]["norm"] = {"max": 10, "unit": "working_days"}
    assert qn.parse(definition).version != before


@pytest.mark.parametrize("index, norm, path, message", [
    (5, {"max": 10, "unit": "weeks"}, "questions[5].norm.unit", None),
    (5, {"max": 10}, "questions[5].norm.unit", None),
    (5, {"max": 400, "unit": "days"}, "questions[5].norm.max", "must lie between the question's min and max"),
    (0, {"max": 4, "unit": "days"}, "questions[0].norm", "only allowed on number questions"),
])
def test_a_faulty_norm_is_reported_with_its_path(definition, issues_of, index, norm, path, message):
    definition["questions"][index]["norm"] = norm
    issues = issues_of(definition)
    assert [p for p, _ in issues] == [path]
    if message:
        assert issues[0][1] == message


def test_schema_units_are_the_norm_units():
    schema = qn.load_schema()
    units = schema["$defs"]["question"]["properties"]["norm"]["properties"]["unit"]["enum"]
    assert tuple(units) == qn.NORM_UNITS


def test_demo_delay_and_wait_questions_declare_their_norms():
    norms = {(q.id, x.id): x.norm for q in qn.load_demo() for x in q.questions if x.norm}
    assert norms == {("permis-simple", "delay_days"): qn.Norm(10, "working_days"),
                     ("attente-comptoir", "wait_minutes"): qn.Norm(15, "minutes")}
