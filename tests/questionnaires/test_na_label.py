"""A question can name its own opt-out (``na_label``): personal questions offer "Préfère ne pas
répondre" rather than "Ne sais pas / ne s'applique pas"; questions without one keep their hash."""
from __future__ import annotations

import dataclasses

import questionnaires as qn


def demo(questionnaire_id: str) -> qn.Questionnaire:
    return next(d for d in qn.load_dir(qn.DEMO_DIR) if d.id == questionnaire_id)


def test_personal_questions_of_the_demo_name_their_opt_out():
    definition = demo("accueil-bibliotheques")
    for question_id in ("age_group", "district"):
        question = definition.question(question_id)
        assert question.allow_na
        assert question.na_label == qn.Text("Préfère ne pas répondre", "Prefer not to answer")
        assert question.to_dict()["na_label"] == {"fr": "Préfère ne pas répondre", "en": "Prefer not to answer"}


def test_a_question_without_its_own_opt_out_is_written_as_before():
    question = demo("accueil-bibliotheques").question("age_group")
    plain = dataclasses.replace(question, na_label=None)
    assert "na_label" not in plain.to_dict()
    assert plain.to_dict() == {k: v for k, v in question.to_dict().items() if k != "na_label"}
