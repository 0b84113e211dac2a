"""The persisted tallies suite, run against PostgreSQL (fixtures in tests/postgres/conftest.py):
the tallies equal a recount, and the overview of an unchanged database issues no count(*)."""
from tests.app.results.test_tallies import *  # noqa: F403  (the same tests, another database)
