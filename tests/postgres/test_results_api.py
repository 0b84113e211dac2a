"""The results API suite, run against PostgreSQL (fixtures in tests/postgres/conftest.py)."""
from tests.app.test_results_api import *  # noqa: F403  (the same tests, another database)
