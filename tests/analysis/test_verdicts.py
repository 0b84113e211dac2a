"""The verdict and target rules of analysis.verdicts: the one home both result paths use."""
import numpy as np
import pandas as pd
import pytest

import analysis
from analysis import compare_cycles, judge_changes, target_status


def test_target_status_scalar_is_the_array_rule_on_one_value():
    lows = np.array([86.0, 70.0, 80.0, np.nan])
    highs = np.array([95.0, 84.0, 90.0, np.nan])
    assert list(target_status(lows, highs, 85.0)) == ["met", "not met", "inconclusive", None]
    for low, high, expected in zip(lows, highs, ["met", "not met", "inconclusive", None]):
        assert target_status(low, high, 85.0) == expected
    assert target_status(None, None, 85.0) is None
    assert target_status(85.0, 90.0, 85.0) == "met"  # at the target counts as met
    assert target_status(80.0, 90.0, None) is None


def test_verdicts_follow_the_adjusted_p_and_the_sign():
    judged = judge_changes([5.0, -4.0, 1.0, 0.0], [0.001, 0.004, 0.2, 0.001])
    # Holm on four p-values: 0.001 * 4, 0.001 * 3, 0.004 * 2, 0.2
    np.testing.assert_allclose(judged.p_adjusted, [0.004, 0.008, 0.2, 0.004])
    assert list(judged.verdict) == ["improved", "declined", "no significant change", "no significant change"]
    assert list(judged.target_status) == [None] * 4


def test_families_are_adjusted_apart_and_invalid_tests_take_no_part():
    judged = judge_changes([3.0, 3.0, 3.0], [0.03, 0.03, np.nan], family=["a", "b", "a"])
    np.testing.assert_allclose(judged.p_adjusted[:2], [0.03, 0.03])  # a family of one each
    assert np.isnan(judged.p_adjusted[2]) and np.isnan(judged.p_value[2])
    assert list(judged.verdict) == ["improved", "improved", "insufficient data"]
    held = judge_changes([3.0, 3.0], [0.03, 0.03], valid=[True, False])
    assert list(held.verdict) == ["improved", "insufficient data"]
    assert held.p_adjusted[0] == 0.03


def test_the_level_sets_alpha():
    assert judge_changes([2.0], [0.03], confidence_level=0.99).verdict[0] == "no significant change"
    with pytest.raises(ValueError, match="adjust"):
        judge_changes([2.0], [0.03], adjust="fdr")
    with pytest.raises(ValueError, match="length"):
        judge_changes([2.0, 1.0], [0.03])


def test_compare_cycles_verdicts_are_judge_changes():
    rng = np.random.default_rng(7)
    rows = [(q, c, int(v)) for q, shift in (("q1", 0.0), ("q2", 0.6), ("q3", -0.5))
            for c, extra in (("A", 0.0), ("B", shift)) for v in np.clip(np.round(rng.normal(3.3 + extra, 1, 80)), 1, 5)]
    table = pd.DataFrame(rows, columns=["question", "cycle", "value"])
    out = compare_cycles(table, "A", "B", targets=70.0)
    judged = judge_changes(out["index_diff"], out["index_p_value"], confidence_level=0.95,
                           low=out["pct_cycle_low"], high=out["pct_cycle_high"], target=70.0)
    assert list(out["verdict"]) == list(judged.verdict)
    np.testing.assert_array_equal(out["p_adjusted"], judged.p_adjusted)
    assert list(out["target_status"]) == list(judged.target_status)
    assert set(out["verdict"]) <= set(analysis.VERDICTS)


def test_satisfied_is_the_top_boxes():
    assert analysis.satisfied_threshold(5, 2) == 4
    assert analysis.satisfied_threshold(10, 3) == 8
    assert analysis.satisfied_threshold(1, 1) == 1  # yes on a yes/no question
    np.testing.assert_array_equal(analysis.satisfied_threshold(np.array([5, 7]), 2), [4, 6])
