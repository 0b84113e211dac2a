"""The driver's statements (survey_app/driver.py) against PostgreSQL: psycopg's named
parameters, its errors raised as SQLAlchemy's, the session seeing the write."""
from tests.app.test_driver import (  # noqa: F401
    test_a_driver_error_is_sqlalchemys_and_undoes_the_whole_transaction,
    test_a_query_read_on_the_driver_takes_its_parameters_by_name,
    test_a_response_written_on_the_driver_reads_back_as_the_orm_wrote_it,
    test_a_write_on_the_driver_is_seen_by_the_requests_session_at_once,
    test_rows_inserted_together_keep_each_rows_values,
)
