"""Fixtures for the definition-format tests: a small valid definition to break on purpose."""

import copy

import jsonschema
import pytest

import questionnaires as qn

_MINIMAL = {
    "id": "permis",
    "title": {"fr": "Votre demande de permis", "en": "Your permit application"},
    "commitment": {
        "code": "C-03",
        "title": {"fr": "Délivrer rapidement les permis", "en": "Issue permits promptly"},
        "norm": {"fr": "Permis délivré en 10 jours ouvrables", "en": "Permit issued within 10 working days"},
        "unit": {"code": "AMENAGEMENT", "name": {"fr": "Aménagement du territoire", "en": "Land Use Planning"}},
        "target": {"indicator": "pct_satisfied", "value": 85},
    },
    "questions": [
        {  # questions[0]
            "id": "overall",
            "type": "rating",
            "dimension": "overall",
            "required": True,
            "text": {"fr": "Dans l'ensemble, êtes-vous satisfait?", "en": "Overall, are you satisfied?"},
            "scale": {
                "min": 1,
                "max": 5,
                "labels": {1: {"fr": "Très insatisfait", "en": "Very dissatisfied"}, 5: {"fr": "Très satisfait", "en": "Very satisfied"}},
            },
        },
        {  # questions[1]
            "id": "met",
            "type": "yes_no",
            "dimension": "met",
            "allow_na": True,
            "text": {"fr": "Délai respecté?", "en": "Deadline met?"},
        },
        {  # questions[2]
            "id": "contact",
            "type": "choice",
            "allow_na": True,
            "text": {"fr": "Comment?", "en": "How?"},
            "options": [
                {"value": "web", "label": {"fr": "Site Web", "en": "Website"}},
                {"value": "counter", "label": {"fr": "Comptoir", "en": "Counter"}},
            ],
        },
        {  # questions[3]
            "id": "timeliness",
            "type": "rating",
            "dimension": "timeliness",
            "allow_na": True,
            "text": {"fr": "Délai?", "en": "Time?"},
            "scale": {"min": 1, "max": 5},
        },
        {  # questions[4]
            "id": "topics",
            "type": "multi_choice",
            "text": {"fr": "Sujets?", "en": "Topics?"},
            "options": [
                {"value": "taxes", "label": {"fr": "Taxes", "en": "Taxes"}},
                {"value": "permits", "label": {"fr": "Permis", "en": "Permits"}},
                {"value": "leisure", "label": {"fr": "Loisirs", "en": "Recreation"}},
            ],
        },
        {  # questions[5]
            "id": "delay",
            "type": "number",
            "min": 0,
            "max": 365,
            "show_if": {"question": "met", "equals": False},
            "text": {"fr": "Combien de jours?", "en": "How many days?"},
        },
        {  # questions[6]
            "id": "comment",
            "type": "text",
            "max_length": 20,
            "text": {"fr": "Commentaires?", "en": "Comments?"},
        },
    ],
}


@pytest.fixture
def definition():
    """A fresh copy of a small valid definition (questions: overall, met, contact, timeliness,
    topics, delay, comment)."""
    return copy.deepcopy(_MINIMAL)


@pytest.fixture
def questionnaire(definition):
    return qn.parse(definition, source="permis.yaml")


@pytest.fixture
def issues_of():
    """Parse a definition that must be invalid; return its issues as (path, message) pairs."""

    def run(data):
        with pytest.raises(qn.DefinitionError) as info:
            qn.parse(data, source="permis.yaml")
        return [(issue.path, issue.message) for issue in info.value.errors]

    return run


def _as_json(data):
    """What an editor's validator sees: YAML keys such as ``1:`` are strings in JSON."""
    if isinstance(data, dict):
        return {str(k): _as_json(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_as_json(v) for v in data]
    return data


@pytest.fixture(scope="session")
def schema_errors():
    """The errors schema.json reports on a definition, as an author's editor would show them."""
    schema = qn.load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    return lambda data: list(validator.iter_errors(_as_json(data)))
