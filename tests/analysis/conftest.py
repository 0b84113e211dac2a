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
