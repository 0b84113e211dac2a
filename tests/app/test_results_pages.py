"""The results pages through HTTP: access by role, the figures on the overview and the
drill-down agree with the analysis package, suppression on every page, publication of a
cycle and the public page, population margins."""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import analysis
import pytest

from survey_app import charts
from survey_app.database import write_transaction
from survey_app.extensions import db
from survey_app.models import Answer, Cycle, Response
from survey_app.services import catalogue
from tests.app import results_data
from tests.app.results_data import BASELINE, CYCLE
from tests.helpers import PASSWORD

SUPPRESSED_FR = "Masqué : moins de 10 réponses"


def sign_in(client, make_user, email, role):
    make_user(email, role)
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


@pytest.fixture
def evaluator(client, make_user):
    sign_in(client, make_user, "evaluator@example.org", "evaluator")
    return client


def fr(value, digits=1):
    return charts.number(value, "fr", digits)


def fr_interval(low, high):
    return f"[{fr(low)} ; {fr(high)}]"


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# ---------------------------------------------------------------------------- access


@pytest.mark.parametrize("url", ["/results/", "/results/comptoir", "/admin/cycles", "/admin/cycles/2025/margins"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, answers, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("url", ["/results/", "/results/comptoir", "/admin/cycles"])
def test_staff_cannot_see_the_evaluators_pages(client, make_user, answers, url):
    sign_in(client, make_user, "staff@example.org", "staff")
    assert client.get(url).status_code == 403


def test_staff_token_is_refused_too(client, make_user, answers):
    token = make_user("staff@example.org", "staff")
    assert client.get("/results/", headers={"Authorization": f"Bearer {token}"}).status_code == 403


def test_evaluators_cannot_administer_cycles(evaluator, answers):
    assert evaluator.get("/admin/cycles").status_code == 403
    assert evaluator.post(f"/admin/cycles/{BASELINE}/publish").status_code == 403


# ---------------------------------------------------------------------------- overview


def test_overview_shows_the_figures_of_the_analysis_package(evaluator, answers):
    html = page(evaluator, f"/results/?cycle={CYCLE}&baseline={BASELINE}")
    rows = results_data.rating_rows(answers, ("overall",))
    expected = analysis.compare_cycles(rows, BASELINE, CYCLE, scale=(1, 5), family="questionnaire").iloc[0]
    assert '<html lang="fr">' in html
    assert "C-90" in html
    assert f"{fr(expected['index_cycle'])}</span>" in html
    assert fr_interval(expected["index_cycle_low"], expected["index_cycle_high"]) in html
    assert fr_interval(expected["pct_cycle_low"], expected["pct_cycle_high"]) in html
    assert fr_interval(expected["index_diff_low"], expected["index_diff_high"]) in html
    assert fr_interval(expected["pct_diff_low"], expected["pct_diff_high"]) in html
    assert "Amélioration" in html  # the verdict badge
    # the target: 85 % satisfied, read against the cycle's Wilson interval
    status = {"met": "Cible atteinte", "not met": "Cible non atteinte", "inconclusive": "Non concluant"}
    assert status[expected_target_status(expected, 85)] in html
    # charts with their table alternative, and the methods note
    assert html.count('<svg role="img"') == 2
    assert html.count("Tableau des données de ce graphique") == 2
    assert "Note méthodologique" in html and "Holm" in html
    assert "<svg" in html and "http" not in html.split("<svg", 1)[1].split("</svg>")[0].replace(
        "http://www.w3.org", "")


def expected_target_status(row, target):
    if row["pct_cycle_low"] >= target:
        return "met"
    if row["pct_cycle_high"] < target:
        return "not met"
    return "inconclusive"


def test_overview_in_english_uses_decimal_points(evaluator, answers):
    html = page(evaluator, f"/results/?cycle={CYCLE}&baseline={BASELINE}&lang=en")
    rows = results_data.rating_rows(answers, ("overall",))
    expected = analysis.compare_cycles(rows, BASELINE, CYCLE, scale=(1, 5)).iloc[0]
    assert '<html lang="en">' in html
    assert f"[{expected['index_cycle_low']:.1f}, {expected['index_cycle_high']:.1f}]" in html
    assert "Improved" in html


def test_overview_suppresses_small_cells(evaluator, answers):
    html = page(evaluator, f"/results/?cycle={CYCLE}&baseline={BASELINE}&channel=phone")
    assert SUPPRESSED_FR in html
    phone = answers[(answers["question"] == "overall") & (answers["channel"] == "phone")
                    & (answers["cycle"] == CYCLE)]
    index = analysis.satisfaction_index([int(v) for v in phone["value"]], scale=(1, 5)).estimate
    assert f"{fr(index)}</span>" not in html
    assert "Amélioration" not in html


def test_overview_filters_and_methods_note(evaluator, answers):
    html = page(evaluator, f"/results/?cycle={CYCLE}&baseline={BASELINE}&language=en")
    assert "Résultats filtrés." in html
    en = answers[(answers["question"] == "overall") & (answers["language"] == "en") & (answers["cycle"] == CYCLE)]
    index = analysis.satisfaction_index([int(v) for v in en["value"]], scale=(1, 5)).estimate
    assert f"{fr(index)}</span>" in html
    # responses by channel in the methods note
    online = answers[(answers["question"] == "overall") & (answers["cycle"] == CYCLE) & (answers["channel"] == "online")]
    kiosk = answers[(answers["question"] == "overall") & (answers["cycle"] == CYCLE) & (answers["channel"] == "kiosk")]
    assert "Répondants par mode de collecte" in html
    unfiltered = page(evaluator, f"/results/?cycle={CYCLE}&baseline={BASELINE}")
    assert f"<td>{len(online)}</td>" in unfiltered
    # kiosk and phone are withheld together: all - online - kiosk would give the phone (issue 11)
    methods = unfiltered[unfiltered.index('id="methods"'):]
    methods = methods[:methods.index("</table>")]
    assert f"<td>{len(kiosk)}</td>" not in methods and ">Borne<" not in methods


def test_overview_without_baseline(evaluator, answers):
    html = page(evaluator, f"/results/?cycle={BASELINE}&baseline=none")
    assert "Variation de l'indice" not in html
    assert html.count('<svg role="img"') == 1


def test_bad_filters_are_400(evaluator, answers):
    assert evaluator.get("/results/?channel=pigeon").status_code == 400
    assert evaluator.get("/results/?weighting=magic").status_code == 400
    assert evaluator.get("/results/?cycle=1999").status_code == 404


# ---------------------------------------------------------------------------- drill-down


def test_drill_down_shows_every_question_distributions_trend_and_comments(evaluator, answers):
    html = page(evaluator, f"/results/comptoir?cycle={CYCLE}&baseline={BASELINE}")
    rows = results_data.rating_rows(answers, ("overall",))
    expected = analysis.compare_cycles(rows, BASELINE, CYCLE, scale=(1, 5)).iloc[0]
    assert fr_interval(expected["index_cycle_low"], expected["index_cycle_high"]) in html
    # courtesy: 7 answers in the cycle, suppressed
    assert SUPPRESSED_FR in html
    # the yes/no question: % yes with its Wilson interval
    met = answers[(answers["question"] == "met") & (answers["cycle"] == CYCLE) & (answers["value"] != "na")]
    yes = int(sum(float(v) == 1.0 for v in met["value"]))
    ci = analysis.proportion_ci(yes, len(met))
    assert fr_interval(100 * ci.low, 100 * ci.high) in html
    # distributions (choice question with its counts), trend, drivers
    contact = answers[(answers["question"] == "contact") & (answers["cycle"] == CYCLE)]
    counter = int((contact["value"] == "counter").sum())
    assert f"({counter})</td>" in html
    assert 'id="chart-trend"' in html and 'id="chart-dist-contact"' in html
    # comments: the cycle has more than 10 responses, so they are shown (escaped)
    assert "Merci beaucoup!" in html or "Personnel aimable." in html
    assert "=HYPERLINK(&#34;x&#34;)" in html or "=HYPERLINK(&quot;x&quot;)" in html or "HYPERLINK" not in html


def test_comments_are_withheld_below_the_minimum_cell_size(evaluator, answers):
    html = page(evaluator, f"/results/comptoir?cycle={CYCLE}&baseline={BASELINE}&channel=phone")
    assert "Les commentaires ne sont affichés que sans filtre" in html
    for comment in results_data.COMMENTS:
        assert comment not in html
    # nor in a large filtered view: two overlapping views would isolate a group (issue 11)
    html = page(evaluator, f"/results/comptoir?cycle={CYCLE}&baseline={BASELINE}&channel=online")
    assert "Les commentaires ne sont affichés que sans filtre" in html


def test_unknown_questionnaire_is_404(evaluator, answers):
    assert evaluator.get("/results/nope").status_code == 404


# ---------------------------------------------------------------------------- publication


def add_responses(app, questionnaire_id, cycle_code, n, value=4):
    with app.app_context():
        version = db.session.get(catalogue.Questionnaire, questionnaire_id).current_version
        cycle = db.session.execute(db.select(Cycle).where(Cycle.code == cycle_code)).scalar_one()
        with write_transaction():
            for i in range(n):
                response = Response(public_id=uuid.uuid4().hex[:16], submission_id=str(uuid.uuid4()),
                                    questionnaire_id=questionnaire_id, version_id=version.id, cycle_id=cycle.id,
                                    channel="paper", language="fr", submitted_on=dt.date(2025, 5, 1),
                                    payload_hash=hashlib.sha256(str(i).encode()).hexdigest())
                db.session.add(response)
                db.session.add(Answer(response=response, questionnaire_id=questionnaire_id, cycle_id=cycle.id,
                                      question_id="overall", numeric_value=float(value), is_na=False))


def test_public_results_only_after_an_admin_publishes_a_closed_cycle(app, client, make_user, answers):
    add_responses(app, "cache", BASELINE, 5)  # a commitment with too few responses
    assert client.get(f"/public/results/{BASELINE}").status_code == 404
    assert "Aucun résultat n’a encore été publié." in page(client, "/public/results/")
    sign_in(client, make_user, "admin@example.org", "admin")
    assert client.post(f"/admin/cycles/{CYCLE}/publish").status_code == 302  # open: refused
    with app.app_context():
        assert db.session.execute(db.select(Cycle.state).where(Cycle.code == CYCLE)).scalar_one() == "open"
    response = client.post(f"/admin/cycles/{BASELINE}/publish")
    assert response.status_code == 302
    with app.app_context():
        cycle = db.session.execute(db.select(Cycle).where(Cycle.code == BASELINE)).scalar_one()
        assert cycle.state == "published" and cycle.published_at is not None
    client.post("/auth/logout")

    html = page(client, f"/public/results/{BASELINE}")
    rows = results_data.rating_rows(answers, ("overall",))
    base = rows[rows["cycle"] == BASELINE]
    pct = analysis.percent_satisfied(list(base["value"]), scale=(1, 5))
    low, high = pct.confidence_interval()
    assert f"entre {fr(low)} et {fr(high)}, 19 fois sur 20" in html
    assert "C-90" in html
    assert "C-91" in html and SUPPRESSED_FR in html  # 5 responses: suppressed
    assert client.get("/public/results/").status_code == 302  # the only published cycle
    english = page(client, f"/public/results/{BASELINE}?lang=en")
    assert f"between {low:.1f} and {high:.1f}, 19 times out of 20" in english
    assert client.get(f"/public/results/{CYCLE}").status_code == 404


def test_publish_from_the_command_line(app, runner, answers):
    result = runner.invoke(args=["cycles", "publish", BASELINE])
    assert result.exit_code == 0, result.output
    assert "published" in result.output
    again = runner.invoke(args=["cycles", "publish", CYCLE])
    assert again.exit_code != 0 and "closed" in again.output


# ---------------------------------------------------------------------------- margins


def test_margins_are_edited_by_an_admin_and_enable_weighting(app, client, make_user, answers):
    sign_in(client, make_user, "admin@example.org", "admin")
    bad = client.post(f"/admin/cycles/{CYCLE}/margins", data={"margins": "language,fr,abc\nlanguage,en,0.5"})
    assert bad.status_code == 422
    good = client.post(f"/admin/cycles/{CYCLE}/margins",
                       data={"margins": "variable,category,value\nlanguage,fr,60\nlanguage,en,40\n"})
    assert good.status_code == 302
    with app.app_context():
        cycle = db.session.execute(db.select(Cycle).where(Cycle.code == CYCLE)).scalar_one()
        assert cycle.population_margins == {"language": {"fr": 0.6, "en": 0.4}}
    html = page(client, f"/results/?cycle={CYCLE}&baseline={BASELINE}&weighting=raked")
    assert "Résultats pondérés selon la population." in html
    assert "calage sur language" in html
    assert "Marges du cycle 2026." in html  # the baseline has none: the cycle's are used


def test_margins_from_the_command_line(app, runner, tmp_path, answers):
    path = tmp_path / "margins.csv"
    path.write_text("variable,category,value\ncontact,counter,500\ncontact,phone,500\n", encoding="utf-8")
    result = runner.invoke(args=["cycles", "margins", CYCLE, str(path)])
    assert result.exit_code == 0, result.output
    assert "contact,counter,500" in result.output
    shown = runner.invoke(args=["cycles", "margins", CYCLE])
    assert "contact,phone,500" in shown.output
    cleared = runner.invoke(args=["cycles", "margins", CYCLE, "--clear"])
    assert "has no margins" in cleared.output
