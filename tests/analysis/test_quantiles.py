"""The median's order-statistic interval pinned to R (DescTools::MedianCI's "exact" method,
written out with qbinom/pbinom since DescTools is not installed here)."""
import numpy as np
import pytest

import analysis

# R 4: for (n in c(10,20,31,50,101)) { k <- qbinom(0.025, n, 0.5);
#        cat(n, k, n-k+1, 1-2*pbinom(k-1,n,0.5), "\n") }
R_RANKS = [
    (10, 2, 9, 0.9785156),
    (20, 6, 15, 0.9586105),
    (31, 10, 22, 0.9705506),
    (50, 18, 33, 0.9671609),
    (101, 41, 61, 0.9539559),
]


@pytest.mark.parametrize("n, lower, upper, level", R_RANKS)
def test_ranks_and_achieved_level_equal_r(n, lower, upper, level):
    result = analysis.median_ci(np.arange(1, n + 1) * 1.5)
    assert (result.lower_rank, result.upper_rank) == (lower, upper)
    assert result.confidence_interval() == (lower * 1.5, upper * 1.5)
    assert result.achieved_level == pytest.approx(level, abs=1e-7)


def test_sample_with_ties_equals_r():
    # x <- c(2,3,3,5,7,8,8,9,12,14,15,15,18,21,30); n <- length(x); k <- qbinom(0.025,n,0.5)
    # median(x); sort(x)[c(k, n-k+1)]; 1-2*pbinom(k-1,n,0.5)  ->  9  5 15  0.9648438
    x = [2, 3, 3, 5, 7, 8, 8, 9, 12, 14, 15, 15, 18, 21, 30]
    result = analysis.median_ci(x)
    assert result.median == 9
    assert result.confidence_interval() == (5, 15)
    assert result.achieved_level == pytest.approx(0.9648438, abs=1e-7)


def test_other_level_equals_r():
    # k <- qbinom(0.05, 25, 0.5); c(k, 26-k); 1-2*pbinom(k-1,25,0.5)  ->  8 18 0.9567147
    result = analysis.median_ci(range(25), confidence_level=0.90)
    assert (result.lower_rank, result.upper_rank) == (8, 18)
    assert result.achieved_level == pytest.approx(0.9567147, abs=1e-7)


def test_frequency_table_form_equals_the_expanded_answers():
    rng = np.random.default_rng(12)
    answers = rng.integers(0, 30, size=437)
    values, counts = np.unique(answers, return_counts=True)
    by_counts = analysis.median_ci_from_counts(values[::-1], counts[::-1])
    plain = analysis.median_ci(answers)
    assert by_counts == plain
    assert plain.median == np.median(answers)


def test_even_n_median_is_the_mean_of_the_middle_pair():
    assert analysis.median_ci([1, 2, 3, 10]).median == 2.5


def test_tiny_sample_gives_the_range_and_says_it_covers_less():
    result = analysis.median_ci([4, 1, 9])
    assert result.confidence_interval() == (1, 9)
    assert result.achieved_level == pytest.approx(0.75)


@pytest.mark.parametrize("values, counts", [([], []), ([1.0, np.nan], [1, 1]), ([1, 2], [1, -1]),
                                            ([1, 2], [1, 0.5])])
def test_bad_input_is_refused(values, counts):
    with pytest.raises(ValueError):
        analysis.median_ci_from_counts(values, counts)
