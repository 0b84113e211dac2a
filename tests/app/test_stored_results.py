"""Charts and disclosure patterns are stored for every server: a freshly started one shows
the same overview without drawing a chart or deciding a pattern again, and a new response
that moves no drawn figure by a tenth of a point finds its chart already drawn."""
from __future__ import annotations

import re

import pytest

from survey_app import charts, results
from survey_app.extensions import db
from survey_app.models import StoredResult
from survey_app.results import protection
from tests.app.results_data import BASELINE, CYCLE
from tests.helpers import PASSWORD

URL = f"/results/?cycle={CYCLE}&baseline={BASELINE}"


@pytest.fixture
def evaluator(app, client, make_user, answers):
    make_user("evaluator@example.org", "evaluator")
    assert client.post("/auth/login", data={"email": "evaluator@example.org",
                                            "password": PASSWORD}).status_code == 302
    return client


def svgs(html: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", html, re.S)


def test_a_fresh_server_shows_the_stored_charts_and_patterns(app, evaluator, monkeypatch):
    first = evaluator.get(URL).get_data(as_text=True)
    assert len(svgs(first)) == 2
    with app.app_context():
        kinds = {k for (k,) in db.session.execute(db.select(StoredResult.kind)).all()}
    assert kinds == {"chart", "protection"}
    results.clear_cache()
    charts.clear_cache()

    def refuse(*_args, **_kwargs):
        raise AssertionError("computed again")

    monkeypatch.setattr(charts, "_render", refuse)
    monkeypatch.setattr(protection, "compute_protection", refuse)
    again = evaluator.get(URL).get_data(as_text=True)
    assert svgs(again) == svgs(first)


def test_interval_charts_are_keyed_on_the_figures_they_can_show():
    rows = [("Accueil", (71.234, 65.01, 77.49), (74.96, 70.04, 79.951), 80.0)]
    nudged = [("Accueil", (71.2349, 65.0101, 77.4899), (74.9601, 70.0399, 79.9509), 80.0)]
    options = dict(lang="fr", title="Indice", xlabel="Indice", series=("2025", "2026"), target_label="Cible")
    assert charts.interval_chart(rows, **options) == charts.interval_chart(nudged, **options)
    assert charts.visible(rows) == (("Accueil", (71.2, 65.0, 77.5), (75.0, 70.0, 80.0), 80.0),)
