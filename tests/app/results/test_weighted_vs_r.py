"""The weighted results the application publishes equal R's survey package on the same
design: each cycle's respondents raked on language and contact (one design), the index
by ``svymean`` (calibrated SE), % satisfied by ``svyciprop(method="logit")``, a view (the
kiosk channel) as ``subset()`` of that design, and the changes from both designs.

Data: data/weighted_programme.csv; every reference value below is printed by
``Rscript tests/app/results/data/weighted_programme.R`` (R 4.2, survey 4.x), whose
calls are quoted beside each value. Tolerance: 1e-8 relative (R's raking stops at
epsilon 1e-10; svyciprop's logit estimate is an IRLS fit, exact to about 1e-9).
"""
from __future__ import annotations

import csv
import io
import datetime as dt
import hashlib
import uuid
from pathlib import Path

import pytest
import questionnaires as qn

from survey_app.database import write_transaction
from survey_app.extensions import db
from survey_app.models import Answer, Cycle, Response
from survey_app.services import catalogue, cycles, margins

DATA = Path(__file__).parent / "data" / "weighted_programme.csv"
MARGINS = {"language": {"fr": 0.7, "en": 0.3}, "contact": {"counter": 0.45, "phone": 0.55}}
TOL = 1e-8


def close(value, expected):
    return value == pytest.approx(expected, rel=TOL, abs=1e-9)


@pytest.fixture
def programme(app):
    """Two cycles of the comptoir questionnaire from the CSV, with population margins."""
    with app.app_context():
        for code in ("2025", "2026"):
            cycles.create_cycle(code, f"Cycle {code}")
        cycles.set_state("2025", "open")
        cycles.set_state("2025", "closed")
        cycles.set_state("2026", "open")
        version = catalogue.get_published("comptoir").current_version
        definition = catalogue.definition_of(version)
        with write_transaction():
            ids = {c.code: c.id for c in db.session.execute(db.select(Cycle)).scalars()}
            with DATA.open(newline="") as f:
                for number, row in enumerate(csv.DictReader(f)):
                    answers = {"overall": int(row["overall"])}
                    if row["contact"]:
                        answers["contact"] = row["contact"]
                    response = Response(
                        public_id=uuid.uuid4().hex[:16], submission_id=str(uuid.uuid4()),
                        questionnaire_id="comptoir", version_id=version.id, cycle_id=ids[row["cycle"]],
                        channel=row["channel"], language=row["language"],
                        site="Comptoir central" if row["channel"] == "kiosk" else None,
                        submitted_on=dt.date(int(row["cycle"]), 5, 1),
                        payload_hash=hashlib.sha256(str(number).encode()).hexdigest())
                    db.session.add(response)
                    for answer in qn.validate_answers(definition, answers):
                        numeric, text, is_na = qn.answer_to_storage(definition.question(answer.question_id),
                                                                    answer.value)
                        db.session.add(Answer(response=response, questionnaire_id="comptoir",
                                              cycle_id=ids[row["cycle"]], question_id=answer.question_id,
                                              numeric_value=numeric, text_value=text, is_na=is_na))
        for code in ("2025", "2026"):
            margins.set_margins(code, MARGINS)


@pytest.fixture
def evaluator(make_user):
    return {"Authorization": "Bearer " + make_user("evaluator@example.org", "evaluator")}


def overall(client, headers, query):
    response = client.get(f"/api/v1/results/comptoir?cycle=2026&baseline=2025{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return next(q for q in response.get_json()["questions"] if q["id"] == "overall")


def test_weighted_figures_and_changes_equal_r(client, programme, evaluator):
    q = overall(client, evaluator, "&weighting=raked")
    # r26 <- rake(svydesign(ids=~1, data=x, weights=~one), list(~lang_r, ~contact_r), list(pop_l, pop_c))
    # svymean(~index, r26); confint(..., df=degf(r26))
    assert q["n"] == 32
    assert close(q["index"], 67.657530348463)
    assert close(q["index_se"], 5.418555688221)
    assert close(q["index_ci"][0], 56.606313162289) and close(q["index_ci"][1], 78.708747534637)
    # svyciprop(~I(satisfied == 1), r26, method="logit")
    assert close(q["pct_satisfied"], 63.1721956173)
    assert close(q["pct_satisfied_se"], 8.5928939567)
    assert close(q["pct_satisfied_ci"][0], 44.6781751523) and close(q["pct_satisfied_ci"][1], 78.4638426935)
    assert q["pct_satisfied_ci_method"] == "logit"
    # the same for r25 (baseline)
    assert close(q["baseline"]["index"], 49.739312248584)
    assert close(q["baseline"]["index_se"], 6.415757063570)
    assert close(q["baseline"]["pct_satisfied_ci"][0], 19.9334151734)
    assert close(q["baseline"]["pct_satisfied_ci"][1], 59.9667556303)
    change = q["change"]
    # coef(m26) - coef(m25), SE sqrt(se26^2 + se25^2), Satterthwaite df from degf(r26), degf(r25):
    # the t of svycontrast on the stacked designs
    assert close(change["index_diff"], 17.918218099879)
    assert close(change["index_diff_ci"][0], 1.042356874643) and close(change["index_diff_ci"][1], 34.794079325115)
    assert close(change["p_value"], 0.0378986785491)
    # p26 - p25 and the MOVER of the two svyciprop logit intervals (Zou & Donner 2008)
    assert close(change["pct_diff"], 25.2579700619)
    assert close(change["pct_diff_ci"][0], -3.5229763378) and close(change["pct_diff_ci"][1], 48.8618683055)
    assert change["verdict"] == "improved"


def test_a_channel_is_a_domain_of_the_cycles_design_and_12_of_12_keeps_a_real_interval(client, programme, evaluator):
    q = overall(client, evaluator, "&weighting=raked&channel=kiosk")
    # svymean(~index, subset(r26, channel == "kiosk")); confint(..., df=degf(subset(...)))
    assert q["n"] == 12
    assert close(q["index"], 89.746484686861)
    assert close(q["index_se"], 3.624154351785)
    assert close(q["index_ci"][0], 81.769774740701) and close(q["index_ci"][1], 97.723194633021)
    # 12 of 12 satisfied: svyciprop(~I(satisfied == 1), subset(r26, channel == "kiosk")) has
    # SE 0 and a point interval; the application gives binom.test(12, 12)$conf.int instead
    assert q["pct_satisfied"] == 100.0 and q["pct_satisfied_se"] == 0.0
    assert q["pct_satisfied_ci_method"] == "clopper-pearson"
    assert close(q["pct_satisfied_ci"][0], 73.5351530603) and q["pct_satisfied_ci"][1] == 100.0
    # svyciprop(~I(satisfied == 1), subset(r25, channel == "kiosk"), method="logit")
    assert close(q["baseline"]["pct_satisfied"], 64.2071583985)
    assert close(q["baseline"]["pct_satisfied_ci"][0], 29.4538062827)
    assert close(q["baseline"]["pct_satisfied_ci"][1], 88.5154875563)
    change = q["change"]
    assert close(change["index_diff"], 22.411721434099)
    assert close(change["index_diff_ci"][0], 2.627590286224) and close(change["index_diff_ci"][1], 42.195852581975)
    assert close(change["p_value"], 0.0295080318902)
    # MOVER with the Clopper-Pearson interval at 12/12: stays inside [-100, 100], not of zero width
    assert close(change["pct_diff"], 35.7928416015)
    assert close(change["pct_diff_ci"][0], -0.1415846495) and close(change["pct_diff_ci"][1], 70.5461937173)


def test_no_weighted_interval_has_zero_width_or_leaves_0_100(client, programme, evaluator):
    for query in ("", "&channel=kiosk", "&channel=online", "&language=fr", "&site=Comptoir+central"):
        q = overall(client, evaluator, "&weighting=raked" + query)
        for figures in (q, q["baseline"]):
            if figures.get("suppressed"):
                continue
            for key in ("index_ci", "pct_satisfied_ci"):
                low, high = figures[key]
                assert 0.0 <= low < high <= 100.0, (query, key, low, high)
        if q["change"] is not None:
            for key in ("index_diff_ci", "pct_diff_ci"):
                low, high = q["change"][key]
                assert -100.0 <= low < high <= 100.0, (query, key, low, high)


def test_unweighted_views_are_the_views_answers_as_a_sample(client, programme, evaluator):
    """Unweighted figures are classical inference on the view's answers, conditional on their
    number (Cochran 1977, s. 2.13): the t interval of t.test(y[kiosk]), i.e. svymean on
    svydesign(ids=~1, data=x26[x26$channel == "kiosk", ]) (SE 3.71618). The domain of one
    unweighted design, svymean(~index, subset(svydesign(ids=~1, data=x26), channel ==
    "kiosk")), gives SE 3.6149: smaller by sqrt(n (n_d - 1) / ((n - 1) n_d)) because it
    treats the view's size as random; the weighted path is design-based throughout and
    takes that form (above)."""
    q = overall(client, evaluator, "&channel=kiosk")
    assert q["n"] == 12
    assert close(q["index"], 89.5833333333)
    # t.test(y)$conf.int with y <- (overall[cycle == "2026" & channel == "kiosk"] - 1) * 25
    assert close(q["index_ci"][0], 81.4040819410) and close(q["index_ci"][1], 97.7625847257)
    # Wilson at 12 of 12 (prop.test(12, 12, correct=FALSE)$conf.int)
    assert close(q["pct_satisfied_ci"][0], 75.7505993345) and q["pct_satisfied_ci"][1] == pytest.approx(100.0)


NOTES = {
    ("raked", "fr"): ["linéarisation de Taylor sur les résidus du calage", "Deville et Särndal 1992",
                      "Lumley 2010, chap. 7", "intervalle logit", "svyciprop", "Clopper-Pearson",
                      "estimations par domaine de ce même échantillon pondéré", "Satterthwaite",
                      "MOVER, Zou et Donner 2008"],
    ("raked", "en"): ["Taylor linearisation with the raking residuals", "Deville and Särndal 1992",
                      "Lumley 2010, ch. 7", "logit interval", "svyciprop", "Clopper–Pearson",
                      "domain estimates of that one weighted sample", "Satterthwaite",
                      "MOVER, Zou and Donner 2008"],
    ("none", "fr"): ["score de Wilson", "Wilson 1927", "t de Welch", "Newcombe 1998",
                     "comme un échantillon à part entière"],
    ("none", "en"): ["Wilson score", "Wilson 1927", "Welch t", "Newcombe 1998", "as a sample of their own"],
}


@pytest.fixture
def signed_in(app, client):
    from survey_app.services import users

    with app.app_context():
        users.create_user("lecteur@example.org", "a long evaluator passphrase", "evaluator")
    response = client.post("/auth/login", data={"email": "lecteur@example.org",
                                                "password": "a long evaluator passphrase"})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("weighting, lang", list(NOTES))
def test_the_methods_note_names_each_estimator_and_its_reference(signed_in, programme, weighting, lang):
    from openpyxl import load_workbook

    signed_in.get(f"/language/{lang}")
    html = signed_in.get(f"/results/?cycle=2026&baseline=2025&weighting={weighting}").get_data(as_text=True)
    note = html[html.index('id="methods"'):]
    note = note[:note.index("</section>")]
    report = signed_in.get(f"/results/report?cycle=2026&baseline=2025&weighting={weighting}&format=xlsx&lang={lang}")
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(report.data)).worksheets[-1]
    lines = " ".join(str(row[0].value) for row in sheet.iter_rows())
    for phrase in NOTES[(weighting, lang)]:
        assert phrase in note, phrase
        assert phrase in lines, phrase
    # the other branch's estimators are not claimed
    other = NOTES[("none" if weighting == "raked" else "raked", lang)]
    assert not any(phrase in note for phrase in other if phrase not in NOTES[(weighting, lang)])


@pytest.mark.parametrize("index, expected", [
    # 100 * binom.test(12, 12)$conf.int: every answer at the top of the scale
    (100.0, (73.5351530603, 100.0)),
    # 100 * binom.test(0, 12)$conf.int: every answer at the bottom
    (0.0, (0.0, 26.4648469397)),
    # every answer in the middle: 50 * share .. 50 * share + 100 * (1 - share), share = 0.735351530603
    (50.0, (36.7675765302, 63.2324234698)),
])
def test_an_index_whose_answers_are_all_the_same_keeps_an_interval_inside_0_100(index, expected):
    from survey_app.results.weighted import zero_variance_index_ci

    low, high = zero_variance_index_ci(index, 12, 0.95)
    assert close(low, expected[0]) and close(high, expected[1])
    assert 0.0 <= low < index <= high <= 100.0 or 0.0 <= low <= index < high <= 100.0


def test_the_weighted_drill_down_trend_shows_the_weighted_figures(app, signed_in, programme):
    from survey_app import results

    with app.app_context():
        detail = results.commitment_detail("comptoir", "2026", "2025", filters=results.Filters(channel="kiosk"),
                                           weighting="raked")
    points = {p.cycle: p.figures for p in detail.trend["overall"]}
    overall = detail.result.question("overall")
    assert points["2026"] == overall.cycle and points["2025"] == overall.baseline
    assert close(points["2026"].index, 89.746484686861)  # svymean(~index, subset(r26, channel == "kiosk"))
    page = signed_in.get("/results/comptoir?cycle=2026&baseline=2025&weighting=raked&channel=kiosk")
    assert page.status_code == 200
