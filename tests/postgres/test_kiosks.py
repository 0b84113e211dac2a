"""The kiosk suite (enrollment, tokens, staff pages, imports), run against PostgreSQL."""
from tests.app.test_kiosks import *  # noqa: F403  (the same tests, another database)
