import math

import pytest
from numpy.testing import assert_allclose

from analysis import margin_of_error, sample_size

# Krejcie RV, Morgan DW (1970). Determining sample size for research activities.
# Educational and Psychological Measurement 30:607-610, Table 1 (95 %, d = .05, P = .5):
# N = 100 -> 80, N = 1000 -> 278, N = 10000 -> 370, N = 1,000,000 -> 384.
# Their formula s = X^2 N P(1-P) / (d^2 (N-1) + X^2 P(1-P)) is Cochran's
# n0 / (1 + (n0 - 1)/N).


@pytest.mark.parametrize("population, n", [(100, 80), (1000, 278), (10000, 370), (1_000_000, 384)])
def test_krejcie_morgan_1970(population, n):
    assert sample_size(0.05, population=population) == n


def test_infinite_population_and_deff():
    # n0 = 1.96^2 * .25 / .05^2 = 384.15 -> 385 (Cochran 1977, eq. 4.2 with P = .5)
    assert sample_size(0.05) == 385
    assert sample_size(0.05, deff=2.0) == 769
    assert sample_size(0.03) == 1068
    # mean / index: +/- 5 index points with an SD of 25 points
    assert sample_size(5, sd=25) == math.ceil((1.959963984540054 * 25 / 5) ** 2)


def test_margin_is_inverse_of_sample_size():
    n = sample_size(0.04, population=2500, deff=1.3, p=0.3)
    assert margin_of_error(n, p=0.3, population=2500, deff=1.3) <= 0.04
    assert margin_of_error(n - 1, p=0.3, population=2500, deff=1.3) > 0.04
    assert_allclose(margin_of_error(385), 1.959963984540054 * math.sqrt(0.25 / 385))
    assert margin_of_error(100, population=100) == 0.0


@pytest.mark.parametrize("kwargs, word", [
    (dict(margin=0), "margin"), (dict(margin=5), "below 1"), (dict(margin=0.05, p=1.2), "p"),
    (dict(margin=0.05, population=0), "population"), (dict(margin=0.05, deff=0), "deff"),
    (dict(margin=0.05, confidence_level=1.5), "confidence_level"), (dict(margin=5, sd=-1), "sd"),
])
def test_sample_size_bad_input(kwargs, word):
    with pytest.raises(ValueError, match=word):
        sample_size(**kwargs)


def test_margin_bad_input():
    with pytest.raises(ValueError, match="n"):
        margin_of_error(0)
    with pytest.raises(ValueError, match="exceeds"):
        margin_of_error(200, population=100)
