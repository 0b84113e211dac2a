import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis import (
    adjust_pvalues,
    compare_cycles,
    diff_means_ci_from_counts,
    diff_proportions_ci,
    frequency_table,
    mann_whitney_from_counts,
    percent_satisfied_from_counts,
    satisfaction_index_from_counts,
    summarize,
)


def make_rows(seed=0, n=3000, shift=(0.6, 0.0, -0.5)):
    rng = np.random.default_rng(seed)
    qs = np.array(["q1", "q2", "q3"])
    q = rng.integers(0, 3, n)
    cyc = rng.integers(0, 2, n)
    base = rng.choice(5, n, p=[0.1, 0.15, 0.3, 0.3, 0.15]) + 1
    delta = np.array(shift)[q] * cyc
    value = np.clip(np.round(base + delta + rng.normal(0, 0.3, n)), 1, 5).astype(int)
    df = pd.DataFrame({"questionnaire": "C-07", "question": qs[q],
                       "cycle": np.where(cyc == 1, "2025", "2024"), "value": value.astype(object)})
    df.loc[rng.random(n) < 0.05, "value"] = "na"
    return df


def counts_of(df, question, cycle):
    sub = df[(df.question == question) & (df.cycle == cycle)]
    return sub["value"].value_counts().to_dict()


def test_frequency_form_equals_raw_form():
    df = make_rows()
    raw = compare_cycles(df, "2024", "2025")
    freq = compare_cycles(frequency_table(df), "2024", "2025")
    pd.testing.assert_frame_equal(raw, freq)


def test_figures_match_single_question_functions():
    df = make_rows()
    out = compare_cycles(df, "2024", "2025").set_index("question")
    for q in ["q1", "q2", "q3"]:
        cb, cc = counts_of(df, q, "2024"), counts_of(df, q, "2025")
        row = out.loc[q]
        ib, ic = satisfaction_index_from_counts(cb), satisfaction_index_from_counts(cc)
        pb, pc = percent_satisfied_from_counts(cb), percent_satisfied_from_counts(cc)
        assert (row.n_baseline, row.n_na_baseline) == (ib.n, ib.n_na)
        assert_allclose([row.index_cycle, row.index_cycle_low, row.index_cycle_high],
                        [ic.estimate, *ic.confidence_interval()], rtol=1e-12)
        assert_allclose([row.pct_baseline, row.pct_baseline_low, row.pct_baseline_high],
                        [pb.estimate, *pb.confidence_interval()], rtol=1e-12)
        w = diff_means_ci_from_counts(cc, cb)  # raw scale 1-5: x25 to index points
        assert_allclose([row.index_diff, row.index_diff_low, row.index_diff_high],
                        [25 * w.estimate, *(25 * np.array(w.confidence_interval()))], rtol=1e-10)
        assert_allclose([row.index_p_value, row.index_df, row.cohen_d], [w.pvalue, w.df, w.cohen_d], rtol=1e-10)
        nl, nh = diff_proportions_ci(pc.count, pc.n, pb.count, pb.n)
        assert_allclose([row.pct_diff_low, row.pct_diff_high], [100 * nl, 100 * nh], rtol=1e-12)
        mw = mann_whitney_from_counts({k: v for k, v in cc.items() if k != "na"},
                                      {k: v for k, v in cb.items() if k != "na"})
        assert_allclose(row.ordinal_p_value, mw.pvalue, rtol=1e-12)
    assert_allclose(out["p_adjusted"], adjust_pvalues(out["index_p_value"].to_numpy(), "holm"))


def test_verdicts_on_adjusted_p():
    out = compare_cycles(make_rows(), "2024", "2025").set_index("question")
    assert out.loc["q1", "verdict"] == "improved"
    assert out.loc["q2", "verdict"] == "no significant change"
    assert out.loc["q3", "verdict"] == "declined"
    bh = compare_cycles(make_rows(), "2024", "2025", adjust="bh", primary="pct_satisfied")
    assert_allclose(bh["p_adjusted"], adjust_pvalues(bh["pct_p_value"].to_numpy(), "bh"))
    ordinal = compare_cycles(make_rows(), "2024", "2025", primary="ordinal")
    assert_allclose(ordinal["p_value"], ordinal["ordinal_p_value"])


def test_adjustment_only_matters_for_the_verdict():
    # A p-value just under 0.05 alone is significant, but not after Holm over 3 tests.
    table = pd.DataFrame({
        "question": ["q"] * 4,
        "cycle": ["A", "A", "B", "B"],
        "value": [3, 4, 3, 4],
        "count": [60, 40, 46, 54],
    })
    single = compare_cycles(table, "A", "B")
    assert 0.04 < single["index_p_value"].iloc[0] < 0.05
    assert single["verdict"].iloc[0] == "improved"
    three = pd.concat([table, table.assign(question="r", count=[50, 50, 50, 50]),
                       table.assign(question="s", count=[50, 50, 50, 50])])
    out = compare_cycles(three, "A", "B").set_index("question")
    assert out.loc["q", "verdict"] == "no significant change"
    assert out.loc["q", "index_diff_low"] > 0  # the unadjusted interval still excludes 0


def test_families():
    df = make_rows()
    df2 = make_rows(1).assign(questionnaire="C-08")
    both = pd.concat([df, df2])
    out = compare_cycles(both, "2024", "2025", family="questionnaire")
    for _, g in out.groupby("questionnaire"):
        assert_allclose(g["p_adjusted"], adjust_pvalues(g["p_value"].to_numpy()))


def test_targets_and_progress():
    df = make_rows()
    out = compare_cycles(df, "2024", "2025", targets={"C-07": 50.0}).set_index("question")
    for _q, row in out.iterrows():
        assert row.target == 50.0
        assert row.target_status == ("met" if row.pct_cycle_low >= 50 else "not met" if row.pct_cycle_high < 50 else "inconclusive")
        assert_allclose(row.target_gap, row.pct_cycle - 50)
        if row.pct_baseline < 50:
            assert_allclose(row.target_progress, (row.pct_cycle - row.pct_baseline) / (50 - row.pct_baseline))
    by_q = compare_cycles(df, "2024", "2025", targets={("C-07", "q1"): 99.0, "q2": 1.0}).set_index("question")
    assert by_q.loc["q1", "target_status"] == "not met" and by_q.loc["q2", "target_status"] == "met"
    assert pd.isna(by_q.loc["q3", "target_status"]) and np.isnan(by_q.loc["q3", "target"])
    idx = compare_cycles(df, "2024", "2025", targets=pd.DataFrame({"question": ["q1"], "target": [70.0]}),
                         target_measure="index").set_index("question")
    assert_allclose(idx.loc["q1", "target_gap"], idx.loc["q1", "index_cycle"] - 70)


def test_comparability_warning_for_changed_scale_and_wording():
    df = make_rows()
    table = frequency_table(df)
    table = table[~((table.question == "q2") & (table.cycle == "2025"))]
    seven = pd.DataFrame({"questionnaire": "C-07", "question": "q2", "cycle": "2025",
                          "value": [1, 4, 6, 7], "count": [10, 30, 40, 20]})
    table = pd.concat([table, seven], ignore_index=True)
    definitions = pd.DataFrame({
        "questionnaire": "C-07",
        "question": ["q1", "q1", "q2", "q2", "q3", "q3"],
        "cycle": ["2024", "2025"] * 3,
        "scale_min": 1, "scale_max": [5, 5, 5, 7, 5, 5],
        "wording": ["a", "a", "b", "b", "c", "c (new)"],
    })
    out = compare_cycles(table, "2024", "2025", definitions=definitions).set_index("question")
    assert out.loc["q1", "comparable"] and out.loc["q1", "comparability_warning"] == ""
    assert not out.loc["q2", "comparable"] and "1-5 to 1-7" in out.loc["q2", "comparability_warning"]
    assert not out.loc["q3", "comparable"] and "wording" in out.loc["q3", "comparability_warning"]
    # the 1-7 cycle is indexed on its own scale
    assert_allclose(out.loc["q2", "index_cycle"], (10 * 0 + 30 * 3 + 40 * 5 + 20 * 6) / 100 / 6 * 100)
    assert_allclose(out.loc["q2", "pct_cycle"], 60.0)


def test_insufficient_data_rows():
    table = pd.DataFrame({"question": ["a", "a", "a", "b", "b", "b"], "cycle": ["X", "X", "Y", "X", "Y", "Y"],
                          "value": [3, 4, 5, 2, 4, 5], "count": [5, 5, 1, 3, 2, 6]})
    out = compare_cycles(table, "X", "Y").set_index("question")
    assert out.loc["a", "verdict"] == "insufficient data"
    assert np.isnan(out.loc["a", "p_adjusted"]) and np.isnan(out.loc["a", "index_diff_low"])
    assert out.loc["b", "verdict"] in ("improved", "no significant change")
    assert out.loc["b", "p_adjusted"] == out.loc["b", "p_value"]  # a family of one


def test_all_satisfied_both_cycles_never_fails():
    table = pd.DataFrame({"question": "q", "cycle": ["A", "B"], "value": [5, 5], "count": [30, 40]})
    row = compare_cycles(table, "A", "B").iloc[0]
    assert row.index_diff == 0 and row.p_value == 1.0 and row.verdict == "no significant change"
    assert row.pct_diff == 0 and row.pct_p_value == 1.0
    assert row.pct_diff_low < 0 < row.pct_diff_high


def test_summarize():
    df = make_rows()
    s = summarize(df)
    assert len(s) == 6
    row = s[(s.question == "q1") & (s.cycle == "2025")].iloc[0]
    ref = satisfaction_index_from_counts(counts_of(df, "q1", "2025"))
    assert (row.n, row.n_na) == (ref.n, ref.n_na)
    assert_allclose([row["index"], row.index_low, row.index_high], [ref.estimate, *ref.confidence_interval()])
    assert row.index_quality in list("ABCDEF") and row.note == ""
    pd.testing.assert_frame_equal(s, summarize(frequency_table(df)))


def test_other_scales_by_mapping():
    table = pd.DataFrame({"question": ["nps", "nps", "q", "q"], "cycle": ["A", "B", "A", "B"],
                          "value": [9, 10, 4, 5], "count": [3, 3, 3, 3]})
    s = summarize(table, scale={"nps": (0, 10), "q": (1, 5)})
    assert_allclose(s["index"], [90, 100, 75, 100])


@pytest.mark.parametrize("mutate, exc, word", [
    (lambda t: t.assign(value=t["value"].replace({5: 6})), ValueError, "6"),
    (lambda t: t.assign(count=t["count"].astype(float) - 0.5), ValueError, "whole numbers"),
    (lambda t: t.assign(count=-t["count"]), ValueError, "whole numbers"),
    (lambda t: t.drop(columns="cycle"), ValueError, "'cycle'"),
    (lambda t: t.drop(columns="question"), ValueError, "'question'"),
    (lambda t: t.assign(value=t["value"].astype(float).where(t["value"] != 3)), ValueError, "NaN"),
])
def test_bad_tables(mutate, exc, word):
    table = frequency_table(make_rows().assign(value=lambda d: d["value"].replace("na", 3).astype(int)))
    with pytest.raises(exc, match=word):
        compare_cycles(mutate(table), "2024", "2025")


def test_bad_arguments():
    table = frequency_table(make_rows())
    with pytest.raises(ValueError, match="'2023'"):
        compare_cycles(table, "2023", "2025")
    with pytest.raises(ValueError, match="same"):
        compare_cycles(table, "2025", "2025")
    with pytest.raises(ValueError, match="primary"):
        compare_cycles(table, "2024", "2025", primary="median")
    with pytest.raises(ValueError, match="adjust"):
        compare_cycles(table, "2024", "2025", adjust="fdr")
    with pytest.raises(ValueError, match="family"):
        compare_cycles(table, "2024", "2025", family="channel")
    with pytest.raises(TypeError):
        compare_cycles(table.to_dict(), "2024", "2025")
