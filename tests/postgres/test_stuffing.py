"""The ballot-stuffing suite, run against PostgreSQL (fixtures in tests/postgres/conftest.py)."""
from tests.app.conftest import signed_in  # noqa: F401  (the signed-in session fixture)
from tests.app.test_stuffing import *  # noqa: F403  (the same tests, another database)
