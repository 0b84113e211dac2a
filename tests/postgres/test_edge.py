"""The edge suite, run against PostgreSQL (where NUL in text is refused by the server)."""
from tests.app.test_edge import *  # noqa: F403  (the same tests, another database)
