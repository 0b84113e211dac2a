"""The open cycle: one rule for the survey pages, submissions and kiosk queue imports."""
import pytest

from survey_app.extensions import db
from survey_app.models import Cycle
from survey_app.services import cycles


def test_no_open_cycle(app):
    with app.app_context():
        cycles.create_cycle("2025", "Cycle 2025")
        assert cycles.open_cycle() is None
        assert cycles.find_open_cycle() == (None, cycles.NO_CYCLE_OPEN)


def test_the_one_open_cycle(app, open_cycle):
    with app.app_context():
        cycles.create_cycle("2027", "Cycle 2027")  # a draft does not count
        row = cycles.open_cycle()
        assert (row.code, row.name, row.state) == ("2026", "Cycle 2026", "open")
        assert cycles.find_open_cycle()[1] is None


def test_a_second_cycle_cannot_be_opened(app, open_cycle):
    with app.app_context():
        cycles.create_cycle("2027", "Cycle 2027")
        with pytest.raises(cycles.CycleError, match="close it first"):
            cycles.set_state("2027", "open")


def test_several_open_cycles_mean_none(app, open_cycle, client):
    """A database from before the one-open-cycle rule may hold two: then none is "the" one."""
    with app.app_context():
        cycles.create_cycle("2027", "Cycle 2027")
        db.session.execute(db.update(Cycle).where(Cycle.code == "2027").values(state="open"))
        db.session.commit()
        assert cycles.open_cycle() is None
        assert cycles.find_open_cycle() == (None, cycles.SEVERAL_CYCLES_OPEN)
    # the same rule answers a submission that names no cycle
    posted = client.post("/api/v1/responses", json={
        "submission_id": "0b6f2f0e-9c1e-4b53-8c43-1f2d3e4a5b6c", "questionnaire": "comptoir",
        "channel": "online", "language": "fr", "answers": {"overall": 4}})
    assert posted.status_code == 422
    assert posted.get_json()["errors"]["cycle"] == cycles.SEVERAL_CYCLES_OPEN
