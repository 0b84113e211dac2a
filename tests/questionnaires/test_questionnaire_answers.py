"""Submission rules (the same for the web form and the JSON API) and the storage format.

The fixture questionnaire has: overall (rating 1-5, required), met (yes_no, na allowed),
contact (choice web|counter, na allowed), timeliness (rating 1-5, na allowed),
topics (multi_choice taxes|permits|leisure), delay (number 0-365, shown if met is false),
comment (text, at most 20 characters).
"""

from decimal import Decimal

import pytest

import questionnaires as qn


def errors(q, answers):
    with pytest.raises(qn.AnswerError) as info:
        qn.validate_answers(q, answers)
    return info.value.errors


def test_valid_answers_come_back_normalized_in_question_order(questionnaire):
    result = qn.validate_answers(questionnaire, {
        "comment": "  Merci!\r\n  ", "delay": 12, "met": False, "overall": 4,
        "topics": ["leisure", "taxes"], "contact": "na", "timeliness": 2,
    })
    assert [a.question_id for a in result] == ["overall", "met", "contact", "timeliness", "topics", "delay", "comment"]
    assert result.as_dict() == {
        "overall": 4, "met": False, "contact": "na", "timeliness": 2,
        "topics": ["taxes", "leisure"],  # option order, whatever the order sent
        "delay": 12, "comment": "Merci!",
    }
    assert result.get("contact") == qn.Answer("contact", "na", True, None, None)
    assert result.get("topics").text == "taxes|leisure"
    assert result.get("met").numeric == 0.0
    assert result.get("absent") is None


def test_unknown_question(questionnaire):
    assert errors(questionnaire, {"overall": 4, "colour": "blue"}) == {"answers.colour": "unknown question"}


def test_missing_required_answer(questionnaire):
    assert errors(questionnaire, {"met": True}) == {"overall": "an answer is required"}
    assert errors(questionnaire, {"overall": None, "met": True}) == {"overall": "an answer is required"}


@pytest.mark.parametrize("value", [True, 4.0, "4", 0, 6, [4], {"v": 4}])
def test_rating_must_be_an_integer_within_the_scale(questionnaire, value):
    assert errors(questionnaire, {"overall": value}) == {"overall": "must be an integer from 1 to 5"}


def test_rating_accepts_na_only_where_allowed(questionnaire):
    assert errors(questionnaire, {"overall": "na"}) == {"overall": '"na" is not allowed for this question'}
    assert qn.validate_answers(questionnaire, {"overall": 3, "timeliness": "na"}).get("timeliness").is_na
    assert errors(questionnaire, {"overall": 3, "timeliness": 9}) == {
        "timeliness": 'must be an integer from 1 to 5, or "na"'}


@pytest.mark.parametrize("value", [1, 0, "true", "oui", 1.0])
def test_yes_no_must_be_a_boolean(questionnaire, value):
    assert errors(questionnaire, {"overall": 3, "met": value}) == {"met": 'must be true or false, or "na"'}


@pytest.mark.parametrize("value", ["fax", "Web", 1, True, ["web"]])
def test_choice_must_be_an_option_value(questionnaire, value):
    assert errors(questionnaire, {"overall": 3, "contact": value}) == {
        "contact": 'must be one of: web, counter, or "na"'}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("taxes", "must be a list of options among: taxes, permits, leisure"),
        (["taxes", "fax"], "'fax' is not one of: taxes, permits, leisure"),
        (["taxes", 3], "3 is not one of: taxes, permits, leisure"),
        (["taxes", "taxes"], "must not repeat an option"),
        ("na", '"na" is not allowed for this question'),
    ],
)
def test_multi_choice_must_be_a_list_of_unique_option_values(questionnaire, value, message):
    assert errors(questionnaire, {"overall": 3, "topics": value}) == {"topics": message}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "must be a number"),
        ("12", "must be a number"),
        (-1, "must be at least 0"),
        (365.5, "must be at most 365"),
        (float("nan"), "must be a finite number"),
        (float("inf"), "must be a finite number"),
        (10**400, "must be a finite number"),
    ],
)
def test_number_must_be_a_finite_number_within_bounds(questionnaire, value, message):
    assert errors(questionnaire, {"overall": 3, "met": False, "delay": value}) == {"delay": message}


def test_number_accepts_int_and_float(questionnaire):
    assert qn.validate_answers(questionnaire, {"overall": 3, "met": False, "delay": 2.5}).get("delay").value == 2.5
    assert qn.validate_answers(questionnaire, {"overall": 3, "met": False, "delay": 365}).get("delay").value == 365


def test_text_is_stripped_and_limited(questionnaire):
    assert errors(questionnaire, {"overall": 3, "comment": "x" * 21}) == {"comment": "must be at most 20 characters"}
    assert errors(questionnaire, {"overall": 3, "comment": 5}) == {"comment": "must be a string"}
    assert errors(questionnaire, {"overall": 3, "comment": "\ud800"}) == {"comment": "contains invalid characters"}
    ok = qn.validate_answers(questionnaire, {"overall": 3, "comment": "  " + "x" * 20 + "\n\n"})
    assert ok.get("comment").value == "x" * 20
    # "na" is a plain text on a text question.
    assert qn.validate_answers(questionnaire, {"overall": 3, "comment": "na"}).get("comment").value == "na"
    assert qn.validate_answers(questionnaire, {"overall": 3, "comment": "a\x00b"}).get("comment").value == "ab"


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_empty_values_mean_no_answer(questionnaire, empty):
    result = qn.validate_answers(questionnaire, {"overall": 3, "contact": empty, "comment": empty, "topics": []})
    assert [a.question_id for a in result] == ["overall"]


def test_answer_to_a_hidden_question_is_dropped(questionnaire):
    # delay is shown only when met is false.
    assert qn.validate_answers(questionnaire, {"overall": 3, "met": True, "delay": 4}).get("delay") is None
    assert qn.validate_answers(questionnaire, {"overall": 3, "delay": 4}).get("delay") is None
    assert qn.validate_answers(questionnaire, {"overall": 3, "met": "na", "delay": 4}).get("delay") is None
    # Dropped even when the hidden answer is invalid: the citizen never saw the question.
    assert qn.validate_answers(questionnaire, {"overall": 3, "met": True, "delay": "beaucoup"}).get("delay") is None
    assert qn.validate_answers(questionnaire, {"overall": 3, "met": False, "delay": 4}).get("delay").value == 4


def test_required_only_when_shown(definition):
    definition["questions"][5]["required"] = True  # delay, shown if met is false
    q = qn.parse(definition)
    assert qn.validate_answers(q, {"overall": 3, "met": True})
    assert errors(q, {"overall": 3, "met": False}) == {"delay": "an answer is required"}
    # When the controlling answer is itself invalid, only that error is reported.
    assert errors(q, {"overall": 3, "met": "maybe"}) == {"met": 'must be true or false, or "na"'}


def test_hidden_question_hides_its_dependents(definition):
    definition["questions"].append({
        "id": "why", "type": "text", "required": True, "text": {"fr": "Pourquoi?"},
        "show_if": {"question": "delay", "in": [30, 60]},
    })
    q = qn.parse(definition)
    # met true hides delay, and so hides why, even though delay was sent as 30.
    assert qn.validate_answers(q, {"overall": 3, "met": True, "delay": 30}).as_dict() == {"overall": 3, "met": True}
    assert errors(q, {"overall": 3, "met": False, "delay": 30}) == {"why": "an answer is required"}


def test_show_if_on_multi_choice_and_na(definition):
    definition["questions"].append({
        "id": "tax_detail", "type": "yes_no", "text": {"fr": "Taxes?"}, "show_if": {"question": "topics", "equals": "taxes"}})
    definition["questions"].append({
        "id": "why_na", "type": "text", "text": {"fr": "Pourquoi?"}, "show_if": {"question": "contact", "equals": "na"}})
    q = qn.parse(definition)
    assert qn.validate_answers(q, {"overall": 3, "topics": ["permits", "taxes"], "tax_detail": True}).get("tax_detail")
    assert qn.validate_answers(q, {"overall": 3, "topics": ["permits"], "tax_detail": True}).get("tax_detail") is None
    assert qn.validate_answers(q, {"overall": 3, "contact": "na", "why_na": "Oublié"}).get("why_na").value == "Oublié"
    assert qn.validate_answers(q, {"overall": 3, "contact": "web", "why_na": "Oublié"}).get("why_na") is None


def test_condition_does_not_confuse_booleans_and_integers():
    assert qn.Condition("met", equals=False).holds({"met": False})
    assert not qn.Condition("met", equals=False).holds({"met": 0})
    assert not qn.Condition("score", in_=(1, 2)).holds({"score": True})
    assert qn.Condition("score", in_=(1, 2)).holds({"score": 2})
    assert not qn.Condition("score", equals=1).holds({})


def test_every_error_is_collected(questionnaire):
    assert errors(questionnaire, {
        "overall": 9, "met": "yes", "contact": "fax", "topics": "taxes", "comment": 3, "x": 1, "y": 2,
    }) == {
        "answers.x": "unknown question",
        "answers.y": "unknown question",
        "overall": "must be an integer from 1 to 5",
        "met": 'must be true or false, or "na"',
        "contact": 'must be one of: web, counter, or "na"',
        "topics": "must be a list of options among: taxes, permits, leisure",
        "comment": "must be a string",
    }


def test_answers_must_be_a_mapping_and_not_empty(definition):
    definition["questions"][0]["required"] = False
    q = qn.parse(definition)
    assert errors(q, ["overall", 4]) == {"answers": "must be an object mapping question ids to answers"}
    assert errors(q, {}) == {"answers": "no answer given"}
    assert errors(q, {"comment": "  "}) == {"answers": "no answer given"}


def test_answer_error_message_lists_fields(questionnaire):
    with pytest.raises(qn.AnswerError) as info:
        qn.validate_answers(questionnaire, {"overall": 0})
    assert str(info.value) == "overall: must be an integer from 1 to 5"


# --- storage ---------------------------------------------------------------------------------

ROUND_TRIPS = [
    ("overall", 4, (4.0, None, False)),
    ("met", True, (1.0, None, False)),
    ("met", False, (0.0, None, False)),
    ("met", "na", (None, None, True)),
    ("contact", "counter", (None, "counter", False)),
    ("contact", "na", (None, None, True)),
    ("timeliness", "na", (None, None, True)),
    ("topics", ["taxes", "leisure"], (None, "taxes|leisure", False)),
    ("topics", ["permits"], (None, "permits", False)),
    ("delay", 12, (12.0, None, False)),
    ("delay", 2.5, (2.5, None, False)),
    ("comment", "Très bien | merci", (None, "Très bien | merci", False)),
    ("comment", "na", (None, "na", False)),
]


@pytest.mark.parametrize(("question_id", "value", "row"), ROUND_TRIPS)
def test_storage_round_trip(questionnaire, question_id, value, row):
    question = questionnaire.question(question_id)
    assert qn.answer_to_storage(question, value) == row
    back = qn.storage_to_answer(question, *row)
    assert back == value and type(back) is type(value)


def test_validated_answers_carry_their_storage_row(questionnaire):
    answers = {"overall": 5, "met": False, "contact": "na", "topics": ["leisure", "permits"], "delay": 3, "comment": "Bien"}
    for answer in qn.validate_answers(questionnaire, answers):
        question = questionnaire.question(answer.question_id)
        assert (answer.numeric, answer.text, answer.is_na) == qn.answer_to_storage(question, answer.value)
        assert qn.storage_to_answer(question, answer.numeric, answer.text, answer.is_na) == answer.value


def test_storage_reads_database_types(questionnaire):
    assert qn.storage_to_answer(questionnaire.question("overall"), Decimal("4"), None, False) == 4
    assert qn.storage_to_answer(questionnaire.question("met"), Decimal("0"), None, False) is False
    assert qn.storage_to_answer(questionnaire.question("delay"), 3.0, None, False) == 3


def test_storage_refuses_invalid_or_empty_values(questionnaire):
    with pytest.raises(ValueError, match="overall: must be an integer from 1 to 5"):
        qn.answer_to_storage(questionnaire.question("overall"), 7)
    with pytest.raises(ValueError, match="no answer to store"):
        qn.answer_to_storage(questionnaire.question("comment"), "  ")
    with pytest.raises(ValueError, match="no numeric value"):
        qn.storage_to_answer(questionnaire.question("overall"), None, None, False)
    with pytest.raises(ValueError, match="no text"):
        qn.storage_to_answer(questionnaire.question("contact"), None, None, False)
