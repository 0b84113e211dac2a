"""The weighted results pinned against R, run against PostgreSQL (fixtures in tests/postgres/conftest.py)."""
from tests.app.results.test_weighted_vs_r import *  # noqa: F403  (the same tests, another database)
