"""The demo declaration shipped with the package: complete, bilingual, answerable."""

import pytest

import questionnaires as qn

DRIVERS = ("timeliness", "competence", "courtesy", "fairness", "outcome")
DEMO = qn.load_demo()


def by_dimension(q, dimension):
    return [question for question in q.questions if question.dimension == dimension]


def test_demo_declaration_has_six_commitments_from_six_units():
    assert len(DEMO) >= 6
    assert len({q.commitment.code for q in DEMO}) == len(DEMO)
    assert len({q.commitment.unit.code for q in DEMO}) == len(DEMO)
    assert {q.id for q in DEMO} >= {
        "ligne-311", "demande-ecrite", "permis-simple", "attente-comptoir", "accueil-bibliotheques", "information-en-ligne",
    }
    assert qn.load_dir(qn.DEMO_DIR) == DEMO
    assert all(q.published for q in DEMO)


@pytest.mark.parametrize("q", DEMO, ids=lambda q: q.id)
def test_each_demo_questionnaire_has_the_required_questions(q):
    (overall,) = by_dimension(q, "overall")
    assert (overall.id, overall.type, overall.required) == ("overall", "rating", True)
    assert (overall.scale.min, overall.scale.max) == (1, 5)
    assert sorted(overall.scale.labels) == [1, 2, 3, 4, 5]

    (met,) = by_dimension(q, "met")
    assert (met.type, met.allow_na) == ("yes_no", True)

    for driver in DRIVERS:
        (question,) = by_dimension(q, driver)
        assert question.type == "rating" and question.allow_na and not question.required
        assert question.scale == overall.scale

    comments = [question for question in q.questions if question.type == "text"]
    assert [c.id for c in comments] == ["comment"] and not comments[0].required

    for question in q.questions:
        if question.type == "rating":
            assert sorted(question.scale.labels) == question.scale.values

    assert 50 <= q.commitment.target_value <= 95  # a realistic target


@pytest.mark.parametrize("q", DEMO, ids=lambda q: q.id)
def test_each_demo_questionnaire_is_complete_in_both_languages(q):
    assert qn.missing_translations(q, "en") == []
    for question in q.questions:
        assert question.text.fr != question.text.en
        assert question.text.fr.endswith("?")
    assert q.intro is not None and q.commitment.norm.en


@pytest.mark.parametrize("q", DEMO, ids=lambda q: q.id)
def test_each_demo_questionnaire_accepts_a_complete_response(q):
    answers = {}
    for question in q.questions:
        if question.type == "rating":
            answers[question.id] = question.scale.max
        elif question.type == "yes_no":
            answers[question.id] = False  # also shows the "not met" follow-ups
        elif question.type == "choice":
            answers[question.id] = question.options[0].value
        elif question.type == "multi_choice":
            answers[question.id] = [o.value for o in question.options[:2]]
        elif question.type == "number":
            answers[question.id] = question.min if question.min is not None else 1
        else:
            answers[question.id] = "Très bon service, merci."
    result = qn.validate_answers(q, answers)
    assert [a.question_id for a in result] == [question.id for question in q.questions]
    assert qn.validate_answers(q, {"overall": 4}).as_dict() == {"overall": 4}
    with pytest.raises(qn.AnswerError) as info:
        qn.validate_answers(q, {"met": True})
    assert info.value.errors == {"overall": "an answer is required"}


def test_importance_questions_weigh_a_driver():
    pairs = [(q.id, question.importance_of) for q in DEMO for question in q.questions if question.importance_of]
    assert pairs and all(target in DRIVERS for _, target in pairs)
