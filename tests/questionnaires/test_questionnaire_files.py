"""Reading definition files: YAML details, line numbers, directories, versions (content hash)."""

import textwrap

import pytest
import yaml

import questionnaires as qn

VALID = textwrap.dedent("""\
    # Un commentaire
    id: permis
    title: {fr: Votre permis, en: Your permit}
    commitment:
      code: C-03
      title: {fr: Permis rapides, en: Fast permits}
      norm: {fr: 10 jours ouvrables, en: 10 working days}
      unit: {code: AMENAGEMENT, name: {fr: Aménagement, en: Planning}}
      target: {indicator: pct_satisfied, value: 85}
    questions:
      - id: overall
        type: rating
        dimension: overall
        required: true
        text: {fr: "Satisfait?", en: "Satisfied?"}
        scale:
          min: 1
          max: 5
          labels:
            1: {fr: Très insatisfait, en: Very dissatisfied}
            5: {fr: Très satisfait, en: Very satisfied}
      - id: comment
        type: text
        text: {fr: "Commentaires?", en: "Comments?"}
    """)

# The same content: other key order, block style, explicit defaults, quotes, folded text,
# an anchor, extra whitespace and comments.
SAME_CONTENT = textwrap.dedent("""\
    questions:
      - type: rating
        id: overall
        required: true
        allow_na: false          # default written out
        dimension: overall
        text:
          en: "Satisfied?"
          fr: >
            Satisfait?
        scale: &five
          labels:
            "5": {en: Very satisfied, fr: Très satisfait}
            1: {en: Very dissatisfied, fr: "Très insatisfait"}
          max: 5
          min: 1
      - {id: comment, type: text, max_length: 2000, text: {fr: "  Commentaires?  ", en: "Comments?"}}
    commitment:
      target: {value: 85.0, indicator: pct_satisfied}
      unit: {name: {en: Planning, fr: Aménagement}, code: AMENAGEMENT}
      norm: {en: 10 working days, fr: 10 jours ouvrables}
      title: {en: Fast permits, fr: Permis rapides}
      code: C-03
    channels: [online, kiosk, paper, phone]
    published: true
    title: {en: Your permit, fr: Votre permis}
    id: permis
    """)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_file_builds_the_questionnaire(tmp_path):
    q = qn.load_file(write(tmp_path, "permis.yaml", VALID))
    assert q.id == "permis" and q.source == "permis.yaml" and q.published is True
    assert q.channels == qn.CHANNELS
    assert q.commitment.unit.name.get("en") == "Planning"
    assert q.commitment.target_indicator == "pct_satisfied" and q.commitment.target_value == 85
    overall = q.question("overall")
    assert overall.scale.values == [1, 2, 3, 4, 5]
    assert overall.scale.labels[1] == qn.Text("Très insatisfait", "Very dissatisfied")
    assert q.question("comment").max_length == 2000
    assert q.raw["questions"][0]["scale"]["labels"][1]["fr"] == "Très insatisfait"
    with pytest.raises(KeyError):
        q.question("nope")


def test_yaml_syntax_error_is_an_issue_with_its_line(tmp_path):
    path = write(tmp_path, "permis.yaml", "id: permis\ntitle: {fr: Permis\nquestions: []\n")
    with pytest.raises(qn.DefinitionError) as info:
        qn.load_file(path)
    (issue,) = info.value.errors
    assert issue.file == "permis.yaml" and issue.path == "" and issue.line == 3
    assert str(issue).startswith("permis.yaml: invalid YAML at line 3, column ")


def test_issues_carry_the_line_of_the_offending_key(tmp_path):
    text = VALID.replace("    max: 5\n", "    max: 1\n").replace("type: text", "type: txt")
    with pytest.raises(qn.DefinitionError) as info:
        qn.load_file(write(tmp_path, "permis.yaml", text))
    lines = {issue.path: issue.line for issue in info.value.errors}
    assert lines == {"questions[0].scale.max": 18, "questions[1].type": 23}


def test_duplicate_yaml_keys_are_reported(tmp_path):
    text = VALID.replace("    required: true\n", "    required: true\n    required: false\n")
    with pytest.raises(qn.DefinitionError) as info:
        qn.load_file(write(tmp_path, "permis.yaml", text))
    assert [(i.path, i.message) for i in info.value.errors] == [
        ("questions[0].required", "duplicate key (line 15); each key may appear once"),
    ]


def test_yaml_1_1_booleans_and_dates_stay_strings(tmp_path):
    # Authors' editors read YAML 1.2: "no" and "2024-05-01" are strings there, and here too.
    text = VALID.replace("id: permis\n", "id: permis\npublished: no\n").replace("10 jours ouvrables", "2024-05-01")
    with pytest.raises(qn.DefinitionError) as info:
        qn.load_file(write(tmp_path, "permis.yaml", text))
    assert [(i.path, i.message) for i in info.value.errors] == [("published", "must be true or false")]
    q = qn.load_file(write(tmp_path, "ok.yaml", text.replace("published: no", "published: false")))
    assert q.published is False and q.commitment.norm.fr == "2024-05-01"


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "the file is empty"), ("# rien\n", "the file is empty"), ("a: 1\n---\nb: 2\n", None)],
)
def test_empty_or_multi_document_files(tmp_path, content, message):
    with pytest.raises(qn.DefinitionError) as info:
        qn.load_file(write(tmp_path, "x.yaml", content))
    (issue,) = info.value.errors
    if message:
        assert issue.message == message
    else:
        assert "expected a single document" in issue.message


def test_unreadable_and_non_utf8_files(tmp_path):
    with pytest.raises(qn.DefinitionError) as info:
        qn.load_file(tmp_path / "absent.yaml")
    assert str(info.value.errors[0]).startswith("absent.yaml: cannot be read")
    (tmp_path / "latin1.yaml").write_bytes("id: é\n".encode("latin-1"))
    with pytest.raises(qn.DefinitionError) as info:
        qn.load_file(tmp_path / "latin1.yaml")
    assert "is not UTF-8 text" in str(info.value)


def test_unsafe_yaml_tags_are_refused(tmp_path):
    with pytest.raises(qn.DefinitionError) as info:
        qn.load_file(write(tmp_path, "x.yaml", "id: !!python/object/apply:os.system [echo]\n"))
    assert "invalid YAML" in str(info.value)


def test_load_dir_collects_errors_from_every_file_and_duplicate_ids(tmp_path):
    write(tmp_path, "a.yaml", VALID)
    write(tmp_path, "b.yml", VALID.replace("C-03", "C-04"))  # same id as a.yaml
    write(tmp_path, "c.yaml", VALID.replace("id: permis", "id: Permis"))
    write(tmp_path, "d.yaml", "id: [\n")
    write(tmp_path, "notes.txt", "not a definition")
    with pytest.raises(qn.DefinitionError) as info:
        qn.load_dir(tmp_path)
    assert [str(i).split(":")[0:2] for i in info.value.errors] == [
        ["c.yaml", " id"],
        ["d.yaml", " invalid YAML at line 2, column 1"],
        ["b.yml", " id"],
    ]
    assert str(info.value.errors[-1]) == 'b.yml: id: duplicate questionnaire id "permis" (also in a.yaml)'


def test_load_dir_checks_commitment_codes_and_unit_names_across_files(tmp_path):
    write(tmp_path, "a.yaml", VALID)
    write(tmp_path, "b.yaml", VALID.replace("id: permis", "id: permis-2").replace("en: Planning", "en: Urban Planning"))
    with pytest.raises(qn.DefinitionError) as info:
        qn.load_dir(tmp_path)
    assert [str(i) for i in info.value.errors] == [
        "b.yaml: commitment.code: commitment C-03 already has a questionnaire (a.yaml)",
        "b.yaml: commitment.unit.name: differs from the name of unit AMENAGEMENT in a.yaml",
    ]


def test_load_dir_sorted_and_missing_directory(tmp_path):
    write(tmp_path, "b.yaml", VALID.replace("id: permis", "id: bbb").replace("C-03", "C-02"))
    write(tmp_path, "a.yaml", VALID.replace("id: permis", "id: zzz"))
    assert [q.id for q in qn.load_dir(tmp_path)] == ["zzz", "bbb"]
    assert qn.load_dir(tmp_path / "empty" if (tmp_path / "empty").mkdir() is None else None) == []
    with pytest.raises(qn.DefinitionError) as info:
        qn.load_dir(tmp_path / "absent")
    assert info.value.errors[0].message == "is not a directory"


# --- versions --------------------------------------------------------------------------------


def test_content_hash_ignores_formatting_order_comments_and_defaults():
    a = qn.parse_yaml(VALID, "a.yaml")
    b = qn.parse_yaml(SAME_CONTENT, "b.yaml")
    assert a == b
    assert a.version == b.version
    assert len(a.version) == 12 and int(a.version, 16) >= 0


def test_content_hash_changes_with_the_wording_but_not_with_publication():
    base = qn.parse_yaml(VALID)
    reworded = qn.parse_yaml(VALID.replace("Satisfait?", "Êtes-vous satisfait?"))
    english_only = qn.parse_yaml(VALID.replace("en: \"Comments?\"", "en: \"Any comments?\""))
    unpublished = qn.parse_yaml(VALID.replace("id: permis\n", "id: permis\npublished: false\n"))
    assert len({base.version, reworded.version, english_only.version}) == 3
    assert unpublished.version == base.version


def test_to_dict_is_canonical_and_round_trips(questionnaire):
    d = questionnaire.to_dict()
    import json

    assert json.loads(json.dumps(d)) == d  # plain JSON data
    assert d["questions"][0]["scale"]["labels"]["1"] == {"fr": "Très insatisfait", "en": "Very dissatisfied"}
    assert d["questions"][6]["max_length"] == 20 and d["questions"][1]["required"] is False
    rebuilt = qn.from_dict(json.loads(json.dumps(d)))
    assert rebuilt == questionnaire
    assert rebuilt.version == questionnaire.version
    assert qn.content_hash(d) == qn.content_hash(questionnaire) == questionnaire.version
    assert qn.content_hash(questionnaire.raw) == questionnaire.version


def test_from_dict_rejects_a_corrupted_definition(questionnaire):
    d = questionnaire.to_dict()
    d["questions"][0]["scale"]["max"] = 0
    with pytest.raises(qn.DefinitionError):
        qn.from_dict(d)


def test_text_unicode_is_normalized(definition):
    definition["title"]["fr"] = "Permis de re\u0301novation"  # e + combining acute accent
    q = qn.parse(definition)
    assert q.title.fr == "Permis de rénovation"
    definition["title"]["fr"] = "Permis de rénovation"
    assert qn.parse(definition).version == q.version


def test_text_falls_back_to_french():
    assert qn.Text("Bonjour", "Hello").get("en") == "Hello"
    assert qn.Text("Bonjour").get("en") == "Bonjour"
    assert qn.Text("Bonjour", "Hello").get("de") == "Bonjour"
    assert str(qn.Text("Bonjour", "Hello")) == "Bonjour"


def test_objects_are_frozen_and_hashable(questionnaire):
    with pytest.raises(AttributeError):
        questionnaire.id = "other"  # type: ignore[misc]
    assert hash(questionnaire) == hash(qn.from_dict(questionnaire.to_dict()))


def test_missing_translations(definition):
    del definition["questions"][0]["scale"]["labels"][5]["en"]
    del definition["questions"][6]["text"]["en"]
    q = qn.parse(definition)
    assert qn.missing_translations(q) == ["questions[0].scale.labels.5", "questions[6].text"]


def test_yaml_round_trip_of_to_dict(questionnaire):
    text = yaml.safe_dump(questionnaire.to_dict(), allow_unicode=True, sort_keys=False)
    assert qn.parse_yaml(text) == questionnaire


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title:\n  fr: Remarque : ceci\n",
         'invalid YAML at line 2, column 16: mapping values are not allowed here (a text containing ": " must be in quotes)'),
        ("title: {fr: Satisfait?, en: Satisfied}\n",
         "invalid YAML at line 1, column 22: expected ',' or '}', but got '?' (inside { } a text containing ? must be in quotes)"),
        ("a: &loop [*loop]\n", "recursive YAML aliases are not allowed"),
    ],
)
def test_common_yaml_mistakes_get_a_hint(text, message):
    # French typography (space before ":") and questions ending in "?" trip YAML up.
    with pytest.raises(qn.DefinitionError) as info:
        qn.parse_yaml(text, "x.yaml")
    assert [i.message for i in info.value.errors] == [message]


def test_non_finite_numbers_are_rejected():
    text = VALID + "  - {id: delay, type: number, min: .nan, text: {fr: Délai, en: Delay}}\n"
    with pytest.raises(qn.DefinitionError) as info:
        qn.parse_yaml(text, "x.yaml")
    assert [(i.path, i.message) for i in info.value.errors] == [("questions[2].min", "must be a finite number")]
