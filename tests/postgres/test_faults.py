"""The fault tests that hold for any database, run against PostgreSQL: a batch item that meets
a database fault answers 503 on its own, the others are stored (the SQLite file tests stay in
tests/app/test_faults.py)."""
from tests.app.test_faults import test_a_batch_answers_one_result_per_item_when_one_item_meets_a_fault  # noqa: F401
