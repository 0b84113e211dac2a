"""A question reworded between the baseline's and the cycle's versions: the commitment's
warning and the change's comparability both say what questionnaires.compare_versions says,
weighted or not."""
from __future__ import annotations

import dataclasses

import pytest
import questionnaires as qn

from survey_app import results
from survey_app.database import write_transaction
from survey_app.extensions import db
from survey_app.models import Cycle, Response
from survey_app.services import catalogue, margins
from tests.app.results_data import BASELINE, CYCLE


@pytest.fixture
def reworded(app, answers):
    """The cycle's responses answered a version whose overall question is reworded."""
    with app.app_context():
        old = catalogue.definition_of(catalogue.get_published("comptoir").current_version)
        questions = tuple(
            dataclasses.replace(q, text=qn.Text(q.text.fr + " (reformulée)", q.text.en)) if q.id == "overall" else q
            for q in old.questions)
        new = dataclasses.replace(old, questions=questions)
        catalogue.sync_definitions([new])
        version = catalogue.get_published("comptoir").current_version
        with write_transaction():
            cycle_id = db.session.execute(db.select(Cycle.id).where(Cycle.code == CYCLE)).scalar_one()
            db.session.execute(db.update(Response).where(Response.cycle_id == cycle_id)
                               .values(version_id=version.id))
        margins.set_margins(BASELINE, {"language": {"fr": 0.7, "en": 0.3}})
        margins.set_margins(CYCLE, {"language": {"fr": 0.7, "en": 0.3}})
        results.clear_cache()
        return [c for c in qn.compare_versions(old, new) if c.question_id == "overall"]


@pytest.mark.parametrize("weighting", ["none", "raked"])
def test_a_reworded_question_is_not_comparable_in_the_words_of_compare_versions(app, reworded, weighting):
    assert [c.kind for c in reworded] == ["wording"]
    with app.app_context():
        result = results.questionnaire_results("comptoir", CYCLE, BASELINE, weighting=weighting)
    change = result.question("overall").change
    assert change is not None and not change.comparable
    assert change.warning == reworded[0].detail
    assert ("overall", "wording", reworded[0].detail) in result.warnings
    # the figures are still published: only the comparison is flagged
    assert change.verdict in ("improved", "declined", "no significant change")
    payload = results.api_payload(result)
    overall = next(q for q in payload["questions"] if q["id"] == "overall")
    assert overall["change"]["comparability_warning"] == reworded[0].detail
