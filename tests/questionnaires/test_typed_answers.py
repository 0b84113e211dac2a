"""Typed rows (a CSV import) follow the submission rules exactly: ``TypedAnswers`` gives the
rows and errors that ``answer_from_text`` then ``check_answers`` give, whether a cell's text
was read before or not.

The fixture questionnaire (see test_questionnaire_answers.py): overall (rating 1-5, required),
met (yes_no, na), contact (choice web|counter, na), timeliness (rating 1-5, na), topics
(multi_choice taxes|permits|leisure), delay (number 0-365, shown if met is false), comment
(text, at most 20 characters).
"""

import pytest

import questionnaires as qn

COLUMNS = ["sheet", "overall", "met", "contact", "timeliness", "topics", "delay", "comment"]

ROWS = [
    ["1", "5", "oui", "2", "na", "taxes|leisure", "", "Merci"],
    ["2", "4", "non", "web", "3", "", "12,5", ""],
    ["3", "4", "oui", "", "", "", "12", ""],          # delay hidden: ignored, not stored
    ["4", "", "non", "", "", "", "", ""],             # overall required
    ["5", "9", "peut-être", "3", "0", "shoes", "-3", "x" * 30],  # every kind of wrong value
    ["6", "", "", "", "", "", "", ""],                # no answer but the required one
    ["7", "na", "", "", "", "", "", ""],              # overall does not allow na
    ["8", "3", "na", "", "", "1 3", "", "  "],
    ["9", "2", "non", "", "", "", "-0.0", ""],
]


def expected(questionnaire, cells):
    answers = {}
    for name, cell in zip(COLUMNS, cells):
        if name in questionnaire:
            value = qn.answer_from_text(questionnaire.question(name), cell)
            if value is not None:
                answers[name] = value
    check = qn.check_answers(questionnaire, answers)
    return [(a.question_id, a.numeric, a.text, a.is_na) for a in check.answers], check.errors


@pytest.mark.parametrize("cells", ROWS, ids=[row[0] for row in ROWS])
def test_a_typed_row_gets_the_rows_and_errors_of_the_submission_rules(questionnaire, cells):
    reader = qn.TypedAnswers(questionnaire, [name if name in questionnaire else None for name in COLUMNS])
    for _first_then_from_what_was_read in range(2):
        rows, errors = reader.check(cells)
        want_rows, want_errors = expected(questionnaire, cells)
        assert rows == want_rows and [repr(r) for r in rows] == [repr(r) for r in want_rows]
        assert {k: str(v) for k, v in errors.items()} == {k: str(v) for k, v in want_errors.items()}


def test_the_rules_hold_for_every_row_of_a_file_read_in_one_reader(questionnaire):
    reader = qn.TypedAnswers(questionnaire, [name if name in questionnaire else None for name in COLUMNS])
    for cells in ROWS * 3:
        rows, errors = reader.check(cells)
        want_rows, want_errors = expected(questionnaire, cells)
        assert rows == want_rows and errors.keys() == want_errors.keys()
    assert reader.check(ROWS[2])[0] == [("overall", 4.0, None, False), ("met", 1.0, None, False)]
    assert "overall" in reader.check(ROWS[3])[1]


def test_options_already_read_join_the_question(questionnaire):
    reader = qn.TypedAnswers(questionnaire, ["overall"])
    rows, errors = reader.check(["4"], {"topics": ["permits", "taxes"]})
    assert not errors and ("topics", None, "taxes|permits", False) in rows


def test_a_column_that_is_not_a_question_is_refused(questionnaire):
    with pytest.raises(ValueError, match="colour"):
        qn.TypedAnswers(questionnaire, ["overall", "colour"])
