"""Units and commitments in the console: bilingual names, measurable norms, targets, retiring
(hidden from citizens, results kept), and the demo's norms."""
from __future__ import annotations

import uuid

from survey_app.extensions import db
from survey_app.models import AuditEvent, Commitment, Unit
from survey_app.services import demo


def test_create_a_unit_and_a_commitment_with_a_measurable_norm(app, admin):
    assert admin.post("/admin/commitments/units/new", data={
        "code": "TRAVAUX", "name_fr": "Travaux publics", "name_en": "Public Works"}).status_code == 302
    with app.app_context():
        unit = db.session.execute(db.select(Unit).where(Unit.code == "TRAVAUX")).scalar_one()
    response = admin.post("/admin/commitments/new", data={
        "code": "C-20", "unit_id": str(unit.id), "title_fr": "Réparer les nids-de-poule",
        "title_en": "Fix potholes", "norm_fr": "Sous 5 jours ouvrables", "norm_en": "Within 5 working days",
        "norm_value": "5", "norm_unit": "working_days", "target_indicator": "pct_satisfied", "target_value": "80"})
    assert response.status_code == 302, response.get_data(as_text=True)
    html = admin.get("/admin/commitments/").get_data(as_text=True)
    assert "C-20 — Réparer les nids-de-poule" in html and "5 jours ouvrables" in html
    assert "Fix potholes" in admin.get("/admin/commitments/?lang=en").get_data(as_text=True)
    with app.app_context():
        row = db.session.execute(db.select(Commitment).where(Commitment.code == "C-20")).scalar_one()
        assert (row.norm_value, row.norm_unit, row.target_indicator, row.target_value) == (5, "working_days", "pct_satisfied", 80)
        actions = db.session.execute(db.select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
    # Sign-ins and the test's own accounts are audited too: keep the console's rows.
    assert [a for a in actions if a.startswith(("unit.", "commitment."))] == ["unit.create", "commitment.create"]


def test_a_norm_number_without_its_unit_is_refused_and_nothing_stored(app, admin):
    response = admin.post("/admin/commitments/new", data={
        "code": "C-21", "unit_id": "1", "title_fr": "A", "title_en": "A", "norm_value": "5", "norm_unit": "",
        "target_indicator": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#norm_unit"' in html and "le nombre et l’unité" in html
    missing_en = admin.post("/admin/commitments/units/new", data={"code": "X", "name_fr": "X", "name_en": ""})
    assert missing_en.status_code == 422 and 'href="#name_en"' in missing_en.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(Commitment).where(Commitment.code == "C-21")).first() is None
        assert db.session.execute(db.select(Unit).where(Unit.code == "X")).first() is None


def comptoir_commitment(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(Commitment.id).where(Commitment.code == "C-90")).scalar_one()


def test_edit_a_commitment_and_a_unit(app, admin):
    cid = comptoir_commitment(app)
    assert admin.post(f"/admin/commitments/{cid}", data={
        "code": "ignored", "unit_id": "1", "title_fr": "Nouveau titre", "title_en": "New title",
        "norm_unit": "", "target_indicator": "index", "target_value": "75"}).status_code == 302
    assert admin.post("/admin/commitments/units/1", data={
        "code": "ignored", "name_fr": "Arrondissement", "name_en": "Borough"}).status_code == 302
    with app.app_context():
        row = db.session.get(Commitment, cid)
        assert (row.code, row.title_fr, row.target_indicator) == ("C-90", "Nouveau titre", "index")
        assert db.session.get(Unit, 1).name_en == "Borough"


def test_a_retired_commitment_is_hidden_from_citizens_and_its_results_stay(app, admin, client, open_cycle):
    body = {"submission_id": str(uuid.uuid4()), "questionnaire": "comptoir", "channel": "online",
            "language": "fr", "answers": {"overall": 5}}
    assert client.post("/api/v1/responses", json=body).status_code == 201
    cid = comptoir_commitment(app)
    assert admin.post(f"/admin/commitments/{cid}/retire").status_code == 302
    assert "/q/comptoir" not in client.get("/").get_data(as_text=True)
    assert client.get("/q/comptoir").status_code == 404
    assert "comptoir" not in [q["id"] for q in client.get("/api/v1/questionnaires").get_json()]
    body["submission_id"] = str(uuid.uuid4())
    assert client.post("/api/v1/responses", json=body).status_code == 404
    page = admin.get("/admin/commitments/").get_data(as_text=True)
    assert 'data-retired="true"' in page and "Retiré" in page
    assert admin.get("/results/comptoir?cycle=2026&baseline=none").status_code == 200  # results stay
    with app.app_context():
        assert db.session.get(Commitment, cid) is not None  # never deleted
    admin.post(f"/admin/commitments/{cid}/restore")
    assert "/q/comptoir" in client.get("/").get_data(as_text=True)


def test_the_demo_fills_the_measurable_norms(app):
    with app.app_context():
        demo.load_demo(responses_per_cycle=(2, 3))
        norms = dict(db.session.execute(db.select(Commitment.code, Commitment.norm_unit)).all())
        values = dict(db.session.execute(db.select(Commitment.code, Commitment.norm_value)).all())
    assert norms["C-01"] == "seconds" and values["C-01"] == 20
    assert norms["C-03"] == "working_days" and values["C-03"] == 10
    assert norms["C-04"] == "minutes" and values["C-04"] == 15
    assert norms["C-06"] is None  # "find accurate information easily": not measurable
