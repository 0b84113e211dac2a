"""Shared fixtures and hypothesis settings for the analysis tests."""
import os

import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "analysis", max_examples=int(os.environ.get("ANALYSIS_MAX_EXAMPLES", "40")), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("analysis")

DATA = os.path.join(os.path.dirname(__file__), "data")


@pytest.fixture(scope="session")
def apistrat():
    # R survey package's `apistrat` (stratified sample of California schools), columns
    # snum, stype, pw, fpc, api00, api99, exported from survey 4.1-1 with write.csv.
    return pd.read_csv(os.path.join(DATA, "apistrat.csv"))


@pytest.fixture(scope="session")
def apiclus1():
    # R survey package's `apiclus1` (one-stage cluster sample of school districts).
    return pd.read_csv(os.path.join(DATA, "apiclus1.csv"))


# Written by tests/analysis/data/design_reference.R (R 4.2, survey 4.1-1), which also
# prints the reference values the test_design_*.py files pin.
@pytest.fixture(scope="session")
def apiclus1_design():
    # apiclus1 with stype, sch.wide, comp.imp, ell, enroll and an artificial `region`
    # stratification of the 15 districts in which "island" holds a single PSU.
    return pd.read_csv(os.path.join(DATA, "apiclus1_design.csv"))


@pytest.fixture(scope="session")
def apistrat_design():
    return pd.read_csv(os.path.join(DATA, "apistrat_design.csv"))


@pytest.fixture(scope="session")
def city_two_cycles():
    # Generated (set.seed(20241)): two cycles of a city survey, boroughs A-D as strata with
    # population N, age and sex to rake to census margins, a 1-5 rating.
    return pd.read_csv(os.path.join(DATA, "city_two_cycles.csv"))


@pytest.fixture(scope="session")
def raked_city_cycles(city_two_cycles):
    """{cycle: (rows, RakeResult)}: each cycle of ``city_two_cycles`` raked to the census.

    R: d <- svydesign(id = ~1, strata = ~borough, fpc = ~N, data = c); r <- rake(d,
    list(~age, ~sex), list(pop.age, pop.sex), control = list(maxit = 1000, epsilon = 1e-13))
    with pop.age 18-34/35-64/65+ = 30000/48000/22000 and pop.sex F/M = 52000/48000.
    """
    from analysis import rake

    out = {}
    for cycle in (2023, 2024):
        c = city_two_cycles[city_two_cycles.cycle == cycle].reset_index(drop=True)
        base = (c.groupby("borough").N.first() / c.groupby("borough").size())[c.borough].to_numpy()
        margins = {"age": {"18-34": 30000, "35-64": 48000, "65+": 22000}, "sex": {"F": 52000, "M": 48000}}
        out[cycle] = (c, rake(c, margins, base, tol=1e-14, max_iter=1000))
    return out
