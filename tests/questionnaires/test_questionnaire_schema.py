"""schema.json agrees with the code: valid files pass it, canonical definitions pass it, its
enumerations are the code's. (Invalid documents: see test_questionnaire_errors.py.)"""

import subprocess
import sys

import jsonschema
import pytest
import yaml

import questionnaires as qn


def test_schema_is_a_valid_2020_12_schema():
    schema = qn.load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert qn.SCHEMA_PATH.name == "schema.json" and qn.SCHEMA_PATH.is_file()


def test_schema_enumerations_match_the_code():
    schema = qn.load_schema()
    assert tuple(schema["$defs"]["question"]["properties"]["type"]["enum"]) == qn.QUESTION_TYPES
    assert tuple(schema["properties"]["channels"]["items"]["enum"]) == qn.CHANNELS
    assert tuple(schema["properties"]["channels"]["default"]) == qn.CHANNELS
    target = schema["$defs"]["commitment"]["properties"]["target"]["properties"]["indicator"]
    assert tuple(target["enum"]) == qn.TARGET_INDICATORS


@pytest.mark.parametrize("path", sorted(qn.DEMO_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_every_demo_file_validates_against_the_schema(schema_errors, path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert schema_errors(data) == []
    qn.load_file(path)


def test_canonical_definitions_validate_against_the_schema(schema_errors):
    for q in qn.load_demo():
        assert schema_errors(q.to_dict()) == []


def test_library_imports_no_web_or_database_package():
    code = (
        "import sys, questionnaires; questionnaires.load_demo(); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'survey_app', 'wtforms')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
