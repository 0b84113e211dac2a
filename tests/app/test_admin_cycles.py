"""Cycles in the console and on the command line: creation, confirmed state changes, the
state machine (no reopening a published cycle, no publishing an open one, one open cycle)."""
from __future__ import annotations

import datetime as dt

import pytest

from survey_app.extensions import db
from survey_app.models import AuditEvent, Cycle
from survey_app.services import cycles


def state(app, code):
    with app.app_context():
        return db.session.execute(db.select(Cycle.state).where(Cycle.code == code)).scalar_one()


def test_create_a_cycle_with_a_bilingual_name_and_a_period(app, admin):
    response = admin.post("/admin/cycles/new", data={"code": "A27", "name_fr": "Automne 2027", "name_en": "Fall 2027",
                                                     "period_start": "2027-09-01", "period_end": "2027-11-30"})
    assert response.status_code == 302
    with app.app_context():
        cycle = cycles.get_cycle("A27")
        assert (cycle.state, cycle.name, cycle.name_en) == ("draft", "Automne 2027", "Fall 2027")
        assert (cycle.period_start, cycle.period_end) == (dt.date(2027, 9, 1), dt.date(2027, 11, 30))
        assert cycle.display_name("en") == "Fall 2027" and cycle.display_name("fr") == "Automne 2027"
        assert db.session.execute(db.select(AuditEvent.action).where(AuditEvent.action.like("cycle.%"))).scalars().all() == ["cycle.create"]
    assert "Fall 2027" in admin.get("/admin/cycles/?lang=en").get_data(as_text=True)


def test_a_period_that_ends_before_it_starts_is_refused_and_nothing_stored(app, admin):
    response = admin.post("/admin/cycles/new", data={"code": "A27", "name_fr": "A", "name_en": "A",
                                                     "period_start": "2027-09-01", "period_end": "2027-08-31"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'href="#period_end"' in html and "La fin de la période" in html
    with app.app_context():
        assert cycles.get_cycle("A27") is None


def test_each_change_asks_first_and_says_what_it_does(app, admin, open_cycle):
    page = admin.get("/admin/cycles/2026/close")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "collecte en ligne" in html.lower()
    assert state(app, "2026") == "open"  # asking changed nothing
    assert admin.post("/admin/cycles/2026/close").status_code == 302
    assert state(app, "2026") == "closed"
    publish = admin.get("/admin/cycles/2026/publish").get_data(as_text=True)
    assert "/public/results/" in publish
    admin.post("/admin/cycles/2026/publish")
    assert state(app, "2026") == "published"
    admin.post("/admin/cycles/2026/unpublish")
    assert state(app, "2026") == "closed"
    admin.post("/admin/cycles/2026/open")
    assert state(app, "2026") == "open"
    with app.app_context():
        actions = db.session.execute(db.select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
    assert actions[-4:] == ["cycle.close", "cycle.publish", "cycle.unpublish", "cycle.open"]


def test_an_open_cycle_cannot_be_published(app, admin, open_cycle):
    page = admin.get("/admin/cycles/2026/publish")
    assert page.status_code == 409 and "fermez-le" in page.get_data(as_text=True).lower()
    assert admin.post("/admin/cycles/2026/publish").status_code == 302
    assert state(app, "2026") == "open"
    with app.app_context(), pytest.raises(cycles.CycleError):
        cycles.publish_cycle("2026")


def test_a_published_cycle_cannot_be_reopened(app, admin):
    with app.app_context():
        cycles.create_cycle("P", "P")
        for action in ("open", "close", "publish"):
            cycles.change_state("P", action)
        with pytest.raises(cycles.CycleError) as refused:
            cycles.change_state("P", "open")
        assert refused.value.reason == "open_from_published"
    assert admin.get("/admin/cycles/P/open").status_code == 409
    admin.post("/admin/cycles/P/open")
    assert state(app, "P") == "published"


def test_only_one_cycle_is_open_at_a_time(app, admin, open_cycle):
    with app.app_context():
        cycles.create_cycle("2027", "2027")
        with pytest.raises(cycles.CycleError) as refused:
            cycles.change_state("2027", "open")
        assert refused.value.reason == "another_open"
    assert admin.get("/admin/cycles/2027/open").status_code == 409
    assert state(app, "2027") == "draft"


def test_the_old_cycles_address_still_leads_to_the_page(admin):
    response = admin.get("/admin/cycles")
    assert response.status_code == 301 and response.headers["Location"].endswith("/admin/cycles/")


def test_the_command_line_calls_the_same_rules(app, runner):
    created = runner.invoke(args=["cycles", "create", "H28", "--name", "Hiver 2028", "--name-en", "Winter 2028",
                                  "--from", "2028-01-10", "--to", "2028-03-31"])
    assert created.exit_code == 0, created.output
    with app.app_context():
        cycle = cycles.get_cycle("H28")
        assert cycle.name_en == "Winter 2028" and cycle.period_end == dt.date(2028, 3, 31)
    backwards = runner.invoke(args=["cycles", "create", "B", "--name", "B", "--from", "2028-02-01", "--to", "2028-01-01"])
    assert backwards.exit_code == 1 and "period_end" in backwards.output
    for action in ("open", "close", "publish"):
        assert runner.invoke(args=["cycles", action, "H28"]).exit_code == 0
    reopen = runner.invoke(args=["cycles", "open", "H28"])
    assert reopen.exit_code == 1 and "published" in reopen.output
    unpublished = runner.invoke(args=["cycles", "unpublish", "H28"])
    assert unpublished.exit_code == 0 and "H28 is closed" in unpublished.output
    assert "2028-01-10 to 2028-03-31" in runner.invoke(args=["cycles", "list"]).output
    with app.app_context():
        actors = set(db.session.execute(db.select(AuditEvent.actor).where(AuditEvent.action.like("cycle.%"))).scalars())
    assert actors == {"cli"}
