"""Importance ratings (``importance_of``) are not satisfaction: they are absent from the
results tables, the API's questions, the charts, the report and the Holm family, and appear
only in the importance-performance view."""
from __future__ import annotations

import uuid

import pytest

from survey_app.services import catalogue, cycles

DEFINITION = """
id: guichet
title: {fr: "Votre passage au guichet", en: "Your visit to the desk"}
commitment:
  code: C-91
  title: {fr: "Un guichet accueillant", en: "A welcoming desk"}
  norm: {fr: "Accueil en moins de 5 minutes", en: "Welcomed within 5 minutes"}
  unit: {code: GUICHET, name: {fr: "Guichet unique", en: "One-stop desk"}}
  target: {indicator: pct_satisfied, value: 80}
questions:
  - {id: overall, type: rating, dimension: overall, required: true, scale: {min: 1, max: 5},
     text: {fr: "Satisfaction globale?", en: "Overall satisfaction?"}}
  - {id: courtesy, type: rating, dimension: courtesy, scale: {min: 1, max: 5},
     text: {fr: "Courtoisie du personnel?", en: "Staff courtesy?"}}
  - {id: speed, type: rating, dimension: timeliness, scale: {min: 1, max: 5},
     text: {fr: "Rapidité du service?", en: "Speed of service?"}}
  - {id: courtesy_weight, type: rating, importance_of: courtesy, scale: {min: 1, max: 5},
     text: {fr: "Importance accordée à la courtoisie?", en: "How important is courtesy?"}}
  - {id: speed_weight, type: rating, importance_of: speed, scale: {min: 1, max: 5},
     text: {fr: "Importance accordée à la rapidité?", en: "How important is speed?"}}
"""
IMPORTANCE_TEXTS = ("Importance accordée à la courtoisie", "Importance accordée à la rapidité")


@pytest.fixture
def answered(app, client, tmp_path):
    (tmp_path / "guichet.yaml").write_text(DEFINITION, encoding="utf-8")
    with app.app_context():
        catalogue.sync_directory(tmp_path)
    for code, shift in (("2025", 0), ("2026", 1)):
        with app.app_context():
            cycles.create_cycle(code, f"Cycle {code}")
            cycles.set_state(code, "open")
        for i in range(24):
            body = {"submission_id": str(uuid.uuid4()), "questionnaire": "guichet", "channel": "online",
                    "language": "fr", "answers": {"overall": 1 + (i + shift) % 5, "courtesy": 1 + (i * 3 + shift) % 5,
                                                  "speed": 1 + (i * 2) % 5, "courtesy_weight": 5 - i % 2,
                                                  "speed_weight": 3 + i % 3}}
            assert client.post("/api/v1/responses", json=body).status_code == 201
        with app.app_context():
            cycles.set_state(code, "closed")


def test_importance_questions_are_not_in_the_api_questions(client, answered, make_user):
    headers = {"Authorization": "Bearer " + make_user("ev@example.org", "evaluator")}
    data = client.get("/api/v1/results/guichet?cycle=2026&baseline=2025", headers=headers).get_json()
    assert [q["id"] for q in data["questions"]] == ["overall", "courtesy", "speed"]


def test_importance_only_in_the_importance_performance_view(answered, signed_in):
    client = signed_in("evaluator")
    html = client.get("/results/guichet?cycle=2026&baseline=2025").get_data(as_text=True)
    ipa = html.index('id="chart-ipa"')
    for text in IMPORTANCE_TEXTS:
        assert text not in html[:ipa]  # not in the tables, distributions or trend before it
    before_ipa = html[:ipa]
    assert "Importance : courtoisie" not in before_ipa and "Importance : rapidité" not in before_ipa
    overview = client.get("/results/?cycle=2026&baseline=2025").get_data(as_text=True)
    for text in IMPORTANCE_TEXTS:
        assert text not in overview


def test_importance_questions_are_absent_from_the_report(answered, runner, tmp_path):
    for fmt in ("html", "csv"):
        out = tmp_path / f"report.{fmt}"
        result = runner.invoke(args=["report", "--cycle", "2026", "--baseline", "2025", "--format", fmt,
                                     "--output", str(out)])
        assert result.exit_code == 0, result.output
        text = out.read_text(encoding="utf-8-sig")
        assert "Courtoisie du personnel" in text
        for importance in IMPORTANCE_TEXTS:
            assert importance not in text
        assert "Importance : " not in text
