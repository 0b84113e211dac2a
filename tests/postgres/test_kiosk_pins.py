"""The kiosk PIN's lockout suite (counted in the database, parallel guesses), on PostgreSQL."""
from tests.app.test_kiosk_pins import *  # noqa: F403  (the same tests, another database)
