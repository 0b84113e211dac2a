"""The demo declaration's improvement loop: operational indicators, improvement actions and
number questions with their norms, read by the results API and the drill-down."""
from __future__ import annotations

from survey_app.extensions import db
from survey_app.models import ImprovementAction, OperationalIndicator
from survey_app.services import demo


def test_demo_has_indicators_actions_and_norm_figures(app, client, make_user, signed_in):
    with app.app_context():
        demo.load_demo(responses_per_cycle=(60, 70))
        assert db.session.execute(db.select(db.func.count(OperationalIndicator.id))).scalar() == 8
        assert db.session.execute(db.select(db.func.count(ImprovementAction.id))).scalar() == len(demo.DEMO_ACTIONS)
    headers = {"Authorization": "Bearer " + make_user("ev@example.org", "evaluator")}
    data = client.get("/api/v1/results/permis-simple?cycle=2026&baseline=2025", headers=headers).get_json()
    op = data["commitment"]["operational"]
    assert (op["met"], op["total"]) == (781, 940) and op["change"]["verdict"] == "improved"
    assert {a["title"]["en"] for a in data["actions"]} == {"Simplified online permit form",
                                                          "Weekly follow-up of late files"}
    delay = next(q for q in data["questions"] if q["id"] == "delay_days")
    assert delay["norm"] == {"max": 10, "unit": "working_days"}
    page = signed_in("evaluator").get("/results/permis-simple?cycle=2026&baseline=2025").get_data(as_text=True)
    assert "Formulaire de permis simplifié en ligne" in page and "Registre des permis délivrés" in page
