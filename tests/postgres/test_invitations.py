"""The invitation suite (single use under ten concurrent submissions, 410 pages, no trace in
the response, the admin page), run against PostgreSQL."""
from tests.app.test_invitations import *  # noqa: F401,F403  (the same tests, another database)
