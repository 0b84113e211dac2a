import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from statsmodels.stats.multitest import multipletests

from analysis import adjust_pvalues

# Benjamini & Hochberg (1995), JRSS B 57:289-300, section 3.2: the 15 p-values of the
# thrombolysis example. At level 0.05 the FDR procedure rejects the 4 smallest, the
# Bonferroni-type procedures 3.
BH_1995 = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459,
           0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000]


def test_bh_1995_number_of_rejections():
    assert (adjust_pvalues(BH_1995, "bh") <= 0.05).sum() == 4
    assert (adjust_pvalues(BH_1995, "holm") <= 0.05).sum() == 3
    assert (adjust_pvalues(BH_1995, "bonferroni") <= 0.05).sum() == 3


def test_r_p_adjust_values():
    # R 4.2.2: p.adjust(p, "holm") and p.adjust(p, "BH") on the BH (1995) p-values.
    holm = [0.0015, 0.0056, 0.0247, 0.1140, 0.2211, 0.2780, 0.2780, 0.2780, 0.3213,
            1, 1, 1, 1, 1, 1]
    bh = [0.0015, 0.0030, 0.0095, 0.035625, 0.0603, 0.06385714286, 0.06385714286, 0.0645,
          0.0765, 0.486, 0.58118181818, 0.714875, 0.75323076923, 0.81321428571, 1.0]
    assert_allclose(adjust_pvalues(BH_1995, "holm"), holm, rtol=1e-10)
    assert_allclose(adjust_pvalues(BH_1995, "bh"), bh, rtol=1e-10)


@pytest.mark.parametrize("ours, theirs", [("holm", "holm"), ("bh", "fdr_bh"), ("bonferroni", "bonferroni"),
                                          ("hochberg", "simes-hochberg"), ("by", "fdr_by")])
def test_cross_check_statsmodels(ours, theirs):
    rng = np.random.default_rng(7)
    p = rng.uniform(0, 0.2, 25)
    assert_allclose(adjust_pvalues(p, ours), multipletests(p, method=theirs)[1], rtol=1e-12)


def test_order_preserved_and_series():
    p = pd.Series([0.04, 0.01, 0.03], index=["c", "a", "b"], name="p")
    out = adjust_pvalues(p, "holm")
    assert list(out.index) == ["c", "a", "b"]
    assert_allclose(out.to_numpy(), [0.06, 0.03, 0.06])
    assert adjust_pvalues([], "bh").size == 0
    assert_allclose(adjust_pvalues([0.2, 0.5], "none"), [0.2, 0.5])


@pytest.mark.parametrize("p, word", [([0.1, float("nan")], "nan"), ([0.1, 1.5], "1.5"), ([-0.1], "-0.1")])
def test_bad_pvalues(p, word):
    with pytest.raises(ValueError, match=word):
        adjust_pvalues(p)


def test_bad_method():
    with pytest.raises(ValueError, match="'fdr'"):
        adjust_pvalues([0.1], "fdr")
