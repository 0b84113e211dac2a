"""compare_versions: which questions stop being comparable between two versions."""

import questionnaires as qn


def changed(definition, edit):
    old = qn.parse(definition)
    edit(definition)
    return qn.compare_versions(old, qn.parse(definition))


def test_identical_versions_have_no_change(questionnaire):
    assert qn.compare_versions(questionnaire, questionnaire) == []


def test_wording(definition):
    assert changed(definition, lambda d: d["questions"][0]["text"].update(en="All in all, satisfied?")) == [
        qn.Change("overall", "wording", "text changed (en)")]


def test_scale_bounds_and_labels(definition):
    def widen(d):
        d["questions"][3]["scale"].update(min=0, max=10)

    assert changed(definition, widen) == [qn.Change("timeliness", "scale", "scale 1–5 → 0–10")]


def test_scale_labels(definition):
    def relabel(d):
        d["questions"][0]["scale"]["labels"][5] = {"fr": "Extrêmement satisfait", "en": "Extremely satisfied"}
        d["questions"][0]["scale"]["labels"][3] = {"fr": "Neutre", "en": "Neutral"}

    assert changed(definition, relabel) == [qn.Change("overall", "scale", "labels changed for 3, 5")]


def test_type_change_hides_the_other_differences(definition):
    def retype(d):
        d["questions"][2].update(type="multi_choice", text={"fr": "Par où?", "en": "Which way?"})

    assert changed(definition, retype) == [qn.Change("contact", "type", "type choice → multi_choice")]


def test_options(definition):
    def edit(d):
        d["questions"][4]["options"][0]["label"] = {"fr": "Taxes foncières", "en": "Property taxes"}
        d["questions"][4]["options"].pop(1)
        d["questions"][4]["options"].append({"value": "snow", "label": {"fr": "Déneigement", "en": "Snow"}})

    assert changed(definition, edit) == [qn.Change("topics", "options", "added snow; removed permits; reworded taxes")]


def test_reordering_options_or_questions_keeps_answers_comparable(definition):
    def reorder(d):
        d["questions"][4]["options"].reverse()
        d["questions"][2], d["questions"][3] = d["questions"][3], d["questions"][2]

    assert changed(definition, reorder) == []


def test_added_and_removed(definition):
    def edit(d):
        d["questions"].pop(6)
        d["questions"].append({"id": "courtesy", "type": "rating", "scale": {"min": 1, "max": 5}, "text": {"fr": "Courtoisie?"}})

    assert changed(definition, edit) == [
        qn.Change("courtesy", "added", "new question"),
        qn.Change("comment", "removed", "question removed"),
    ]


def test_several_kinds_on_one_question_and_order(definition):
    def edit(d):
        d["questions"][3]["text"] = {"fr": "Le délai?", "en": "The time?"}
        d["questions"][3]["scale"]["max"] = 7
        d["questions"][0]["text"]["fr"] = "Globalement?"

    assert [(c.question_id, c.kind) for c in changed(definition, edit)] == [
        ("overall", "wording"), ("timeliness", "wording"), ("timeliness", "scale")]
    assert {c.kind for c in changed(definition, lambda d: None)} <= set(qn.CHANGE_KINDS)
