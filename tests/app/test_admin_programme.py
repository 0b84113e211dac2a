"""The console's improvement-loop pages: /admin/indicators/ (admins) and /admin/actions/
(admins and staff): roles, CSRF, errors naming the field, and titles escaped."""
from __future__ import annotations

import io
import re

import pytest

from survey_app.extensions import db
from survey_app.models import AuditEvent, ImprovementAction, OperationalIndicator
from survey_app.services import cycles
from tests.helpers import DEFINITIONS, make_app


@pytest.fixture
def cycle(app):
    with app.app_context():
        cycles.create_cycle("2026", "Cycle 2026")


def count(app, model):
    with app.app_context():
        return db.session.execute(db.select(db.func.count(model.id))).scalar()


@pytest.mark.parametrize("path, roles", [("/admin/indicators/", {"admin"}),
                                         ("/admin/actions/", {"admin", "staff"})])
def test_roles(signed_in, cycle, path, roles):
    for role in ("admin", "staff", "evaluator"):
        response = signed_in(role).get(path)
        assert (response.status_code == 200) == (role in roles), (role, response.status_code)
    admin_page = signed_in("admin").get("/admin/").get_data(as_text=True)
    assert f'href="{path}"' in admin_page


def test_an_indicator_is_entered_and_a_faulty_one_names_its_field(app, admin, cycle):
    bad = admin.post("/admin/indicators/", data={"entry-commitment": "C-90", "entry-cycle": "2026",
                                                 "entry-met": "12", "entry-total": "10", "entry-source": "Registre"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'href="#entry-met"' in html and "ne peut dépasser le total (10)" in html
    assert count(app, OperationalIndicator) == 0
    good = admin.post("/admin/indicators/", data={"entry-commitment": "C-90", "entry-cycle": "2026",
                                                  "entry-met": "0", "entry-total": "10", "entry-source": "Registre"})
    assert good.status_code == 302  # no case within the norm is a count like any other
    assert "0 sur 10" in admin.get("/admin/indicators/").get_data(as_text=True)


def test_an_indicator_csv_is_uploaded_all_or_nothing(app, admin, cycle):
    bad = b"commitment;cycle;met;total;source\nC-90;2026;3;4;Registre\nC-90;2099;3;4;Registre\n"
    response = admin.post("/admin/indicators/", data={"csv-upload": (io.BytesIO(bad), "i.csv")},
                          content_type="multipart/form-data")
    assert response.status_code == 422
    assert "ligne 3, colonne cycle : cycle inconnu &#39;2099&#39;" in response.get_data(as_text=True)
    assert count(app, OperationalIndicator) == 0
    good = bad.splitlines()[0] + b"\n" + bad.splitlines()[1] + b"\n"
    response = admin.post("/admin/indicators/", data={"csv-upload": (io.BytesIO(good), "i.csv")},
                          content_type="multipart/form-data")
    assert response.status_code == 302
    assert count(app, OperationalIndicator) == 1


def test_staff_record_an_action_its_title_escaped_and_change_its_status(app, signed_in, cycle):
    staff = signed_in("staff")
    response = staff.post("/admin/actions/", data={
        "commitment": "C-90", "cycle": "2026", "title_fr": "<img src=x onerror=alert(1)>Borne d’accueil",
        "title_en": "Welcome kiosk", "status": "planned", "owner_unit": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    html = staff.get("/admin/actions/").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;Borne d’accueil" in html and "<img src=x" not in html
    with app.app_context():
        action = db.session.execute(db.select(ImprovementAction)).scalar_one()
        action_id = action.id
    assert staff.post(f"/admin/actions/{action_id}/status", data={"status": "done"}).status_code == 302
    with app.app_context():
        assert db.session.get(ImprovementAction, action_id).status == "done"
        assert db.session.execute(db.select(AuditEvent.action).where(AuditEvent.action.like("action.%"))
                                  ).scalars().all() == ["action.add", "action.status"]


def test_an_action_without_french_title_or_with_an_unknown_status_is_refused(app, admin, cycle):
    response = admin.post("/admin/actions/", data={"commitment": "C-90", "cycle": "2026", "title_fr": "",
                                                   "title_en": "x", "status": "maybe"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'href="#title_fr"' in html and 'href="#status"' in html
    assert count(app, ImprovementAction) == 0


def test_changes_without_a_csrf_token_are_refused(database_uri):
    app = make_app(database_uri, WTF_CSRF_ENABLED=True)
    with app.app_context():
        from survey_app.services import catalogue, users
        catalogue.sync_directory(DEFINITIONS)
        cycles.create_cycle("2026", "Cycle 2026")
        users.create_user("admin@example.org", "correct horse battery", "admin")
    client = app.test_client()
    login = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    client.post("/auth/login", data={"email": "admin@example.org", "password": "correct horse battery",
                                     "csrf_token": token})
    assert client.post("/admin/indicators/", data={"entry-commitment": "C-90", "entry-cycle": "2026", "entry-met": "1",
                                                   "entry-total": "2", "entry-source": "x"}).status_code in (400, 422)
    assert client.post("/admin/actions/", data={"commitment": "C-90", "cycle": "2026", "title_fr": "x",
                                                "title_en": "x", "status": "planned"}).status_code in (400, 422)
    assert client.post("/admin/actions/1/status", data={"status": "done"}).status_code == 400
    assert count(app, OperationalIndicator) == 0 and count(app, ImprovementAction) == 0
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
