"""Norms measured from the survey: the figures of a number question with a norm (median,
order-statistic interval, share within the norm, Wilson; its change, Newcombe) equal an
independent computation on the same answers, in the results API and the drill-down."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import analysis
from tests.app import results_data
from tests.app.results_data import BASELINE, CYCLE


@pytest.fixture
def evaluator(make_user):
    return {"Authorization": "Bearer " + make_user("evaluator@example.org", "evaluator")}


def _waits(answers, cycle):
    rows = answers[(answers["question"] == "wait_minutes") & (answers["cycle"] == cycle)]
    return np.array([float(v) for v in rows["value"] if v != "na"])


def _order_statistic_ci(values):
    # written out from Conover (1999) 3.2: k = qbinom(0.025, n, 0.5), [x(k), x(n-k+1)]
    x = np.sort(values)
    n = len(x)
    k = int(stats.binom.ppf(0.025, n, 0.5))
    return [x[k - 1], x[n - k]]


Z_95 = stats.norm.isf(0.025)


def _wilson(count, n, z=Z_95):
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [100 * (centre - half), 100 * (centre + half)]


def test_number_question_with_norm_figures_equal_an_independent_computation(client, answers, evaluator):
    data = client.get(f"/api/v1/results/comptoir?cycle={CYCLE}&baseline={BASELINE}", headers=evaluator).get_json()
    wait = next(q for q in data["questions"] if q["id"] == "wait_minutes")
    assert wait["norm"] == {"max": 15, "unit": "minutes"}
    now, before = _waits(answers, CYCLE), _waits(answers, BASELINE)
    assert wait["n"] == len(now)
    assert wait["median"] == np.median(now)
    assert wait["median_ci"] == _order_statistic_ci(now)
    within_now, within_before = int((now <= 15).sum()), int((before <= 15).sum())
    assert wait["pct_within_norm"] == pytest.approx(100 * within_now / len(now))
    assert wait["pct_within_norm_ci"] == pytest.approx(_wilson(within_now, len(now)))
    assert wait["baseline"]["median"] == np.median(before)
    assert wait["baseline"]["median_ci"] == _order_statistic_ci(before)
    low, high = analysis.diff_proportions_ci(within_now, len(now), within_before, len(before), method="newcombe")
    change = wait["change"]
    assert change["pct_diff"] == pytest.approx(100 * (within_now / len(now) - within_before / len(before)))
    assert change["pct_diff_ci"] == pytest.approx([100 * low, 100 * high])
    assert change["verdict"] in analysis.VERDICTS


def test_a_norm_below_the_minimum_cell_size_is_suppressed(app, client, evaluator):
    results_data.load(app, n_baseline=5, n_cycle=6)
    data = client.get(f"/api/v1/results/comptoir?cycle={CYCLE}", headers=evaluator).get_json()
    wait = next(q for q in data["questions"] if q["id"] == "wait_minutes")
    assert wait["suppressed"] is True and "median" not in wait and "n" not in wait


def test_questionnaire_definition_shows_the_norm_on_the_question(client, answers):
    data = client.get("/api/v1/questionnaires/comptoir").get_json()
    norms = {q["id"]: q["norm"] for q in data["questions"]}
    assert norms["wait_minutes"] == {"max": 15, "unit": "minutes"}
    assert norms["overall"] is None


def test_drill_down_shows_the_median_and_share_within_the_norm(answers, signed_in):
    client = signed_in("evaluator")
    page = client.get(f"/results/comptoir?cycle={CYCLE}&baseline={BASELINE}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="norms-title"' in html
    median = np.median(_waits(answers, CYCLE))
    assert f"{median:.1f}".replace(".", ",") in html
    assert "Norme respectée, selon les citoyens" in html or "Norm kept, as citizens report it" in html
