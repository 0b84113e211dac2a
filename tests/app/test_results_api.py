"""GET /api/v1/results/<questionnaire_id>: design.md's fields, roles, suppression, and the
numbers agree with the analysis package computed independently on the same answers.

tests/postgres/test_results_api.py runs this same module against PostgreSQL.
"""
from __future__ import annotations

import analysis
import pytest

from tests.app import results_data
from tests.app.results_data import BASELINE, CYCLE

FIGURES = {"n", "index", "index_ci", "pct_satisfied", "pct_satisfied_ci"}
CHANGE = {"index_diff", "index_diff_ci", "pct_diff", "pct_diff_ci", "p_value", "p_adjusted", "verdict"}


@pytest.fixture
def evaluator(make_user):
    return {"Authorization": "Bearer " + make_user("evaluator@example.org", "evaluator")}


def get(client, headers, query="", questionnaire="comptoir"):
    return client.get(f"/api/v1/results/{questionnaire}{query}", headers=headers)


def test_fields_and_numbers_match_the_analysis_package(client, answers, evaluator):
    response = get(client, evaluator, f"?cycle={CYCLE}&baseline={BASELINE}")
    assert response.status_code == 200
    data = response.get_json()
    assert (data["questionnaire"], data["cycle"], data["baseline"]) == ("comptoir", CYCLE, BASELINE)
    questions = {q["id"]: q for q in data["questions"]}
    # rating questions, then number questions that declare a norm (tests/app/results/test_norms.py);
    # yes/no, choice, other number and text questions are not listed
    assert list(questions) == ["overall", "courtesy", "wait_minutes"]
    overall = questions["overall"]
    assert set(overall) >= FIGURES and set(overall["change"]) >= CHANGE
    assert set(overall["baseline"]) >= FIGURES

    # independently: the raw answer rows of the publishable questions (courtesy is
    # suppressed in the cycle, so it is out of the comparison and of the Holm family)
    rows = results_data.rating_rows(answers, ("overall",))
    expected = analysis.compare_cycles(rows, BASELINE, CYCLE, scale=(1, 5), family="questionnaire")
    row = expected.set_index("question").loc["overall"]
    assert overall["n"] == row["n_cycle"]
    assert overall["index"] == pytest.approx(row["index_cycle"])
    assert overall["index_ci"] == pytest.approx([row["index_cycle_low"], row["index_cycle_high"]])
    assert overall["pct_satisfied"] == pytest.approx(row["pct_cycle"])
    assert overall["pct_satisfied_ci"] == pytest.approx([row["pct_cycle_low"], row["pct_cycle_high"]])
    assert overall["baseline"]["n"] == row["n_baseline"]
    assert overall["baseline"]["index"] == pytest.approx(row["index_baseline"])
    assert overall["baseline"]["pct_satisfied_ci"] == pytest.approx([row["pct_baseline_low"], row["pct_baseline_high"]])
    change = overall["change"]
    assert change["index_diff"] == pytest.approx(row["index_diff"])
    assert change["index_diff_ci"] == pytest.approx([row["index_diff_low"], row["index_diff_high"]])
    assert change["pct_diff"] == pytest.approx(row["pct_diff"])
    assert change["pct_diff_ci"] == pytest.approx([row["pct_diff_low"], row["pct_diff_high"]])
    assert change["p_value"] == pytest.approx(row["p_value"])
    assert change["p_adjusted"] == pytest.approx(row["p_adjusted"])
    assert change["verdict"] == row["verdict"] == "improved"

    # the per-cycle figures are the frequency-table estimators of the package too
    cycle_values = rows[rows["cycle"] == CYCLE]["value"]
    index = analysis.satisfaction_index(list(cycle_values), scale=(1, 5))
    assert overall["index"] == pytest.approx(index.estimate)
    assert overall["index_ci"] == pytest.approx(list(index.confidence_interval()))
    pct = analysis.percent_satisfied(list(cycle_values), scale=(1, 5))
    assert overall["pct_satisfied_ci"] == pytest.approx(list(pct.confidence_interval()))


def test_a_question_below_the_minimum_cell_size_is_suppressed(client, answers, evaluator):
    data = get(client, evaluator, f"?cycle={CYCLE}&baseline={BASELINE}").get_json()
    courtesy = next(q for q in data["questions"] if q["id"] == "courtesy")
    assert courtesy["suppressed"] is True
    assert not (FIGURES | {"baseline", "change"}) & set(courtesy)
    # the baseline alone has enough answers: published there
    data = get(client, evaluator, f"?cycle={BASELINE}").get_json()
    courtesy = next(q for q in data["questions"] if q["id"] == "courtesy")
    assert "suppressed" not in courtesy and courtesy["n"] >= 10


def test_filters_narrow_the_responses_and_suppress_small_cells(client, answers, evaluator):
    data = get(client, evaluator, f"?cycle={CYCLE}&baseline={BASELINE}&language=en").get_json()
    overall = next(q for q in data["questions"] if q["id"] == "overall")
    rows = answers[(answers["question"] == "overall") & (answers["cycle"] == CYCLE) & (answers["language"] == "en")]
    assert overall["n"] == len(rows)
    assert overall["index"] == pytest.approx(
        analysis.satisfaction_index([int(v) for v in rows["value"]], scale=(1, 5)).estimate)
    assert data["filters"] == {"language": "en"}
    phone = get(client, evaluator, f"?cycle={CYCLE}&baseline={BASELINE}&channel=phone").get_json()
    assert all(q.get("suppressed") for q in phone["questions"])
    assert "responses" not in phone and phone["suppressed"] is True  # a withheld view tells no count
    # the counter's site holds every kiosk answer: all - online - site would give the phone
    # answers (fewer than 10), so the site's view is withheld too (issue 11)
    kiosk = get(client, evaluator, f"?cycle={CYCLE}&site=Comptoir%20central").get_json()
    assert all(q.get("suppressed") and "n" not in q for q in kiosk["questions"])
    assert "responses" not in kiosk


def test_without_a_baseline_there_is_no_change(client, answers, evaluator):
    data = get(client, evaluator, f"?cycle={CYCLE}").get_json()
    assert data["baseline"] is None
    assert all("change" not in q and "baseline" not in q for q in data["questions"])


def test_new_answers_are_counted_at_once(app, client, answers, evaluator):
    before = get(client, evaluator, f"?cycle={CYCLE}").get_json()["questions"][0]["n"]
    posted = client.post("/api/v1/responses", json={
        "submission_id": "5b2e8a5e-2f4e-4a59-9a4e-1c6f0b0d7a10", "questionnaire": "comptoir",
        "channel": "online", "language": "fr", "answers": {"overall": 5}})
    assert posted.status_code == 201
    assert get(client, evaluator, f"?cycle={CYCLE}").get_json()["questions"][0]["n"] == before + 1


@pytest.mark.parametrize("query, field", [
    ("?cycle=1999", "cycle"),
    (f"?cycle={CYCLE}&baseline=1999", "baseline"),
    (f"?cycle={CYCLE}&baseline={CYCLE}", "baseline"),
    (f"?cycle={CYCLE}&channel=pigeon", "channel"),
    (f"?cycle={CYCLE}&weighting=magic", "weighting"),
])
def test_bad_parameters_are_400_with_the_field(client, answers, evaluator, query, field):
    response = get(client, evaluator, query)
    assert response.status_code == 400
    assert field in response.get_json()["errors"]


def test_unknown_questionnaire_is_404(client, answers, evaluator):
    assert get(client, evaluator, f"?cycle={CYCLE}", questionnaire="nope").status_code == 404


def test_anonymous_is_401_and_staff_is_403(client, answers, make_user):
    assert get(client, {}, f"?cycle={CYCLE}").status_code == 401
    staff = {"Authorization": "Bearer " + make_user("staff@example.org", "staff")}
    assert get(client, staff, f"?cycle={CYCLE}").status_code == 403
    bogus = {"Authorization": "Bearer not-a-token"}
    assert get(client, bogus, f"?cycle={CYCLE}").status_code == 401


def test_admin_token_and_evaluator_session_work(client, answers, make_user):
    admin = {"Authorization": "Bearer " + make_user("admin@example.org", "admin")}
    assert get(client, admin, f"?cycle={CYCLE}").status_code == 200
    make_user("eva@example.org", "evaluator")
    from tests.helpers import PASSWORD

    client.post("/auth/login", data={"email": "eva@example.org", "password": PASSWORD})
    assert get(client, {}, f"?cycle={CYCLE}").status_code == 200


def test_weighted_results_match_raking_and_design_based_intervals(app, client, answers, evaluator):
    """Raked to margins on the language of the response and the `contact` choice question,
    computed independently from the respondents with analysis.rake, then the calibrated
    analysis.mean_ci (index) and the logit analysis.design_proportion_ci (% satisfied);
    tests/app/results/test_weighted_vs_r.py pins the same path against R."""
    import pandas as pd

    from survey_app.services import margins as margins_service

    margins = {"language": {"fr": 0.7, "en": 0.3}, "contact": {"counter": 0.4, "phone": 0.6}}
    with app.app_context():
        for code in (BASELINE, CYCLE):
            margins_service.set_margins(code, margins)
    data = get(client, evaluator, f"?cycle={CYCLE}&baseline={BASELINE}&weighting=raked").get_json()
    assert data["weighting"] == "raked"
    assert {i["cycle"] for i in data["weighting_info"]} == {CYCLE, BASELINE}
    assert all(i["variables"] == ["language", "contact"] and not i["problem"] for i in data["weighting_info"])
    overall = next(q for q in data["questions"] if q["id"] == "overall")

    def weighted(code):
        mine = answers[answers["cycle"] == code]
        people = mine.pivot_table(index="response", columns="question", values="value", aggfunc="first")
        frame = pd.DataFrame({
            "language": mine.groupby("response")["language"].first(),
            "contact": people["contact"],
            "overall": people["overall"].astype(float),
        })
        raked = analysis.rake(frame, margins, tol=1e-10, max_iter=1000)  # as the application
        index = analysis.mean_ci((frame["overall"].to_numpy() - 1) * 25.0, calibration=raked)
        pct = analysis.design_proportion_ci(frame["overall"].to_numpy() >= 4, calibration=raked)
        return index, pct

    index, pct = weighted(CYCLE)
    assert overall["n"] == index.n
    assert overall["index"] == pytest.approx(index.mean)
    assert overall["index_ci"] == pytest.approx(list(index.confidence_interval()))
    assert overall["pct_satisfied"] == pytest.approx(100 * pct.proportion)
    assert overall["pct_satisfied_ci"] == pytest.approx([100 * x for x in pct.confidence_interval()])
    base_index, base_pct = weighted(BASELINE)
    assert overall["baseline"]["index"] == pytest.approx(base_index.mean)
    diff = analysis.diff_means_ci_from_results(index, base_index)
    assert overall["change"]["index_diff"] == pytest.approx(diff.estimate)
    assert overall["change"]["index_diff_ci"] == pytest.approx(list(diff.confidence_interval()))
    assert overall["change"]["p_value"] == pytest.approx(diff.pvalue)
    # the only published rating question forms the family: Holm leaves p unchanged
    assert overall["change"]["p_adjusted"] == pytest.approx(diff.pvalue)
    pdiff = analysis.diff_proportions_ci_from_results(pct, base_pct, method="newcombe")
    assert overall["change"]["pct_diff_ci"] == pytest.approx([100 * x for x in pdiff.confidence_interval()])
    # weighting moves the estimate away from the unweighted one
    plain = next(q for q in get(client, evaluator, f"?cycle={CYCLE}").get_json()["questions"] if q["id"] == "overall")
    assert plain["index"] != pytest.approx(overall["index"])
    # suppression still holds
    courtesy = next(q for q in data["questions"] if q["id"] == "courtesy")
    assert courtesy["suppressed"] is True and "index" not in courtesy


def test_weighting_without_margins_says_so(client, answers, evaluator):
    data = get(client, evaluator, f"?cycle={CYCLE}&weighting=raked").get_json()
    assert [i["problem"] for i in data["weighting_info"]] == ["no margins"]
    plain = get(client, evaluator, f"?cycle={CYCLE}").get_json()
    assert data["questions"][0]["index"] == pytest.approx(plain["questions"][0]["index"])


def test_cached_tables_follow_new_and_removed_responses(app, client, answers, evaluator):
    """Counts kept per cycle are topped up by a delta when responses are added, and
    recounted in full when one disappears: both agree with a count from scratch."""
    from survey_app.extensions import db
    from survey_app.models import Response
    from survey_app import results

    url = f"?cycle={CYCLE}&baseline={BASELINE}"
    get(client, evaluator, url)  # fills the per-cycle tables
    for value in (1, 2, 5):
        posted = client.post("/api/v1/responses", json={
            "submission_id": f"5b2e8a5e-2f4e-4a59-9a4e-1c6f0b0d7a1{value}", "questionnaire": "comptoir",
            "channel": "online", "language": "fr", "answers": {"overall": value, "courtesy": value}})
        assert posted.status_code == 201
    topped_up = get(client, evaluator, url).get_json()
    with app.app_context():
        results.clear_cache()
    from_scratch = get(client, evaluator, url).get_json()
    assert topped_up == from_scratch
    assert topped_up["questions"][0]["n"] == len(answers[(answers["question"] == "overall")
                                                        & (answers["cycle"] == CYCLE)]) + 3
    with app.app_context():
        first = db.session.execute(db.select(Response).order_by(Response.id)).scalars().first()
        db.session.delete(first)
        db.session.commit()
    after_removal = get(client, evaluator, f"?cycle={BASELINE}").get_json()
    baseline_n = len(answers[(answers["question"] == "overall") & (answers["cycle"] == BASELINE)])
    assert after_removal["questions"][0]["n"] == baseline_n - 1
