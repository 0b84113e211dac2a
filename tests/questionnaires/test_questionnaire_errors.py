"""One test per kind of definition error: each asserts the exact path and message, and that
the broken detail is reported once, without a cascade of follow-on errors."""

import pytest

import questionnaires as qn

RATING_TEXT = {"fr": "Note?", "en": "Rating?"}

# Rules JSON Schema cannot express: checked in Python only (schema.json accepts these documents).
SEMANTIC_CASES = [
    ("scale max not above min", lambda d: d["questions"][3]["scale"].update(max=1),
     "questions[3].scale.max", "must be greater than min"),
    ("scale max equal to min", lambda d: d["questions"][3]["scale"].update(min=5, max=5),
     "questions[3].scale.max", "must be greater than min"),
    ("scale too long", lambda d: d["questions"][3]["scale"].update(min=0, max=20),
     "questions[3].scale", "must have at most 11 points"),
    ("label outside the scale", lambda d: d["questions"][0]["scale"]["labels"].update({7: {"fr": "Sept"}}),
     "questions[0].scale.labels.7", "must be a point of the scale (1 to 5)"),
    ("duplicate question id", lambda d: d["questions"][6].update(id="overall"),
     "questions[6].id", 'duplicate question id "overall" (already used by questions[0])'),
    ("duplicate option value", lambda d: d["questions"][2]["options"][1].update(value="web"),
     "questions[2].options[1].value", 'duplicate value "web" (already used by options[0])'),
    ("number bounds reversed", lambda d: d["questions"][5].update(min=10, max=1),
     "questions[5].max", "must be greater than min"),
    ("show_if unknown question", lambda d: d["questions"][5]["show_if"].update(question="mett"),
     "questions[5].show_if.question", 'unknown question "mett" (did you mean "met"?)'),
    ("show_if on a later question", lambda d: d["questions"][1].update(show_if={"question": "delay", "equals": 3}),
     "questions[1].show_if.question", 'must refer to an earlier question ("delay" is questions[5])'),
    ("show_if on itself", lambda d: d["questions"][5]["show_if"].update(question="delay", equals=3),
     "questions[5].show_if.question", "a question cannot depend on itself"),
    ("show_if on a text question", lambda d: d["questions"].append(
        {"id": "follow_up", "type": "yes_no", "text": RATING_TEXT, "show_if": {"question": "comment", "equals": "x"}}),
     "questions[7].show_if.question", 'cannot depend on a text question ("comment")'),
    ("show_if value of the wrong type", lambda d: d["questions"][5]["show_if"].update(equals="non"),
     "questions[5].show_if.equals", 'must be true or false ("met" is a yes_no question)'),
    ("show_if value not an option", lambda d: d["questions"][5].update(show_if={"question": "contact", "in": ["web", "fax"]}),
     "questions[5].show_if.in[1]", '"fax" is not an option of "contact"'),
    ("show_if value outside the scale", lambda d: d["questions"][5].update(show_if={"question": "overall", "in": [1, 6]}),
     "questions[5].show_if.in[1]", 'must be an integer from 1 to 5 (a point of the scale of "overall")'),
    ("show_if na where the question has no na", lambda d: d["questions"][5].update(show_if={"question": "overall", "equals": "na"}),
     "questions[5].show_if.equals", '"na" is not allowed: "overall" does not allow na'),
    ("importance_of unknown question", lambda d: d["questions"][3].update(importance_of="timelyness"),
     "questions[3].importance_of", 'unknown question "timelyness" (did you mean "timeliness"?)'),
    ("importance_of a non-rating question", lambda d: d["questions"][3].update(importance_of="met"),
     "questions[3].importance_of", 'must refer to a rating question ("met" is yes_no)'),
    ("importance_of itself", lambda d: d["questions"][3].update(importance_of="timeliness"),
     "questions[3].importance_of", "a question cannot weigh itself"),
    ("importance_of an importance question", lambda d: d["questions"].extend([
        {"id": "imp1", "type": "rating", "scale": {"min": 1, "max": 5}, "text": RATING_TEXT, "importance_of": "timeliness"},
        {"id": "imp2", "type": "rating", "scale": {"min": 1, "max": 5}, "text": RATING_TEXT, "importance_of": "imp1"}]),
     "questions[8].importance_of", 'must refer to a performance question, not to another importance question ("imp1")'),
    ("two importance questions for one question", lambda d: d["questions"].extend([
        {"id": "imp1", "type": "rating", "scale": {"min": 1, "max": 5}, "text": RATING_TEXT, "importance_of": "timeliness"},
        {"id": "imp2", "type": "rating", "scale": {"min": 1, "max": 5}, "text": RATING_TEXT, "importance_of": "timeliness"}]),
     "questions[8].importance_of", '"timeliness" already has an importance question (questions[7])'),
    ("two overall questions", lambda d: d["questions"][3].update(dimension="overall"),
     "questions[3].dimension", 'only one question can have dimension "overall" (already questions[0])'),
    ("overall question not a rating", lambda d: (d["questions"][0].pop("dimension"), d["questions"][1].update(dimension="overall")),
     "questions[1].dimension", 'the "overall" question must be a rating question'),
    ("target needs an overall question", lambda d: d["questions"][0].pop("dimension"),
     "commitment.target.indicator", 'pct_satisfied needs a rating question with dimension "overall"'),
    ("pct_met target needs a met question", lambda d: (d["commitment"]["target"].update(indicator="pct_met"),
                                                       d["questions"][1].pop("dimension")),
     "commitment.target.indicator", 'pct_met needs a yes_no question with dimension "met"'),
]

# Structure: checked by schema.json, which the parser runs (so editors report them too).
STRUCTURAL_CASES = [
    ("missing required field", lambda d: d["questions"][2].pop("text"),
     "questions[2].text", "is required"),
    ("missing commitment", lambda d: d.pop("commitment"),
     "commitment", "is required"),
    ("unknown field", lambda d: d["questions"][0].update(requried=True),
     "questions[0].requried", 'unknown field (did you mean "required"?)'),
    ("unquoted comma in a flow mapping", lambda d: d["title"].update({"sports and culture": None}),
     "title.sports and culture", "unknown field (a comma inside { } starts a new field: put the text in quotes)"),
    ("wrong type", lambda d: d["questions"][0].update(required="yes"),
     "questions[0].required", "must be true or false"),
    ("unknown question type", lambda d: d["questions"][1].update(type="yesno"),
     "questions[1].type", 'must be one of: rating, yes_no, choice, multi_choice, number, text (did you mean "yes_no"?)'),
    ("rating without scale", lambda d: d["questions"][3].pop("scale"),
     "questions[3].scale", "is required"),
    ("scale bound not an integer", lambda d: d["questions"][3]["scale"].update(max=4.5),
     "questions[3].scale.max", "must be an integer"),
    ("label key not an integer", lambda d: d["questions"][0]["scale"]["labels"].update({"top": {"fr": "Haut"}}),
     "questions[0].scale.labels.top", "must be an integer (a point of the scale)"),
    ("scale on a non-rating question", lambda d: d["questions"][1].update(scale={"min": 1, "max": 5}),
     "questions[1].scale", "only allowed on rating questions"),
    ("importance_of on a non-rating question", lambda d: d["questions"][1].update(importance_of="overall"),
     "questions[1].importance_of", "only allowed on rating questions"),
    ("choice without options", lambda d: d["questions"][2].pop("options"),
     "questions[2].options", "is required"),
    ("a single option", lambda d: d["questions"][2]["options"].pop(),
     "questions[2].options", "must have at least 2 items"),
    ("options on a rating", lambda d: d["questions"][0].update(options=d["questions"][2]["options"]),
     "questions[0].options", "only allowed on choice and multi_choice questions"),
    ("option value na", lambda d: d["questions"][2]["options"][1].update(value="na"),
     "questions[2].options[1].value", "\"na\" is reserved for \"don't know / not applicable\""),
    ("option value with a space", lambda d: d["questions"][2]["options"][1].update(value="au comptoir"),
     "questions[2].options[1].value", "must be letters, digits, _ . + or - (no spaces), e.g. web"),
    ("min on a non-number question", lambda d: d["questions"][6].update(min=1),
     "questions[6].min", "only allowed on number questions"),
    ("max_length on a non-text question", lambda d: d["questions"][0].update(max_length=10),
     "questions[0].max_length", "only allowed on text questions"),
    ("allow_na on a text question", lambda d: d["questions"][6].update(allow_na=True),
     "questions[6].allow_na", "is not available on text questions (an empty text already means no answer)"),
    ("show_if with both equals and in", lambda d: d["questions"][5]["show_if"].update({"in": [False]}),
     "questions[5].show_if", "needs exactly one of equals or in"),
    ("questionnaire id not a slug", lambda d: d.update(id="Permis Simple"),
     "id", "must be lower-case letters, digits and single hyphens (e.g. permis-simple)"),
    ("question id pattern", lambda d: d["questions"][6].update(id="Comment"),
     "questions[6].id", "must start with a lower-case letter followed by lower-case letters, digits or _ (e.g. overall)"),
    ("commitment code pattern", lambda d: d["commitment"].update(code="C3"),
     "commitment.code", "must be C- followed by two digits (e.g. C-03)"),
    ("unit code pattern", lambda d: d["commitment"]["unit"].update(code="amenagement"),
     "commitment.unit.code", "must be upper-case letters, digits or _ (e.g. AMENAGEMENT)"),
    ("text without French", lambda d: d["title"].pop("fr"),
     "title.fr", "is required"),
    ("empty French text", lambda d: d["title"].update(fr="   "),
     "title.fr", "must not be empty"),
    ("text not bilingual", lambda d: d.update(title="Permis"),
     "title", "must be a bilingual text: a mapping such as {fr: ..., en: ...}"),
    ("unknown language", lambda d: d["title"].update(es="Permiso"),
     "title.es", "unknown field"),
    ("unknown channel", lambda d: d.update(channels=["online", "fax"]),
     "channels[1]", "must be one of: online, kiosk, paper, phone"),
    ("duplicate channel", lambda d: d.update(channels=["online", "online"]),
     "channels", "must not contain duplicates"),
    ("target out of range", lambda d: d["commitment"]["target"].update(value=120),
     "commitment.target.value", "must be at most 100"),
    ("unknown target indicator", lambda d: d["commitment"]["target"].update(indicator="satisfaction"),
     "commitment.target.indicator", "must be one of: pct_satisfied, index, pct_met"),
    ("no questions", lambda d: d.update(questions=[]),
     "questions", "must not be empty"),
]


CASES = SEMANTIC_CASES + STRUCTURAL_CASES


@pytest.mark.parametrize(("mutate", "path", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_kind_of_error_is_reported_alone_with_its_path(definition, issues_of, mutate, path, message):
    mutate(definition)
    assert issues_of(definition) == [(path, message)]


@pytest.mark.parametrize("mutate", [c[1] for c in STRUCTURAL_CASES], ids=[c[0] for c in STRUCTURAL_CASES])
def test_structural_errors_are_rejected_by_the_schema_alone(definition, schema_errors, mutate):
    # schema.json agrees with the parser: an editor flags the same documents.
    assert schema_errors(definition) == []
    mutate(definition)
    assert schema_errors(definition)


@pytest.mark.parametrize("mutate", [c[1] for c in SEMANTIC_CASES], ids=[c[0] for c in SEMANTIC_CASES])
def test_semantic_errors_pass_the_schema_and_are_caught_by_the_parser(definition, schema_errors, mutate):
    mutate(definition)
    assert schema_errors(definition) == []


def test_issue_str_names_file_path_and_message(tmp_path, definition):
    import yaml

    definition["questions"][3]["scale"]["max"] = 1
    (tmp_path / "permis.yaml").write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    with pytest.raises(qn.DefinitionError) as info:
        qn.load_file(tmp_path / "permis.yaml")
    assert [str(i) for i in info.value.errors] == ["permis.yaml: questions[3].scale.max: must be greater than min"]
    assert str(info.value) == "permis.yaml: questions[3].scale.max: must be greater than min"


def test_every_error_is_reported_at_once(definition, issues_of):
    definition["id"] = "Permis"                              # schema
    definition["questions"][3]["scale"]["max"] = 0           # semantic
    definition["questions"][2]["options"][1]["value"] = "web"  # semantic
    definition["questions"][6]["type"] = "txt"               # schema
    definition["questions"][5]["show_if"]["question"] = "nope"  # semantic
    definition["commitment"]["target"]["value"] = -1         # schema
    assert sorted(issues_of(definition)) == sorted([
        ("id", "must be lower-case letters, digits and single hyphens (e.g. permis-simple)"),
        ("questions[3].scale.max", "must be greater than min"),
        ("questions[2].options[1].value", 'duplicate value "web" (already used by options[0])'),
        ("questions[6].type", 'must be one of: rating, yes_no, choice, multi_choice, number, text (did you mean "text"?)'),
        ("questions[5].show_if.question", 'unknown question "nope"'),
        ("commitment.target.value", "must be at least 0"),
    ])


def test_whole_document_not_a_mapping(issues_of):
    assert issues_of(["id", "permis"]) == [("", "must be a mapping (a questionnaire definition)")]


def test_semantic_checks_survive_a_broken_structure(issues_of):
    # Garbage everywhere: the parser reports it instead of crashing.
    broken = {"id": 3, "title": [], "commitment": "C-01", "questions": [None, {"id": 1, "scale": "x"}, {"show_if": 2}]}
    issues = issues_of(broken)
    assert ("questions[0]", "must be a mapping") in issues
    assert ("commitment", "must be a mapping") in issues
    assert ("questions[1].type", "is required") in issues
